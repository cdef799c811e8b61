"""Compare: four panes streaming at once against the slowest of them run alone, in one run.

Target: wall-time ratio ≤ 1.3 (one after another would be ≈ 4). Measured twice, on the same
code path the page uses (LiveRun → ChatClient.run in worker threads):

1. a paced SSE server on 127.0.0.1 that streams like a remote API (the server is never the
   bottleneck, so the ratio shows ParamLab's own concurrency);
2. the embedded llama.cpp engine (n_parallel = 4). On a small CPU its batched decoding is
   compute-bound, so four sequences cost the engine itself more than one; the same four
   requests sent with bare `requests` threads give the engine's own ratio for reference.
"""
from __future__ import annotations

import threading
import time

import requests

from bench.paced import Paced
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint
from paramlab.runs.live import LiveRun
from paramlab.runs.parallel import Job

PANES = 4
PACED_CHUNKS = 60
PACED_INTERVAL_S = 0.02   # 50 chunks/s, like a fast hosted model
ENGINE_MAX_TOKENS = 128
TEMPERATURES = (0.0, 0.5, 1.0, 1.5)


def _together_vs_alone(client: ChatClient, bodies: list[dict]) -> tuple[float, float, list]:
    """(wall time of all at once, slowest alone, results of the joint run)."""
    run = LiveRun([Job(client, b, {"page": "bench"}) for b in bodies], max_workers=len(bodies))
    results = run.wait()
    together = run.wall_s or 0.0
    alone = []
    for b in bodies:
        t0 = time.perf_counter()
        client.run(b)
        alone.append(time.perf_counter() - t0)
    return together, max(alone), results


def _raw_threads(url: str, bodies: list[dict]) -> tuple[float, float]:
    def post(b):
        requests.post(url, json={**b, "stream": False}, timeout=300).json()
    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = time.perf_counter() - t0
    alone = []
    for b in bodies:
        t0 = time.perf_counter()
        post(b)
        alone.append(time.perf_counter() - t0)
    return together, max(alone)


def paced() -> float:
    srv = Paced(n=1, rate=1 / PACED_INTERVAL_S, tokens=PACED_CHUNKS)
    try:
        client = ChatClient(Endpoint("paced", srv.base_url))
        bodies = [{"model": "paced", "messages": [{"role": "user", "content": "hi"}], "stream": True,
                   "temperature": t} for t in TEMPERATURES[:PANES]]
        client.run(bodies[0])  # warm the connection pool
        together, alone, results = _together_vs_alone(client, bodies)
        assert all(r.status == "ok" for r in results), [r.error for r in results]
    finally:
        srv.close()
    ratio = together / alone
    print(f"   paced SSE server ({PACED_CHUNKS} chunks × {PACED_INTERVAL_S * 1000:.0f} ms): "
          f"{PANES} panes at once {together:.2f} s, slowest alone {alone:.2f} s → ratio {ratio:.2f} "
          f"(target ≤ 1.3; sequential ≈ {PANES})", flush=True)
    return ratio


def engine() -> float:
    from paramlab.backends.engine import get_engine
    ep = get_engine().endpoint()
    client = ChatClient(ep)
    msgs = [{"role": "user", "content": "Write a long story about a dragon who learns to bake bread."}]
    bodies = [{"model": ep.models[0], "messages": msgs, "max_tokens": ENGINE_MAX_TOKENS, "temperature": t,
               "seed": 1, "stream": True, "stream_options": {"include_usage": True}} for t in TEMPERATURES[:PANES]]
    client.run({**bodies[0], "max_tokens": 8})  # warm up
    together, alone, results = _together_vs_alone(client, bodies)
    tokens = [r.usage.completion_tokens if r.usage else None for r in results]
    ratio = together / alone
    raw_together, raw_alone = _raw_threads(ep.base_url + "/chat/completions", bodies)
    raw_ratio = raw_together / raw_alone
    print(f"   embedded engine ({tokens} tokens): {PANES} panes at once {together:.2f} s, slowest alone "
          f"{alone:.2f} s → ratio {ratio:.2f} (target ≤ 1.3)", flush=True)
    print(f"   same requests with bare HTTP threads: ratio {raw_ratio:.2f} → the engine's own limit on this CPU; "
          f"ParamLab overhead on top of it {ratio / raw_ratio:.2f}×", flush=True)
    return ratio


def main() -> None:
    paced()
    engine()


if __name__ == "__main__":
    main()
