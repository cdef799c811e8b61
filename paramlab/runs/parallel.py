"""What a live run runs: chat requests (Job) and short tasks (Task), and the events they send.

Workers never touch Streamlit: paramlab.runs.live.LiveRun runs these in worker threads and keeps
their text and results, which the page paints.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from paramlab.client.assembly import Delta
from paramlab.client.chat import ChatClient


@dataclass
class Job:
    """One chat request."""
    client: ChatClient
    body: dict[str, Any]
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Task:
    """A short piece of work (e.g. the Lab's next-token probes): fn(cancelled) -> its result.
    fn should look at `cancelled` between requests and return early when it is set."""
    fn: Callable[[threading.Event], Any]


@dataclass(frozen=True)
class TaskFailed:
    """What a job that raised (a bug, never an API error) leaves as its result."""
    error: str


@dataclass(frozen=True)
class JobDelta:
    job: int
    delta: Delta


@dataclass(frozen=True)
class JobDone:
    job: int
    result: Any
