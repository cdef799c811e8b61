"""Streaming through ParamLab's relay vs directly to the embedded engine, in the same run.

A ParamLab app (serve.py, as `make run` starts it, with its usage ledger recording) relays to an
engine this benchmark starts; the same bare client loop streams the same greedy request either
through the relay or straight to that engine, alternating. TTFT = first content delta as the caller
receives it; tokens/s = (deltas - 1) / (last delta - first delta).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import yaml

from bench import streams
from paramlab.backends.engine import get_engine

ROOT = Path(__file__).resolve().parents[1]
REPS = 12  # alternating pairs; medians are reported
MODEL = "smollm2-135m-instruct"
BODY = streams.greedy_body(96, MODEL)


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
    relayed, direct = streams.alternate(lambda: streams.bare(relay_s, relay_url, BODY),
                                        lambda: streams.bare(direct_s, direct_url, BODY),
                                        REPS, warmup=2)  # the relay's first request warms up too
    streams.report(("relay", "direct"), relayed, direct, 0.97, 5)


if __name__ == "__main__":
    main()
