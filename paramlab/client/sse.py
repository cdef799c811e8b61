"""Server-sent events decoding from raw bytes.

Lines end in CR, LF or CRLF, and any of them may be split across network chunks, so
lines are cut from bytes and only complete lines are decoded, always as UTF-8 (an
event stream has no other charset, whatever the Content-Type says).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


_BOM = b"\xef\xbb\xbf"


class SSEDecoder:
    """Incremental decoder: feed() bytes as they arrive, close() at end of stream."""

    __slots__ = ("_buf", "_skip_lf", "_data", "_event", "_id", "_retry", "_bom")

    def __init__(self) -> None:
        self._bom = True  # a leading UTF-8 BOM is not part of the first line (the spec says skip it)
        self._buf = b""
        self._skip_lf = False
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        if self._bom:
            chunk = self._buf + chunk
            self._buf = b""
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._buf = chunk  # may still become a BOM
                return []
            self._bom = False
            if chunk.startswith(_BOM):
                chunk = chunk[3:]
        if self._skip_lf and chunk:  # the previous chunk ended in CR: a leading LF completes that CRLF
            self._skip_lf = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        buf = self._buf + chunk if self._buf else chunk
        lines = buf.splitlines(keepends=True)  # bytes.splitlines cuts only on \r, \n, \r\n
        if not lines:
            self._buf = b""
            return []
        tail = lines[-1][-1:]
        if tail == b"\n":
            self._buf = b""
        elif tail == b"\r":
            self._buf = b""
            self._skip_lf = True
        else:
            self._buf = lines.pop()  # unterminated: wait for the rest of the line
        events: list[ServerSentEvent] = []
        for raw in lines:
            self._line(raw.rstrip(b"\r\n"), events)
        return events

    def close(self) -> list[ServerSentEvent]:
        """End of stream: finish the last line and dispatch a pending event leniently."""
        events: list[ServerSentEvent] = []
        if self._bom and _BOM.startswith(self._buf):
            self._buf = b""
        if self._buf:
            self._line(self._buf.rstrip(b"\r\n"), events)
            self._buf = b""
        self._line(b"", events)
        return events

    def _line(self, raw: bytes, events: list[ServerSentEvent]) -> None:
        if not raw:
            if self._data or self._event is not None:
                events.append(ServerSentEvent("\n".join(self._data), self._event, self._id, self._retry))
            self._data = []
            self._event = None
            self._retry = None
            return
        if raw[:5] == b"data:":  # the hot path: almost every line of a chat stream
            value = raw[6:] if raw[5:6] == b" " else raw[5:]
            self._data.append(value.decode("utf-8", "replace"))
            return
        if raw[:1] == b":":
            return  # comment / keep-alive
        name, _, value = raw.partition(b":")
        if value[:1] == b" ":
            value = value[1:]
        field = name.decode("utf-8", "replace")
        text = value.decode("utf-8", "replace")
        if field == "data":  # "data" with no colon
            self._data.append(text)
        elif field == "event":
            self._event = text
        elif field == "id":
            if "\0" not in text:
                self._id = text
        elif field == "retry":
            if text.isdigit():
                self._retry = int(text)
        elif field == "error":
            # Older llama.cpp builds reported mid-stream errors on a non-standard `error:` line.
            self._event = "error"
            self._data.append(text)
        # any other field is ignored, as the spec says


def iter_events(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.close()
