"""The defaults a server really applies to a parameter the request leaves out, and where that
knowledge comes from: reported by the server (llama.cpp's /props), forced by the server
(Ollama's OpenAI endpoint), stated (vLLM's generation_config.json), or the API's documented value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from paramlab.backends import llamacpp
from paramlab.backends.kind import Backend

REPORTED = "reported by the server"
DOCUMENTED = "documented; this server did not answer /props"
# Parameters whose server default vLLM takes from the model's generation_config.json.
VLLM_GENERATION_CONFIG = ("temperature", "top_p", "top_k", "min_p", "repetition_penalty")


@dataclass(frozen=True)
class ServerDefault:
    value: Any        # None when the server decides per model and does not say
    source: str

    def text(self) -> str:
        shown = "per model" if self.value is None else _show(self.value)
        return f"server default: {shown} ({self.source})"


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, list):
        return " → ".join(map(str, v))
    return str(v)


def server_defaults(backend: Backend, props: Mapping[str, Any] | None = None) -> dict[str, ServerDefault]:
    """Parameter name -> what this server applies when it is not sent."""
    out: dict[str, ServerDefault] = {}
    if backend.kind == "vllm":
        for name in VLLM_GENERATION_CONFIG:
            out[name] = ServerDefault(None, "vLLM applies the model's generation_config.json unless started "
                                            "with --generation-config vllm")
    for name, value in backend.static_defaults.items():
        out[name] = ServerDefault(value, f"forced by {backend.label} when omitted")
    if backend.defaults_from_props and not props:
        documented = {**{o.name: o.default for o in backend.extensions if o.default is not None},
                      **backend.documented_defaults}
        for name, value in documented.items():
            out[name] = ServerDefault(value, DOCUMENTED)
    if backend.defaults_from_props and props:
        reported = llamacpp.defaults_from_props(props)
        reported.setdefault("typical_p", reported.get("typ_p"))
        for name, value in reported.items():
            if value is not None and name not in ("max_tokens", "n_predict", "seed", "stream"):
                out[name] = ServerDefault(value, REPORTED)
    return out
