"""What the relay puts on the wire: OpenAI's error shape and server-sent event frames."""
from __future__ import annotations

from typing import Any

import orjson


class RelayError(Exception):
    """A request the relay answers itself, in OpenAI's error shape (or the chat-room's, for /chat-room)."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.param, self.code)


def error_body(message: str, type: str | None = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def frame(data: str, event: str | None = None) -> bytes:
    """One SSE event; multi-line data keeps one `data:` line per line, as the upstream sent it."""
    head = f"event: {event}\n" if event else ""
    return (head + "".join(f"data: {line}\n" for line in data.split("\n")) + "\n").encode("utf-8")


def json_frame(obj: Any) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


DONE = b"data: [DONE]\n\n"
