"""Running several requests at once (Compare panes, sweep cells, n fan-out) in worker threads.

Workers never touch Streamlit: they append deltas to a queue that the page drains and paints,
so panes stream concurrently while the script thread stays the only one drawing.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

from paramlab.client.assembly import Delta
from paramlab.client.chat import ChatClient, ChatStream
from paramlab.client.result import ChatResult


@dataclass
class Job:
    client: ChatClient
    body: dict[str, Any]
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class JobDelta:
    job: int
    delta: Delta


@dataclass(frozen=True)
class JobDone:
    job: int
    result: ChatResult


class Batch:
    """Start jobs with at most `max_workers` in flight; iterate events(); cancel() stops all."""

    def __init__(self, jobs: Sequence[Job], max_workers: int = 8):
        self.jobs = list(jobs)
        self.results: list[ChatResult | None] = [None] * len(self.jobs)
        self._events: queue.Queue = queue.Queue()
        self._streams: list[list[ChatStream]] = [[] for _ in self.jobs]
        self._cancelled = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(self.jobs) or 1)),
                                        thread_name_prefix="paramlab-job")
        self._futures: list[Future] = [self._pool.submit(self._run, i) for i in range(len(self.jobs))]
        self._pool.shutdown(wait=False)

    def _run(self, i: int) -> None:
        job = self.jobs[i]
        if self._cancelled.is_set():
            result = job.client._new_result(job.body, stream=bool(job.body.get("stream")))
            result.status, result.error = "stopped", "cancelled before it started"
        else:
            result = job.client.run(job.body, on_delta=lambda d: self._events.put(JobDelta(i, d)),
                                    stream_holder=self._streams[i], context=job.context)
        self.results[i] = result
        self._events.put(JobDone(i, result))

    def events(self, poll: float = 0.05) -> Iterator[JobDelta | JobDone | None]:
        """Yields events as they come, and None every `poll` seconds of quiet; ends when all are done."""
        remaining = len(self.jobs)
        while remaining:
            try:
                ev = self._events.get(timeout=poll)
            except queue.Empty:
                yield None
                continue
            if isinstance(ev, JobDone):
                remaining -= 1
            yield ev

    def cancel(self) -> None:
        self._cancelled.set()
        for holder in self._streams:
            for s in holder:
                s.cancel()

    def wait(self) -> list[ChatResult]:
        for _ in self.events():
            pass
        return [r for r in self.results if r is not None]


def run_all(jobs: Sequence[Job], max_workers: int = 8,
            on_event: Callable[[JobDelta | JobDone], None] | None = None) -> list[ChatResult]:
    batch = Batch(jobs, max_workers)
    for ev in batch.events():
        if ev is not None and on_event:
            on_event(ev)
    return [r for r in batch.results if r is not None]
