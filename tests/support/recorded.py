"""Replaying recorded replies of real servers (tests/support/corpus/*.json, format in its README)
over real HTTP, through the fault server.

`Encoded` answers the way the recorded server did: its status and headers, the body compressed
with the recorded Content-Encoding when the request's Accept-Encoding allows it (sent plain
otherwise, as a server would), cut into parts at random points (or every `split` bytes), each
part a flushed HTTP chunk so the client really reads it piece by piece.
"""
from __future__ import annotations

import gzip
import json
import random
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).with_name("corpus")
# Hop-by-hop and length headers are the replay's own business: recomputed, never copied.
_DROP = {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}


def recordings() -> list[Path]:
    return sorted(CORPUS.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def accepted(accept_encoding: str | None) -> set[str]:
    out = set()
    for item in (accept_encoding or "").split(","):
        name, _, q = item.strip().partition(";")
        if name and not q.strip().replace(" ", "").startswith("q=0"):
            out.add(name.strip().lower())
    return out


def compress(body: bytes, encoding: str) -> bytes:
    if encoding in ("gzip", "x-gzip"):
        return gzip.compress(body)
    if encoding == "deflate":
        return zlib.compress(body)
    raise ValueError(f"cannot replay content-encoding {encoding!r}")


def cut(data: bytes, rng: random.Random, split: int | None = None) -> list[bytes]:
    """Parts of `data`: every `split` bytes, or at random points (1 to 64 bytes apart)."""
    if split:
        return [data[i:i + split] for i in range(0, len(data), split)] or [b""]
    parts, i = [], 0
    while i < len(data):
        n = rng.choice((1, 2, 3, 7, 16, 64, rng.randint(1, 64)))
        parts.append(data[i:i + n])
        i += n
    return parts or [b""]


@dataclass
class Encoded:
    status: int
    body: bytes
    headers: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    split: int | None = None
    pause: float = 0.0005   # between parts now and then, so reads really end mid-event
    sent_encoding: list[str | None] = field(default_factory=list)  # what each replay used

    @classmethod
    def of(cls, rec: dict[str, Any], seed: int = 0, split: int | None = None) -> "Encoded":
        return cls(rec["status"], rec["body"].encode("utf-8"), dict(rec["headers"]), seed, split)

    def __call__(self, h) -> None:
        rng = random.Random(self.seed)
        recorded = str(self.headers.get("content-encoding") or "").strip().lower() or None
        encoding = recorded if recorded and recorded in accepted(h.headers.get("Accept-Encoding")) else None
        self.sent_encoding.append(encoding)
        body = compress(self.body, encoding) if encoding else self.body
        h.send_response(self.status)
        for name, value in self.headers.items():
            if name.lower() in _DROP:
                continue
            for v in value if isinstance(value, list) else [value]:
                h.send_header(name, str(v))
        if encoding:
            h.send_header("Content-Encoding", encoding)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.flush()
        for k, part in enumerate(cut(body, rng, self.split)):
            if part:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                h.wfile.flush()
            if self.pause and k % 5 == 4:
                time.sleep(self.pause)
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()
