"""Fetching what a server says about itself (/v1/models with its headers, llama.cpp's /props) and
resolving an endpoint's backend kind with the registry's pure detection functions.

Nothing here runs unless asked: an endpoint set to "auto" is resolved from its URL (or from an
earlier probe) without a request; `probe()` is started by the user.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import requests

from paramlab.backends import llamacpp, registry
from paramlab.backends.registry import Detection
from paramlab.safety import urls as urlsafety

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


def auth_headers(endpoint: Any) -> dict[str, str] | None:
    """The key goes only to the host it was entered for, as with chat requests."""
    if endpoint.api_key and urlsafety.same_host(endpoint.base_url, endpoint.key_host):
        return {"Authorization": f"Bearer {endpoint.api_key.reveal()}"}
    return None


def fetch_models(endpoint: Any, timeout: float = TIMEOUT_S) -> tuple[Any, dict[str, str]]:
    """GET {base_url}/models: the JSON answer and the response headers."""
    urlsafety.check_url(endpoint.base_url, exempt=urlsafety.is_embedded(endpoint))
    r = requests.get(endpoint.base_url.rstrip("/") + "/models", headers=auth_headers(endpoint),
                     timeout=timeout, allow_redirects=False)
    headers = {k.lower(): v for k, v in r.headers.items()}
    r.raise_for_status()
    return r.json(), headers


def probe(endpoint: Any, timeout: float = TIMEOUT_S) -> Probe:
    """Ask the server what it is; remember the answer for its base URL. Never raises for the
    server's trouble: what failed is listed in .errors and the URL guess stands."""
    out = Probe(registry.from_url(endpoint.base_url))
    try:
        out.models, out.headers = fetch_models(endpoint, timeout)
    except (requests.RequestException, ValueError) as e:
        out.errors.append(f"/v1/models: {type(e).__name__}")
    except Exception as e:  # noqa: BLE001 - an unsafe URL is refused by urlsafety with its own error
        out.errors.append(f"/v1/models: {e}")
    found = registry.detect(endpoint.base_url, out.models, out.headers)
    if found.kind in ("llamacpp", "other", "lmstudio"):  # llama.cpp underneath answers /props
        try:
            out.props = llamacpp.props(endpoint.base_url, timeout, auth_headers(endpoint))
        except (requests.RequestException, ValueError) as e:
            out.errors.append(f"/props: {type(e).__name__}")
        except Exception as e:  # noqa: BLE001
            out.errors.append(f"/props: {e}")
    out.detection = registry.detect(endpoint.base_url, out.models, out.headers, out.props)
    registry.remember(endpoint.base_url, out.detection)
    return out
