"""Streaming through nginx with gzip (proxy_buffering off, as teams run it in front of a model
server) against streaming directly from the embedded engine, alternating in the same run.

Both sides use ParamLab's ChatClient and are timed the same way, from just before the request
to each content delta as the caller receives it. Targets: tokens/s ratio >= 0.97 and TTFT
overhead <= 5 ms (median of pairs), i.e. decoding gzip delays no token.
"""
from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from pathlib import Path

from paramlab.backends.engine import get_engine
from paramlab.client.chat import ChatClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.nginx_peer import NginxPeer  # noqa: E402 - the tests' own nginx launcher

REPS = 10
BODY = {"model": "smollm2-135m-instruct", "temperature": 0, "seed": 42, "max_tokens": 64, "stream": True,
        "messages": [{"role": "user", "content": "Tell me a long story about a lighthouse keeper."}]}


def timed(client: ChatClient) -> tuple[float, float, int, str]:
    stamps: list[float] = []
    parts: list[str] = []

    def on_delta(d):
        if d.text:
            stamps.append(time.perf_counter())
            parts.append(d.text)

    t0 = time.perf_counter()
    res = client.run(BODY, on_delta=on_delta)
    assert res.status == "ok", res.error
    return stamps[0] - t0, stamps[-1] - stamps[0], len(stamps), "".join(parts)


def main() -> None:
    endpoint = get_engine().endpoint()
    direct = ChatClient(endpoint)
    with NginxPeer(endpoint.base_url.removesuffix("/v1"), buffering=False) as url:
        proxied = ChatClient(dataclasses.replace(endpoint, name="nginx", base_url=url + "/v1", embedded=False))
        timed(direct), timed(proxied)  # warm up: model cache, connections
        gz, plain = [], []
        for i in range(REPS):
            if i % 2 == 0:
                gz.append(timed(proxied)), plain.append(timed(direct))
            else:
                plain.append(timed(direct)), gz.append(timed(proxied))
    assert gz[0][3] == plain[0][3], "both sides must stream the same text"

    def tps(r):
        return (r[2] - 1) / r[1]

    ratio = statistics.median(tps(a) / tps(b) for a, b in zip(gz, plain))
    ttft = statistics.median(a[0] - b[0] for a, b in zip(gz, plain))
    print(f"   {REPS} runs each, {gz[0][2]} deltas per run, alternating")
    print(f"   via nginx+gzip : {statistics.median(map(tps, gz)):7.1f} tokens/s  "
          f"TTFT {statistics.median(r[0] for r in gz) * 1000:6.1f} ms")
    print(f"   direct         : {statistics.median(map(tps, plain)):7.1f} tokens/s  "
          f"TTFT {statistics.median(r[0] for r in plain) * 1000:6.1f} ms")
    print(f"   tokens/s ratio {ratio:.3f} (median of pairs; target >= 0.97) -> {ratio / 0.97:.2f}x target")
    print(f"   TTFT overhead {ttft * 1000:+.1f} ms (median of pairs; target <= 5 ms)")


if __name__ == "__main__":
    main()
