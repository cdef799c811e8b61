"""Streaming from the embedded engine: ParamLab's ChatClient against a bare requests loop
(requests.post(stream=True) + iter_lines + json.loads), alternating, same prompt/seed/max_tokens.

Both sides are timed the same way, from just before the request to each content delta as the
caller receives it: TTFT = first delta, tokens/s = (deltas - 1) / (last delta - first delta).
"""
from __future__ import annotations

import json
import statistics
import time

import requests

from paramlab.client.chat import ChatClient
from paramlab.backends.engine import get_engine

REPS = 10  # alternating pairs; medians are reported
BODY = {"model": "smollm2-135m-instruct", "temperature": 0, "seed": 42, "max_tokens": 64, "stream": True,
        "messages": [{"role": "user", "content": "Tell me a long story about a lighthouse keeper."}]}


def via_client(client: ChatClient) -> tuple[float, float, int, str]:
    stamps: list[float] = []
    parts: list[str] = []

    def on_delta(d):
        stamps.append(time.perf_counter())
        parts.append(d.text)

    t0 = time.perf_counter()
    res = client.run(BODY, on_delta=on_delta)
    assert res.status == "ok", res.error
    return stamps[0] - t0, stamps[-1] - stamps[0], len(stamps), "".join(parts)


def via_requests(session: requests.Session, url: str) -> tuple[float, float, int, str]:
    stamps: list[float] = []
    parts: list[str] = []
    t0 = time.perf_counter()
    with session.post(url, json=BODY, stream=True, timeout=(10, 60)) as r:
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
    return stamps[0] - t0, stamps[-1] - stamps[0], len(stamps), "".join(parts)


def main() -> None:
    endpoint = get_engine().endpoint()
    client = ChatClient(endpoint)
    session = requests.Session()
    url = endpoint.base_url + "/chat/completions"
    via_client(client), via_requests(session, url)  # warm up: model cache, connections
    ours, bare = [], []
    for i in range(REPS):
        pair = (via_client(client), via_requests(session, url)) if i % 2 == 0 else \
            tuple(reversed((via_requests(session, url), via_client(client))))
        ours.append(pair[0])
        bare.append(pair[1])
    assert ours[0][3] == bare[0][3], "both sides must stream the same text"

    def tps(runs):
        return statistics.median((n - 1) / gen for _, gen, n, _ in runs)

    def ttft(runs):
        return statistics.median(t for t, _, _, _ in runs)

    # paired figures: the two runs of a pair share the machine's load (other processes vary it)
    paired_tps = statistics.median(((a[2] - 1) / a[1]) / ((b[2] - 1) / b[1]) for a, b in zip(ours, bare))
    paired_ttft = statistics.median(a[0] - b[0] for a, b in zip(ours, bare))
    print(f"   {REPS} runs each, {ours[0][2]} deltas per run, alternating")
    print(f"   ChatClient : {tps(ours):7.1f} tokens/s  TTFT {ttft(ours) * 1000:6.1f} ms")
    print(f"   requests   : {tps(bare):7.1f} tokens/s  TTFT {ttft(bare) * 1000:6.1f} ms")
    print(f"   tokens/s ratio {tps(ours) / tps(bare):.3f} (median of pairs {paired_tps:.3f}; target >= 0.98)")
    print(f"   TTFT overhead {(ttft(ours) - ttft(bare)) * 1000:+.1f} ms "
          f"(median of pairs {paired_ttft * 1000:+.1f} ms; target <= 10 ms)")


if __name__ == "__main__":
    main()
