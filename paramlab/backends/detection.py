"""Fetching what a server says about itself (/v1/models with its headers, llama.cpp's /props) and
resolving an endpoint's backend kind with the registry's pure detection functions.

Nothing here runs unless asked: an endpoint set to "auto" is resolved from its URL (or from an
earlier probe) without a request; `probe()` is started by the user.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from paramlab.backends import llamacpp, registry
from paramlab.backends.registry import Detection
from paramlab.errors import ChatError
from paramlab.transport import Transport

TIMEOUT_S = 4.0


@dataclass
class Probe:
    detection: Detection
    models: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    props: dict | None = None
    errors: list[str] = field(default_factory=list)


def resolved(endpoint: Any) -> Any:
    """The endpoint with `backend` set to its registry kind (declared, probed, or from the URL)."""
    kind = registry.kind_of(endpoint)
    return endpoint if endpoint.backend == kind else replace(endpoint, backend=kind)


def fetch_models(endpoint: Any, timeout: float = TIMEOUT_S) -> tuple[Any, dict[str, str]]:
    """GET {base_url}/models through the transport: the JSON answer and the response headers."""
    reply = Transport(endpoint).fetch("GET", "/models", timeout=timeout)
    return reply.data, reply.headers


def probe(endpoint: Any, timeout: float = TIMEOUT_S) -> Probe:
    """Ask the server what it is; remember the answer for its base URL. Never raises for the
    server's trouble: what failed is listed in .errors and the URL guess stands."""
    out = Probe(registry.from_url(endpoint.base_url))
    try:
        out.models, out.headers = fetch_models(endpoint, timeout)
    except ChatError as e:  # refused URL, timeout, status, not JSON: each says so in words
        out.errors.append(f"/v1/models: {e}")
    found = registry.detect(endpoint.base_url, out.models, out.headers)
    if found.kind in ("llamacpp", "other", "lmstudio"):  # llama.cpp underneath answers /props
        try:
            out.props = llamacpp.props(endpoint, timeout)
        except ChatError as e:
            out.errors.append(f"/props: {e}")
    out.detection = registry.detect(endpoint.base_url, out.models, out.headers, out.props)
    registry.remember(endpoint.base_url, out.detection)
    return out
