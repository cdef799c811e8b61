"""AppTest helpers for pages with live runs: AppTest has no browser to tick the painting
fragments, so a test reruns the script until every run in session state has ended."""
from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from paramlab.runs.live import LiveRun

PLAYGROUND = str(Path(__file__).resolve().parents[2] / "playground.py")


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


def playground(monkeypatch, base_url: str, data_dir, model: str = "fault-model"):
    """The Playground page under AppTest, talking to `base_url` (a fault or scripted server) as `model`,
    its data in `data_dir`; run once and checked to have raised nothing."""
    monkeypatch.setenv("CHAT_BASE_URL", base_url)
    monkeypatch.setenv("CHAT_MODEL", model)
    monkeypatch.setenv("CHAT_DATA_DIR", str(data_dir))
    at = AppTest.from_file(PLAYGROUND, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at
