"""The LiteLLM proxy (pinned in `make litellm`, in its own virtualenv .litellm-venv) on
127.0.0.1 in front of another OpenAI-compatible server, with a master key and a
rate-limited model, the way teams run it.

    with LiteLLMPeer("http://127.0.0.1:8080/v1", "smollm2-135m-instruct") as peer:
        peer.base_url, peer.key, peer.model, peer.limited_model
"""
from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".litellm-venv"
MASTER_KEY = "sk-litellm-master-0123456789"

CONFIG = """\
model_list:
  - model_name: smollm2
    litellm_params:
      model: openai/{upstream_model}
      api_base: {upstream}
      api_key: not-needed
  - model_name: smollm2-limited
    litellm_params:
      model: openai/{upstream_model}
      api_base: {upstream}
      api_key: not-needed
      rpm: 1
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 0
litellm_settings:
  num_retries: 0
  request_timeout: 120
general_settings:
  master_key: {key}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiteLLMPeer:
    model = "smollm2"
    limited_model = "smollm2-limited"  # one request per minute: the second gets LiteLLM's 429
    key = MASTER_KEY

    def __init__(self, upstream_base_url: str, upstream_model: str):
        self.upstream, self.upstream_model = upstream_base_url, upstream_model
        self.port = _free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="paramlab-litellm-")
        self._proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> "LiteLLMPeer":
        exe = VENV / "bin" / "litellm"
        if not exe.exists():
            raise RuntimeError("the LiteLLM proxy is not installed: run `make litellm`")
        d = Path(self._dir.name)
        cfg = d / "config.yaml"
        cfg.write_text(CONFIG.format(upstream=self.upstream, upstream_model=self.upstream_model, key=MASTER_KEY))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LITELLM_", "DATABASE_URL"))}
        # no network at start-up: the bundled model price map, no telemetry
        env.update(LITELLM_LOG="ERROR", LITELLM_TELEMETRY="False", LITELLM_LOCAL_MODEL_COST_MAP="True",
                   NO_PROXY="127.0.0.1,localhost",
                   DISABLE_SCHEMA_UPDATE="true", HOME=str(d))
        self._log = open(d / "litellm.log", "wb")
        self._proc = subprocess.Popen([str(exe), "--config", str(cfg), "--host", "127.0.0.1", "--port",
                                       str(self.port), "--num_workers", "1"], stdout=self._log,
                                      stderr=subprocess.STDOUT, env=env, cwd=d)
        end = time.monotonic() + 180
        while time.monotonic() < end:
            if self._proc.poll() is not None:
                raise RuntimeError("LiteLLM exited:\n" + (d / "litellm.log").read_text(errors="replace")[-3000:])
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/health/liveliness", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.25)
        self.__exit__()
        raise RuntimeError("LiteLLM did not answer /health/liveliness within 180 s")

    def log(self) -> str:
        return (Path(self._dir.name) / "litellm.log").read_text(errors="replace")

    def __exit__(self, *exc) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._log.close()
        self._dir.cleanup()
