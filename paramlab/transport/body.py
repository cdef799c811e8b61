"""Reading a response body: raw socket bytes as they arrive, decoded per Content-Encoding.

Reading resp.raw directly (read1: whatever arrived, no waiting for a full buffer) bypasses
requests' exception wrapping, so it is redone here: callers only ever see requests
exceptions, or UnsupportedEncoding for a body that cannot be decoded.
"""
from __future__ import annotations

from typing import Iterator

import requests
import urllib3

from paramlab.transport.decoding import BodyDecoder

CHUNK_SIZE = 8192


def iter_raw(resp: requests.Response) -> Iterator[bytes]:
    raw = resp.raw
    read = raw.read1 if hasattr(raw, "read1") else raw.read
    while True:
        try:
            chunk = read(CHUNK_SIZE)
        except urllib3.exceptions.ReadTimeoutError as e:
            raise requests.exceptions.ReadTimeout(e) from None
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as e:
            # ProtocolError (reset, incomplete chunked body), SSL errors, a socket shut down by
            # the watchdog (OSError / ValueError on a closed file)
            raise requests.exceptions.ChunkedEncodingError(e) from None
        if not chunk:
            return
        yield chunk


def iter_body(resp: requests.Response) -> Iterator[bytes]:
    """Decoded body bytes, each as soon as its raw bytes arrived."""
    decoder = BodyDecoder(resp.headers.get("content-encoding"))
    if decoder.identity:
        yield from iter_raw(resp)
        return
    for chunk in iter_raw(resp):
        out = decoder.feed(chunk)
        if out:
            yield out
    tail = decoder.flush()
    if tail:
        yield tail


def read_body(resp: requests.Response, limit: int | None = None) -> bytes:
    """The whole decoded body, or its first `limit` bytes (error bodies are capped)."""
    out = bytearray()
    for chunk in iter_body(resp):
        out += chunk
        if limit is not None and len(out) >= limit:
            return bytes(out[:limit])
    return bytes(out)
