"""A scripted HTTP server on 127.0.0.1 for testing the client against misbehaving servers.

No mocks: the client talks real HTTP over a real socket. Each test queues the behaviour of
the next requests (`server.script(Reply(...), Stream(...), ...)`); once the queue is empty
the `default` behaviour answers. Every request is recorded (method, path, headers, body) so
tests can assert what was sent, and how many times.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

MODEL = "fault-model"


# -- behaviours -----------------------------------------------------------------------------
@dataclass
class Reply:
    """A complete answer: status, body (bytes, str or JSON-able) and headers."""
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None

    def __call__(self, h: "Handler") -> None:
        body = self.body
        ctype = self.content_type
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            ctype = ctype or "application/json"
        elif isinstance(body, str):
            body = body.encode()
        h.send_response(self.status)
        if ctype:
            h.send_header("Content-Type", ctype)
        for k, v in self.headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()


@dataclass
class Stream:
    """A 200 event stream sent in the given byte parts, each flushed on its own.

    `pause` seconds between parts make separate TCP segments likely, so a CR at the end of one
    part and the LF at the start of the next reach the client in separate reads.
    `reset` ends with a TCP reset instead of a clean end; `chunked` uses HTTP chunked encoding
    (as most servers do) rather than a close-delimited body.
    """
    parts: list[bytes]
    pause: float = 0.0
    reset: bool = False
    chunked: bool = True
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, h: "Handler") -> None:
        h.send_response(200)
        h.send_header("Content-Type", self.content_type)
        h.send_header("Cache-Control", "no-cache")
        for k, v in self.headers.items():
            h.send_header(k, v)
        if self.chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.flush()
        for part in self.parts:
            if self.chunked:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            else:
                h.wfile.write(part)
            h.wfile.flush()
            if self.pause:
                time.sleep(self.pause)
        if self.reset:
            h.reset()
            return
        if self.chunked:
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
        h.close_connection = True


@dataclass
class Hang:
    """Accept the request and never answer (until the server stops or `limit` seconds)."""
    limit: float = 30.0

    def __call__(self, h: "Handler") -> None:
        h.server.stopping.wait(self.limit)
        h.close_connection = True


@dataclass
class Trickle:
    """Send the headers, then one keep-alive comment every `interval` s, forever (bounded)."""
    interval: float = 0.05
    limit: float = 30.0
    content_type: str = "text/event-stream"
    piece: bytes = b": keep-alive\n\n"
    status: int = 200

    def __call__(self, h: "Handler") -> None:
        h.send_response(self.status)
        h.send_header("Content-Type", self.content_type)
        h.send_header("Connection", "close")
        h.end_headers()
        end = time.monotonic() + self.limit
        try:
            while time.monotonic() < end and not h.server.stopping.is_set():
                h.wfile.write(self.piece)
                h.wfile.flush()
                time.sleep(self.interval)
        except OSError:
            pass  # the client gave up: that is the point
        h.close_connection = True


@dataclass
class Reset:
    """Close the connection with a TCP reset without answering."""

    def __call__(self, h: "Handler") -> None:
        h.reset()


# -- chunk builders ---------------------------------------------------------------------------
def chunk(content: str | None = None, index: int = 0, finish: str | None = None, role: str | None = None,
          **extra: Any) -> dict:
    delta: dict[str, Any] = {}
    if role:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    return {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}], **extra}


def sse(*payloads: Any, done: bool = True, eol: bytes = b"\n") -> bytes:
    """Serialise payloads as `data:` events; dict payloads become JSON."""
    out = b""
    for p in payloads:
        data = p if isinstance(p, (bytes, str)) else json.dumps(p, ensure_ascii=False)
        data = data.encode() if isinstance(data, str) else data
        out += b"data: " + data + eol + eol
    if done:
        out += b"data: [DONE]" + eol + eol
    return out


def chat_stream(words: list[str], finish: str = "stop", usage: dict | None = None, done: bool = True,
                eol: bytes = b"\n") -> bytes:
    payloads: list[Any] = [chunk(role="assistant", content="")]
    payloads += [chunk(w) for w in words]
    if finish:
        payloads.append(chunk(finish=finish))
    if usage:
        payloads.append({"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": 1700000000,
                         "model": MODEL, "choices": [], "usage": usage})
    return sse(*payloads, done=done, eol=eol)


def completion(text: str = "Hello there.", finish: str = "stop", n: int = 1) -> dict:
    return {"id": "chatcmpl-fault", "object": "chat.completion", "created": 1700000000, "model": MODEL,
            "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
                        for i in range(n)],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}}


# -- the server -----------------------------------------------------------------------------
@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.owner._record(Recorded(self.command, self.path, dict(self.headers.items()), body))
        behaviour = self.server.owner._next()
        try:
            behaviour(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_POST = do_GET = do_PUT = _handle

    def reset(self) -> None:
        """Abort the connection with RST (SO_LINGER 0), like a crashed upstream."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: "FaultServer"):
        self.owner = owner
        self.stopping = threading.Event()
        super().__init__(("127.0.0.1", 0), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and aborted clients are expected here


class FaultServer:
    """Start with `with FaultServer() as fs:`; `fs.base_url` ends in /v1 like real endpoints."""

    def __init__(self, default: Callable[[Handler], None] | None = None):
        self.default = default or Reply(200, completion())
        self.requests: list[Recorded] = []
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root + "/v1"

    def script(self, *behaviours: Callable[[Handler], None]) -> "FaultServer":
        with self._lock:
            self._queue.extend(behaviours)
        return self

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()

    @property
    def count(self) -> int:
        return len(self.requests)

    def _next(self) -> Callable[[Handler], None]:
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def _record(self, r: Recorded) -> None:
        with self._lock:
            self.requests.append(r)

    def start(self) -> "FaultServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


@dataclass
class TrickleHeaders:
    """Send the status line, then one byte of a never-ending header every `interval` s (bounded)."""
    interval: float = 0.05
    limit: float = 30.0

    def __call__(self, h: "Handler") -> None:
        end = time.monotonic() + self.limit
        try:
            h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while time.monotonic() < end and not h.server.stopping.is_set():
                h.wfile.write(b"a")
                h.wfile.flush()
                time.sleep(self.interval)
        except OSError:
            pass
        h.close_connection = True
