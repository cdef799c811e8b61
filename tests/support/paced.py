"""A paced event stream for the fault server that knows when the client hung up: proof that a
cancelled run (Stop, a closed browser tab) really ended the upstream request."""
from __future__ import annotations

import threading
import time

from support.fault_server import chunk, sse


class Paced:
    """Streams `words` (one chunk each, `pause` s apart) then finish_reason stop; `hung_up` is set
    when a write fails because the client closed the connection."""

    def __init__(self, words: list[str], pause: float = 0.05):
        self.words, self.pause = words, pause
        self.sent = 0
        self.started = threading.Event()
        self.hung_up = threading.Event()
        self.finished = threading.Event()

    def __call__(self, h) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        self.started.set()
        try:
            h.wfile.write(sse(chunk(role="assistant", content=""), done=False))
            for w in self.words:
                h.wfile.write(sse(chunk(w), done=False))
                h.wfile.flush()
                self.sent += 1
                time.sleep(self.pause)
            h.wfile.write(sse(chunk(finish="stop")))
            h.wfile.flush()
            self.finished.set()
        except OSError:
            self.hung_up.set()
        h.close_connection = True


def words(n: int) -> list[str]:
    return [f"w{i} " for i in range(n)]
