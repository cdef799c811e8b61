"""AppTest helpers for pages with live runs: AppTest has no browser to tick the painting
fragments, so a test reruns the script until every run in session state has ended."""
from __future__ import annotations

import time

from paramlab.runs.live import LiveRun


def live_runs(at) -> list[LiveRun]:
    """Every LiveRun in session state (kept directly, or as a page run's .live)."""
    found = []
    for key in list(at.session_state.keys()):
        v = at.session_state[key]
        v = v if isinstance(v, LiveRun) else getattr(v, "live", None)  # a page run keeps it as .live
        if isinstance(v, LiveRun):
            found.append(v)
    return found


def settle(at, timeout: float = 180.0):
    """Rerun until no live run remains, then once more so the page settles the finished runs."""
    deadline = time.monotonic() + timeout
    at.run(timeout=timeout)
    while any(r.live for r in live_runs(at)):
        if time.monotonic() > deadline:
            raise AssertionError(f"a live run was still running after {timeout} s")
        for r in live_runs(at):
            r.wait(0.2)
        at.run(timeout=timeout)
    at.run(timeout=timeout)
    return at
