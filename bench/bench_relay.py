"""Streaming through ParamLab's relay vs directly to the embedded engine, in the same run.

A ParamLab app (serve.py, as `make run` starts it, with its usage ledger recording) relays to an
engine this benchmark starts; the same bare client loop streams the same greedy request either
through the relay or straight to that engine, alternating. TTFT = first content delta as the caller
receives it; tokens/s = (deltas - 1) / (last delta - first delta).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

from paramlab.backends.engine import get_engine

ROOT = Path(__file__).resolve().parents[1]
REPS = 12  # alternating pairs; medians are reported
MODEL = "smollm2-135m-instruct"
BODY = {"model": MODEL, "temperature": 0, "seed": 42, "max_tokens": 96, "stream": True,
        "messages": [{"role": "user", "content": "Tell me a long story about a lighthouse keeper."}]}


def stream(session: requests.Session, url: str) -> tuple[float, float, int, str]:
    stamps: list[float] = []
    parts: list[str] = []
    t0 = time.perf_counter()
    with session.post(url, json=BODY, stream=True, timeout=(10, 120)) as r:
        r.raise_for_status()
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


def start_app(data: Path, engine_url: str) -> tuple[subprocess.Popen, str]:
    (data / "paramlab.yaml").write_text(yaml.safe_dump({
        "disable_embedded": True,  # the app relays to the benchmark's engine, not a second one
        "endpoints": [{"name": "Engine", "base_url": engine_url, "models": [MODEL], "backend": "llamacpp"}]}))
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CHAT_DATA_DIR": str(data), "CHAT_CONFIG": str(data / "paramlab.yaml"),
           "CHAT_ALLOW_PRIVATE": "1", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "serve.py", "--server.address", "127.0.0.1",
                             "--server.port", str(port), "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                            stdout=(data / "app.log").open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/v1/models", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app did not answer on /v1/models within 60 s")


def main() -> None:
    engine_url = get_engine().endpoint().base_url
    with tempfile.TemporaryDirectory() as tmp:
        proc, app = start_app(Path(tmp), engine_url)
        try:
            run(app + "/v1/chat/completions", engine_url + "/chat/completions")
        finally:
            proc.terminate()
            proc.wait(15)


def run(relay_url: str, direct_url: str) -> None:
    relay_s, direct_s = requests.Session(), requests.Session()
    for _ in range(2):  # warm up: model cache, connections, the relay's first request
        stream(relay_s, relay_url), stream(direct_s, direct_url)
    relayed, direct = [], []
    for i in range(REPS):
        if i % 2 == 0:
            a, b = stream(relay_s, relay_url), stream(direct_s, direct_url)
        else:
            b, a = stream(direct_s, direct_url), stream(relay_s, relay_url)
        relayed.append(a)
        direct.append(b)
    assert relayed[0][3] == direct[0][3], "both sides must stream the same text"

    def tps(r):
        return (r[2] - 1) / r[1]

    ratio = statistics.median(tps(a) / tps(b) for a, b in zip(relayed, direct))  # pairs share the load
    overhead_ms = statistics.median(a[0] - b[0] for a, b in zip(relayed, direct)) * 1000
    print(f"   {REPS} pairs, {relayed[0][2]} deltas per run, alternating; medians of pairs")
    print(f"   relay  : {statistics.median(map(tps, relayed)):7.1f} tokens/s  "
          f"TTFT {statistics.median(r[0] for r in relayed) * 1000:6.1f} ms")
    print(f"   direct : {statistics.median(map(tps, direct)):7.1f} tokens/s  "
          f"TTFT {statistics.median(r[0] for r in direct) * 1000:6.1f} ms")
    print(f"   tokens/s ratio relay/direct {ratio:.3f} (target >= 0.97: {ratio / 0.97:.2f} of target)")
    print(f"   TTFT overhead {overhead_ms:+.1f} ms (target <= 5 ms: {max(overhead_ms, 0) / 5:.2f} of the allowance)")


if __name__ == "__main__":
    main()
