"""A paced SSE chat server on 127.0.0.1: streams like a remote API at a set rate, so a benchmark
measures ParamLab, never the server. Shared by the Compare and browser streaming benchmarks."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Paced:
    """Streams `n` choices of `tokens` tokens at `rate` tokens per second each; the last token of
    choice i is `END{i}`. `last_byte` is the wall-clock time (time.time()) the last stream ended."""

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
