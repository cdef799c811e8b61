"""The one live-run mechanism: requests (and short tasks) running in worker threads, whose state
the page reads whenever it paints.

Workers write every delta and result into the run under its lock, so the run is always
current: a page paints it from a fragment that reruns on a timer while the run is live, with
no generator to drain and no loop in the script thread. Listeners (the Playground's choice
slots and fan-out) are told about every event in the worker thread, under the same lock.
A run ends when all of its jobs ended; cancel() stops them all and keeps the partial text.
The watchdog (paramlab.runs.watchdog) cancels runs whose browser session has ended.
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Sequence

from paramlab.client.result import ChatResult
from paramlab.runs.parallel import Job, JobDelta, JobDone, Task, TaskFailed

class _Holder(list):
    """Where ChatClient.run puts its stream: one that arrives after cancel() is cancelled at once."""

    def __init__(self, cancelled: threading.Event):
        super().__init__()
        self._cancelled = cancelled

    def append(self, stream) -> None:
        super().append(stream)
        if self._cancelled.is_set():
            stream.cancel()


Listener = Callable[["LiveRun", "JobDelta | JobDone"], None]
STOPPED_BY_USER = "stopped by the user"


class LiveRun:
    """Start jobs with at most `max_workers` in flight; read texts/results any time; cancel()."""

    def __init__(self, jobs: Sequence[Job | Task] = (), max_workers: int = 4,
                 listener: Listener | None = None):
        self.lock = threading.RLock()
        self.jobs: list[Job | Task] = []
        self.texts: list[dict[int, str]] = []       # job -> choice index -> text so far
        self.reasoning: list[dict[int, str]] = []   # the same for the thinking text
        self.spoken: list[dict[int, str]] = []      # the same for a spoken reply's transcript
        self.results: list[Any] = []                # ChatResult (or a Task's value) once done
        self.version = 0                            # bumped on every change: painters skip equal ones
        self.started = time.perf_counter()
        self.wall_s: float | None = None
        self.cancelled = False
        self.cancel_reason: str | None = None
        self.last_seen = time.monotonic()           # the page's heartbeat (touch())
        self._listeners: list[Listener] = [listener] if listener else []
        self._streams: list[list] = []
        self._cancel = threading.Event()
        self._ended = threading.Event()
        self._pending = 0
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="paramlab-run")
        if jobs:
            self.add(jobs)
        else:
            self._end()

    # -- starting ---------------------------------------------------------------------------
    def add(self, jobs: Iterable[Job | Task]) -> list[int]:
        """Start more jobs in this run (fan-out); returns their numbers."""
        with self.lock:
            ids = []
            for job in jobs:
                i = len(self.jobs)
                self.jobs.append(job)
                self.texts.append({})
                self.reasoning.append({})
                self.spoken.append({})
                self.results.append(None)
                self._streams.append(_Holder(self._cancel))
                self._pending += 1
                ids.append(i)
            if ids:
                self._ended.clear()
                self.wall_s = None
                self.version += 1
        for i in ids:
            self._pool.submit(self._run, i)
        return ids

    def listen(self, listener: Listener) -> None:
        with self.lock:
            self._listeners.append(listener)

    def _run(self, i: int) -> None:
        job = self.jobs[i]
        try:
            if isinstance(job, Task):
                result: Any = job.fn(self._cancel)
            elif self._cancel.is_set():
                result = job.client._new_result(job.body, stream=bool(job.body.get("stream")))
                result.status, result.error = "stopped", "cancelled before it started"
            else:
                result = job.client.run(job.body, on_delta=lambda d: self._delta(i, d),
                                        stream_holder=self._streams[i], context=job.context)
        except Exception as e:  # noqa: BLE001 - a bug in one job must still end the run
            why = f"{type(e).__name__}: {e}"
            result = TaskFailed(why) if isinstance(job, Task) else \
                ChatResult(status="error", error=f"internal error: {why}", request=dict(job.body))
        if isinstance(result, ChatResult) and result.status == "stopped" and self.cancel_reason \
                and self.cancel_reason != STOPPED_BY_USER:
            result.error = f"{self.cancel_reason}; the text so far is kept"
        self._done(i, result)

    def _delta(self, i: int, d) -> None:
        with self.lock:
            t = self.texts[i]
            t[d.index] = t.get(d.index, "") + d.text
            if d.reasoning:
                r = self.reasoning[i]
                r[d.index] = r.get(d.index, "") + d.reasoning
            if d.spoken:
                sp = self.spoken[i]
                sp[d.index] = sp.get(d.index, "") + d.spoken
            self.version += 1
            self._tell(JobDelta(i, d))

    def _done(self, i: int, result: Any) -> None:
        with self.lock:
            self.results[i] = result
            if isinstance(result, ChatResult):
                # the result's choices are authoritative (they include text a JSON reply carried)
                self.texts[i] = {c.index: c.text for c in result.choices} or self.texts[i]
                self.reasoning[i] = {c.index: c.reasoning for c in result.choices if c.reasoning} or self.reasoning[i]
            self.version += 1
            self._tell(JobDone(i, result))  # a listener may add() fan-out jobs here
            self._pending -= 1
            if self._pending == 0:
                self._end()

    def _tell(self, event) -> None:
        for listener in self._listeners:
            listener(self, event)

    def _end(self) -> None:
        with self.lock:
            self.wall_s = time.perf_counter() - self.started
            self.version += 1
        self._ended.set()

    # -- reading ----------------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self._ended.is_set()

    @property
    def live(self) -> bool:
        return not self._ended.is_set()

    @property
    def total(self) -> int:
        return len(self.jobs)

    @property
    def done_count(self) -> int:
        with self.lock:
            return sum(r is not None for r in self.results)

    def text(self, job: int, choice: int = 0) -> str:
        with self.lock:
            return self.texts[job].get(choice, "")

    def choices(self, job: int) -> dict[int, str]:
        with self.lock:
            return dict(self.texts[job])

    def thinking(self, job: int) -> dict[int, str]:
        with self.lock:
            return dict(self.reasoning[job])

    def transcripts(self, job: int) -> dict[int, str]:
        with self.lock:
            return dict(self.spoken[job])

    def streaming(self, job: int) -> bool:
        with self.lock:
            return self.results[job] is None and bool(self.texts[job])

    def elapsed(self) -> float:
        return self.wall_s if self.wall_s is not None and self.finished else time.perf_counter() - self.started

    # -- ending -----------------------------------------------------------------------------
    def cancel(self, reason: str = STOPPED_BY_USER) -> None:
        """Stop every job; partial text is kept (status "stopped")."""
        with self.lock:
            if self.finished or self._cancel.is_set():
                return
            self.cancelled, self.cancel_reason = True, reason
            self._cancel.set()
            streams = [s for holder in self._streams for s in holder]
            self.version += 1
        for s in streams:
            s.cancel()

    def touch(self) -> None:
        """The page that shows this run is still there (a heartbeat the painter refreshes)."""
        self.last_seen = time.monotonic()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (a session saved by the runtime): what was received, never the threads, the
        clients or their keys. A run unpickled is over: its workers stayed in this process."""
        with self.lock:
            keep = ("texts", "reasoning", "results", "version", "started", "wall_s", "cancelled", "cancel_reason")
            state = {k: self.__dict__[k] for k in keep}
            state["total_jobs"] = len(self.jobs)
            return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        n = state.pop("total_jobs")
        self.__dict__.update(state)
        self.lock = threading.RLock()
        self.jobs, self._listeners, self._streams, self._pending = [None] * n, [], [], 0
        self._cancel, self._ended = threading.Event(), threading.Event()
        self._ended.set()
        self.last_seen = time.monotonic()

    def wait(self, timeout: float | None = None) -> list[Any]:
        self._ended.wait(timeout)
        return self.results


def run_all(jobs: Sequence[Job], max_workers: int = 8) -> list[ChatResult]:
    """Run jobs concurrently and wait for all of them."""
    return [r for r in LiveRun(jobs, max_workers).wait() if r is not None]
