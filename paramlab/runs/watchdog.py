"""Cancels live runs nobody is watching any more: a thread that asks each run's owner
whether it is still there (for a page: whether its browser session is still connected) and
cancels the run when not, so the server stops generating text no one will see."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from paramlab.runs.live import LiveRun

log = logging.getLogger("paramlab.runs.watchdog")
CHECK_EVERY_S = 0.5
SESSION_ENDED = "the browser session ended"

_lock = threading.Lock()
_watched: list[tuple[LiveRun, Callable[[], bool]]] = []
_thread: threading.Thread | None = None


def watch(run: LiveRun, alive: Callable[[], bool]) -> None:
    """Cancel `run` as soon as `alive()` says False (checked every CHECK_EVERY_S while it runs)."""
    global _thread
    with _lock:
        _watched.append((run, alive))
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_loop, name="paramlab-run-watchdog", daemon=True)
            _thread.start()


def watched() -> int:
    with _lock:
        return len(_watched)


def check() -> None:
    """One pass: drop finished runs, cancel orphaned ones."""
    with _lock:
        items = list(_watched)
    for run, alive in items:
        if run.finished:
            continue
        try:
            ok = alive()
        except Exception:  # noqa: BLE001 - an owner that cannot answer is treated as gone
            log.exception("liveness check failed")
            ok = False
        if not ok:
            log.info("cancelling a run whose owner is gone")
            run.cancel(SESSION_ENDED)
    with _lock:
        _watched[:] = [(r, a) for r, a in _watched if not r.finished]


def _loop() -> None:
    global _thread
    while True:
        time.sleep(CHECK_EVERY_S)
        check()
        with _lock:
            if not _watched:
                _thread = None
                return
