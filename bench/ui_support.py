"""What the browser benchmarks share: Debian's Chromium through Playwright, an app server, the
websocket frames a page receives and a process's CPU seconds (the paced SSE server: bench/paced.py)."""
from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from support.app import CHROMIUM, CHROMIUM_ARGS, start_app, wait_for_app  # noqa: E402


@contextlib.contextmanager
def app(script: str = "serve.py", env: dict | None = None):
    """A Streamlit server for `script`, by default ParamLab as `make run` serves it (under
    `streamlit run playground.py`, a deep link such as /Compare opened before any session has run
    the entry page runs in Streamlit's older pages/ mode, with its own page list); yields (url, pid)."""
    with tempfile.TemporaryDirectory(prefix="paramlab-bench-") as d:
        proc, url = start_app(Path(d), env, script=script)
        try:
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except Exception:  # noqa: BLE001
                proc.kill()


@contextlib.contextmanager
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Frames:
    """The app websocket's frames with the browser's own timestamps (Chrome DevTools Protocol
    Network.webSocketFrameSent / Received, one monotonic clock), so the figures do not depend on
    when Playwright hands the events to Python. page.on("websocket") names the app's socket."""

    def __init__(self, page):
        self.sent: list[float] = []
        self.received: list[float] = []
        self._socket_ids: set[str] = set()
        self._seen = time.perf_counter()
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.webSocketCreated", self._created)
        cdp.on("Network.webSocketFrameSent", lambda e: self._frame(e, self.sent))
        cdp.on("Network.webSocketFrameReceived", lambda e: self._frame(e, self.received))
        cdp.send("Network.enable")
        page.on("websocket", lambda ws: None)  # Playwright's view of the same socket (kept for clarity)

    def _created(self, e) -> None:
        if "_stcore/stream" in e.get("url", ""):
            self._socket_ids.add(e["requestId"])

    def _frame(self, e, into: list[float]) -> None:
        if e.get("requestId") in self._socket_ids:
            into.append(e["timestamp"])
            self._seen = time.perf_counter()

    def rerun_after(self, page, action, quiet_s: float = 0.6, timeout_s: float = 30.0) -> float:
        """Do `action()` (a widget change) and return seconds from the message it sent to the
        last message of the rerun it caused."""
        n_sent, n_received = len(self.sent), len(self.received)
        action()
        end = time.perf_counter() + timeout_s
        while time.perf_counter() < end:
            page.wait_for_timeout(50)
            if len(self.sent) > n_sent and len(self.received) > n_received \
                    and time.perf_counter() - self._seen >= quiet_s:
                return self.received[-1] - self.sent[n_sent]
        raise RuntimeError("the page did not answer the widget change")

    def settle(self, page, quiet_s: float = 0.6) -> None:
        while time.perf_counter() - self._seen < quiet_s:
            page.wait_for_timeout(100)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
