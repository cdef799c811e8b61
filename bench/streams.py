"""Timing one streamed chat completion the same way on both sides of a comparison: from just
before the request to each content delta as the caller receives it. A Timed run gives TTFT (first
delta) and tokens/s ((deltas - 1) / (last delta - first delta)); pairs run alternately so the two
runs of a pair share the machine's load, and the figures are medians of pairs."""
from __future__ import annotations

import json
import statistics
import time
from typing import Callable, NamedTuple

import requests

from paramlab.client.chat import ChatClient

LIGHTHOUSE = [{"role": "user", "content": "Tell me a long story about a lighthouse keeper."}]


def greedy_body(max_tokens: int, model: str = "smollm2-135m-instruct") -> dict:
    """The same greedy, seeded request for both sides (they must stream the same text)."""
    return {"model": model, "temperature": 0, "seed": 42, "max_tokens": max_tokens, "stream": True,
            "messages": LIGHTHOUSE}


class Timed(NamedTuple):
    ttft: float      # seconds to the first content delta
    span: float      # seconds from the first delta to the last
    deltas: int
    text: str

    @property
    def tokens_per_s(self) -> float:
        return (self.deltas - 1) / self.span


def _timed(t0: float, stamps: list[float], parts: list[str]) -> Timed:
    return Timed(stamps[0] - t0, stamps[-1] - stamps[0], len(stamps), "".join(parts))


def bare(session: requests.Session, url: str, body: dict) -> Timed:
    """The plainest client: requests.post(stream=True) + iter_lines + json.loads."""
    stamps: list[float] = []
    parts: list[str] = []
    t0 = time.perf_counter()
    with session.post(url, json=body, stream=True, timeout=(10, 120)) as r:
        r.raise_for_status()
        # chunk_size=None: hand over each chunk as it arrives (the default 512 would wait for more bytes)
        for line in r.iter_lines(chunk_size=None):
            if not line.startswith(b"data: "):
                continue
            data = line[6:]
            if data == b"[DONE]":
                break
            for c in json.loads(data).get("choices") or ():
                text = (c.get("delta") or {}).get("content")
                if text:
                    stamps.append(time.perf_counter())
                    parts.append(text)
    return _timed(t0, stamps, parts)


def via_client(client: ChatClient, body: dict) -> Timed:
    """ParamLab's own client, deltas as its on_delta hears them."""
    stamps: list[float] = []
    parts: list[str] = []

    def on_delta(d):
        if d.text:
            stamps.append(time.perf_counter())
            parts.append(d.text)

    t0 = time.perf_counter()
    res = client.run(body, on_delta=on_delta)
    assert res.status == "ok", res.error
    return _timed(t0, stamps, parts)


def alternate(ours: Callable[[], Timed], theirs: Callable[[], Timed], reps: int,
              warmup: int = 1) -> tuple[list[Timed], list[Timed]]:
    """`reps` pairs, which side goes first alternating; `warmup` pairs first are not kept (model
    cache, connections). Both sides must stream the same text."""
    for _ in range(warmup):
        ours(), theirs()
    a, b = [], []
    for i in range(reps):
        if i % 2 == 0:
            a.append(ours()), b.append(theirs())
        else:
            b.append(theirs()), a.append(ours())
    assert a[0].text == b[0].text, "both sides must stream the same text"
    return a, b


def paired(a: list[Timed], b: list[Timed]) -> tuple[float, float]:
    """(median tokens/s ratio a/b, median TTFT difference a-b in seconds), both of pairs."""
    return (statistics.median(x.tokens_per_s / y.tokens_per_s for x, y in zip(a, b)),
            statistics.median(x.ttft - y.ttft for x, y in zip(a, b)))


def report(labels: tuple[str, str], a: list[Timed], b: list[Timed], tps_target: float, ttft_target_ms: float) -> None:
    """Print both sides' medians and a against b as ratios to the targets."""
    ratio, ttft = paired(a, b)
    width = max(map(len, labels))
    print(f"   {len(a)} pairs, {a[0].deltas} deltas per run, alternating")
    for label, runs in zip(labels, (a, b)):
        print(f"   {label:<{width}} : {statistics.median(r.tokens_per_s for r in runs):7.1f} tokens/s  "
              f"TTFT {statistics.median(r.ttft for r in runs) * 1000:6.1f} ms")
    print(f"   tokens/s ratio {ratio:.3f} (median of pairs; target >= {tps_target}) -> {ratio / tps_target:.2f}x target")
    print(f"   TTFT overhead {ttft * 1000:+.1f} ms (median of pairs; target <= {ttft_target_ms:g} ms)", flush=True)
