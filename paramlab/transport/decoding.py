"""Content encodings, decoded incrementally as bytes arrive.

Only what is decoded here is advertised (ACCEPT_ENCODING). Every chunk is decoded as soon as
it arrives and whatever output zlib can produce is returned at once, so a compressed event
stream still reaches the page event by event (nginx flushes its gzip stream per event when
proxy_buffering is off).
"""
from __future__ import annotations

import zlib

ACCEPT_ENCODING = "gzip, deflate"
_IDENTITY = {"", "identity"}


class UnsupportedEncoding(ValueError):
    """The server used an encoding ParamLab did not ask for and cannot decode."""


class BodyDecoder:
    """feed(raw bytes) -> decoded bytes; flush() at end of body. Handles a chain of encodings
    (`Content-Encoding: gzip, gzip` is legal: decoded in reverse order)."""

    def __init__(self, content_encoding: str | None):
        names = [n.strip().lower() for n in (content_encoding or "").split(",")]
        names = [n for n in names if n not in _IDENTITY]
        for n in names:
            if n not in ("gzip", "x-gzip", "deflate"):
                raise UnsupportedEncoding(
                    f"the server compressed the reply with {n!r}, which ParamLab did not ask for "
                    f"(it accepts {ACCEPT_ENCODING}) and cannot decode")
        self._stages = [_Stage(n) for n in reversed(names)]

    @property
    def identity(self) -> bool:
        return not self._stages

    def feed(self, data: bytes) -> bytes:
        for stage in self._stages:
            if not data:
                break
            data = stage.feed(data)
        return data

    def flush(self) -> bytes:
        out = b""
        for stage in self._stages:
            out = stage.feed(out) if out else b""
            out += stage.flush()
        return out


class _Stage:
    def __init__(self, name: str):
        self.name = name
        self._gzip = name in ("gzip", "x-gzip")
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS) if self._gzip else None
        self._head = b""  # deflate: the first two bytes tell a zlib stream from raw deflate

    def feed(self, data: bytes) -> bytes:
        if self._obj is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            cmf, flg = data[0], data[1]
            zlib_header = cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0
            # "deflate" means a zlib stream, but some servers send raw deflate
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        out = bytearray()
        while data:
            try:
                out += self._obj.decompress(data)
            except zlib.error as e:
                raise UnsupportedEncoding(f"the {self.name} body could not be decoded ({e})") from None
            data = b""
            if self._gzip and self._obj.eof and self._obj.unused_data:  # another gzip member
                data = self._obj.unused_data
                self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        return bytes(out)

    def flush(self) -> bytes:
        if self._obj is None:
            if not self._head:
                return b""
            return self.feed(b"") if len(self._head) >= 2 else b""
        return self._obj.flush()


def decode_all(data: bytes, content_encoding: str | None) -> bytes:
    d = BodyDecoder(content_encoding)
    return d.feed(data) + d.flush()
