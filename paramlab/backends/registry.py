"""The backend registry: every kind of server ParamLab knows, how to recognise one, and what each
accepts beyond the standard parameters. The one place backend knowledge lives; everything else
asks here (`for_endpoint(ep)`) instead of comparing backend names.

Detection is a set of pure functions over what a server already said (its base URL, its
/v1/models answer, its response headers, llama.cpp's /props), so it is tested on recorded answers;
`paramlab.backends.probe` fetches those answers.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from paramlab.backends import azure, litellm, llamacpp, lmstudio, ollama, openai, other, vllm
from paramlab.backends.kind import Backend
from paramlab.backends.options import Option

BACKENDS: dict[str, Backend] = {b.kind: b for b in (
    openai.BACKEND, azure.BACKEND, vllm.BACKEND, ollama.BACKEND, llamacpp.BACKEND, llamacpp.EMBEDDED,
    lmstudio.BACKEND, litellm.BACKEND, other.BACKEND)}
KINDS = tuple(BACKENDS)
AUTO = "auto"


def get(kind: str | None) -> Backend:
    """The backend of a kind name; an unknown or undetected kind is "other"."""
    return BACKENDS.get(kind or "", BACKENDS["other"])


# ---- detection --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Detection:
    kind: str
    evidence: str  # what gave it away, shown to the user

    @property
    def backend(self) -> Backend:
        return get(self.kind)


_URL_RULES = (  # (kind, ports, host substrings)
    ("azure", (), ("openai.azure.com", "azure-api.net", "cognitiveservices.azure.com")),
    ("openai", (), ("api.openai.com",)),
    ("ollama", (11434,), ("ollama",)),
    ("lmstudio", (1234,), ("lmstudio",)),
    ("litellm", (4000,), ("litellm",)),
    ("llamacpp", (8080,), ("llama",)),
    ("vllm", (8000,), ("vllm",)),
)


def from_url(base_url: str) -> Detection:
    """A guess from the base URL alone (host names and the servers' default ports)."""
    u = urlsplit(base_url or "")
    host = (u.hostname or "").lower()
    try:
        port = u.port
    except ValueError:
        port = None
    for kind, ports, hosts in _URL_RULES:
        if any(h in host for h in hosts):
            return Detection(kind, f"the host name {host}")
        if port in ports:
            return Detection(kind, f"port {port}, {get(kind).label}'s default")
    return Detection("other", "nothing in the URL")


LITELLM_CREATED = 1677610602  # the `created` LiteLLM's proxy gives every model it lists
_OWNED_BY = {"vllm": "vllm", "llamacpp": "llamacpp", "library": "ollama", "organization_owner": "lmstudio",
             "openai": "openai", "system": "openai", "openai-internal": "openai"}


def from_models(models: Any) -> Detection | None:
    """From a /v1/models answer: `owned_by` and the fields only some servers add."""
    if not isinstance(models, Mapping):
        return None
    data = [m for m in models.get("data") or [] if isinstance(m, Mapping)]
    if not data:
        return None
    if any(isinstance(m.get("meta"), Mapping) and "n_vocab" in m["meta"] for m in data):
        return Detection("llamacpp", "/v1/models lists llama.cpp's model meta (n_vocab)")
    if any(m.get("owned_by") == "vllm" for m in data):
        return Detection("vllm", "/v1/models: owned_by 'vllm'")
    if any("max_model_len" in m for m in data):
        return Detection("vllm", "/v1/models: max_model_len")
    # LiteLLM's proxy lists every model group with the same fixed values (and sends no x-litellm-*
    # header on /v1/models, only on chat replies: recorded from 1.108.7); OpenAI's own dates differ.
    if all(m.get("owned_by") == "openai" and m.get("created") == LITELLM_CREATED for m in data):
        return Detection("litellm", f"/v1/models: every model created {LITELLM_CREATED}, owned_by 'openai' "
                                    "(LiteLLM's fixed values)")
    # Any entry, not only the first: Ollama's owned_by is the model's namespace ('library' unless
    # pulled from elsewhere, e.g. hf.co/<user>/… is owned_by <user>).
    for m in data:
        owned = str(m.get("owned_by") or "")
        if owned in _OWNED_BY:
            return Detection(_OWNED_BY[owned], f"/v1/models: owned_by {owned!r}")
    return None


def from_headers(headers: Mapping[str, str] | None) -> Detection | None:
    """From response headers (names case-insensitive)."""
    h = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    if any(k.startswith("x-litellm") for k in h):
        return Detection("litellm", "x-litellm-* response headers")
    if h.get("server", "").lower().startswith("llama.cpp"):
        return Detection("llamacpp", "Server: llama.cpp")
    if "apim-request-id" in h or "x-ms-region" in h or "azureml-model-session" in h:
        return Detection("azure", "Azure's apim-request-id / x-ms-region headers")
    if "openai-organization" in h or "openai-processing-ms" in h or "openai-version" in h:
        return Detection("openai", "openai-* response headers")
    return None


def from_props(props: Any) -> Detection | None:
    """llama.cpp answers /props with its default_generation_settings."""
    if isinstance(props, Mapping) and isinstance(props.get("default_generation_settings"), Mapping):
        return Detection("llamacpp", "/props reports default_generation_settings")
    return None


def detect(base_url: str, models: Any = None, headers: Mapping[str, str] | None = None,
           props: Any = None) -> Detection:
    """The most specific answer wins: /props, then headers (a LiteLLM proxy says owned_by openai),
    then /v1/models, then the URL."""
    for found in (from_props(props), from_headers(headers), from_models(models)):
        if found is not None:
            return found
    return from_url(base_url)


# Detections made by probing a server, per base URL (the user can still override per endpoint).
_detected: dict[str, Detection] = {}
_lock = threading.Lock()


def remember(base_url: str, detection: Detection) -> None:
    with _lock:
        _detected[base_url.rstrip("/")] = detection


def remembered(base_url: str) -> Detection | None:
    with _lock:
        return _detected.get(base_url.rstrip("/"))


def detection_for(endpoint: Any) -> Detection:
    """What an endpoint is: the embedded engine, the user's declared kind, what a probe found, the URL."""
    if getattr(endpoint, "embedded", False):
        return Detection("embedded", "the embedded engine")
    declared = getattr(endpoint, "backend", None)
    if declared in BACKENDS:
        return Detection(declared, "set for this endpoint")
    base_url = str(getattr(endpoint, "base_url", "") or "")
    return remembered(base_url) or from_url(base_url)


def kind_of(endpoint: Any) -> str:
    return detection_for(endpoint).kind


def for_endpoint(endpoint: Any) -> Backend:
    return get(kind_of(endpoint)) if endpoint is not None else BACKENDS["other"]


# ---- extension parameters --------------------------------------------------------------------

def _all_options() -> dict[str, list[Option]]:
    out: dict[str, list[Option]] = {}
    for b in BACKENDS.values():
        for o in b.extensions:
            out.setdefault(o.name, []).append(o)
    return out


OPTIONS = _all_options()
EXTENSION_NAMES = tuple(OPTIONS)


def is_extension(name: str) -> bool:
    return name in OPTIONS


def check_extension(name: str, value: Any, kind: str | None = None) -> str | None:
    """Why `value` is wrong for extension `name` (on `kind` if it accepts it, else on any backend
    that does), or None."""
    opt = get(kind).option(name) if kind else None
    if opt is not None:
        return opt.check(value)
    errors = [o.check(value) for o in OPTIONS.get(name, [])]
    return None if any(e is None for e in errors) else (errors[0] if errors else "is not a known parameter")


def accepted(params: Mapping[str, Any], kind: str | None) -> dict[str, Any]:
    """The set extension parameters this kind accepts (the others are not sent)."""
    b = get(kind)
    return {n: v for n, v in params.items() if v is not None and b.option(n) is not None}


def not_accepted(params: Mapping[str, Any], kind: str | None) -> list[str]:
    b = get(kind)
    return [n for n, v in params.items() if v is not None and is_extension(n) and b.option(n) is None]


def ignored(params: Mapping[str, Any], kind: str | None) -> dict[str, str]:
    """Set standard parameters this kind is known to ignore or reject, with the reason."""
    b = get(kind)
    notes = {**b.ignores, **b.rejects}
    return {n: notes[n] for n, v in params.items() if v is not None and n in notes}


def option_for(name: str, kind: str | None = None) -> Option | None:
    """A kind's declaration of an option, or the first backend's that has it."""
    return (get(kind).option(name) if kind else None) or (OPTIONS.get(name) or [None])[0]


def kinds_accepting(name: str) -> list[str]:
    return [k for k, b in BACKENDS.items() if b.option(name) is not None]


def local_kinds() -> frozenset[str]:
    return frozenset(k for k, b in BACKENDS.items() if b.local)


def describe(kinds: Iterable[str] = KINDS) -> list[dict[str, Any]]:
    """A table of the registry, for the Guide."""
    return [{"backend": get(k).label, "extensions": ", ".join(get(k).extension_names) or "—",
             "ignores": ", ".join(get(k).ignores) or "—", "n": get(k).n_limit,
             "sampler order": " → ".join(get(k).sampler_chain), "defaults": get(k).defaults_note}
            for k in kinds]
