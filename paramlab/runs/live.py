"""A batch of requests that outlives one Streamlit script run.

The page keeps a LiveRun in session_state and calls pump() in its paint loop. Any widget
click reruns the script; the new run simply keeps pumping the same event stream, so a click
(Cancel, mark preferred, open a cell) never loses the text streamed so far.
"""
from __future__ import annotations

import time
from typing import Sequence

from paramlab.runs.parallel import Batch, Job, JobDelta, JobDone
from paramlab.client.result import ChatResult

POLL_S = 0.05


class LiveRun:
    def __init__(self, jobs: Sequence[Job], max_workers: int = 4):
        self.total = len(jobs)
        self.texts: list[dict[int, str]] = [{} for _ in jobs]  # job -> choice index -> text so far
        self.reasoning: list[dict[int, str]] = [{} for _ in jobs]  # the same for the thinking text
        self.results: list[ChatResult | None] = [None] * len(jobs)
        self.started = time.perf_counter()
        self.wall_s: float | None = None
        self.cancelled = False
        self._batch = Batch(jobs, max_workers)
        self._events = self._batch.events(POLL_S)
        self.finished = self.total == 0
        if self.finished:
            self.wall_s = 0.0

    @property
    def done_count(self) -> int:
        return sum(r is not None for r in self.results)

    def text(self, job: int, choice: int = 0) -> str:
        return self.texts[job].get(choice, "")

    def streaming(self, job: int) -> bool:
        return self.results[job] is None and bool(self.texts[job])

    def pump(self, budget_s: float = 0.1) -> set[int]:
        """Take events for up to `budget_s` (returning early when quiet); returns the jobs that changed."""
        changed: set[int] = set()
        if self.finished:
            return changed
        deadline = time.monotonic() + budget_s
        for ev in self._events:
            if ev is None:
                break
            changed.add(ev.job)
            if isinstance(ev, JobDelta):
                t = self.texts[ev.job]
                t[ev.delta.index] = t.get(ev.delta.index, "") + ev.delta.text
                if ev.delta.reasoning:
                    r = self.reasoning[ev.job]
                    r[ev.delta.index] = r.get(ev.delta.index, "") + ev.delta.reasoning
            elif isinstance(ev, JobDone):
                self.results[ev.job] = ev.result
                # the result's choices are authoritative (they include text a JSON reply carried)
                self.texts[ev.job] = {c.index: c.text for c in ev.result.choices} or self.texts[ev.job]
                self.reasoning[ev.job] = {c.index: c.reasoning for c in ev.result.choices
                                          if c.reasoning} or self.reasoning[ev.job]
            if time.monotonic() >= deadline:
                break
        else:
            self._finish()
        if self.done_count == self.total:
            self._finish()
        return changed

    def _finish(self) -> None:
        if not self.finished:
            self.finished = True
            self.wall_s = time.perf_counter() - self.started

    def wait(self) -> list[ChatResult | None]:
        while not self.finished:
            self.pump(1.0)
        return self.results

    def cancel(self) -> None:
        """Stop every request; partial text is kept (status "stopped")."""
        self.cancelled = True
        self._batch.cancel()
