"""What the browser benchmarks share: Debian's Chromium through Playwright, an app server, the
websocket frames a page receives, a paced SSE server and a process's CPU seconds."""
from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests")]

from support.app import CHROMIUM, CHROMIUM_ARGS, start_app, wait_for_app  # noqa: E402


@contextlib.contextmanager
def app(script: str = "playground.py", env: dict | None = None):
    """A Streamlit server for `script`; yields (url, pid)."""
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


class Paced:
    """An SSE server streaming `n` choices at `rate` tokens per second each; the last token of choice
    i is `END{i}`. `last_byte` is the wall-clock time (time.time()) the stream's last byte was sent."""

    def __init__(self, n: int = 4, rate: float = 200.0, tokens: int = 600):
        self.n, self.rate, self.tokens = n, rate, tokens
        self.last_byte: float | None = None
        self.done = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                outer._stream(self.wfile)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _chunk(self, i: int, text: str | None, finish: str | None = None) -> bytes:
        delta = {} if text is None else {"content": text}
        body = {"id": "paced", "object": "chat.completion.chunk", "created": 0, "model": "paced",
                "choices": [{"index": i, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(body)}\n\n".encode()

    def _stream(self, out) -> None:
        self.done.clear()
        start = time.perf_counter()
        for k in range(self.tokens):
            word = "END" if k == self.tokens - 1 else f"t{k}"
            out.write(b"".join(self._chunk(i, f"{word}{i} " if word == "END" else f"{word} ")
                               for i in range(self.n)))
            out.flush()
            delay = start + (k + 1) / self.rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        out.write(b"".join(self._chunk(i, None, "stop") for i in range(self.n)) + b"data: [DONE]\n\n")
        out.flush()
        self.last_byte = time.time()
        self.done.set()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
