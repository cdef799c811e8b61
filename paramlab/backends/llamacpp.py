"""llama.cpp's own HTTP API beside /v1: /tokenize and /apply-template (the embedded engine and
any llama-server)."""
from __future__ import annotations

import requests

from paramlab.safety import urls as urlsafety


def server_post(base_url: str, path: str, payload: dict, timeout: float,
                headers: dict[str, str] | None = None) -> requests.Response:
    """POST to a llama.cpp server's own endpoints (/tokenize, /apply-template), outside /v1, after
    the same base URL safety check the chat client makes. Raises UnsafeURLError or requests errors."""
    urlsafety.check_url(base_url, exempt=urlsafety.is_embedded_url(base_url))
    root = base_url.rstrip("/")
    root = root[:-3] if root.endswith("/v1") else root
    r = requests.post(root + path, json=payload, timeout=timeout, headers=headers, allow_redirects=False)
    r.raise_for_status()
    return r


def tokenize(base_url: str, text: str, timeout: float = 10.0,
             headers: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """Token ids and pieces from a llama.cpp server's /tokenize (base_url may end in /v1)."""
    r = server_post(base_url, "/tokenize", {"content": text, "with_pieces": True}, timeout, headers)
    out = []
    for t in r.json().get("tokens", []):
        if isinstance(t, dict):
            piece = t.get("piece")
            out.append((int(t["id"]), piece if isinstance(piece, str) else bytes(piece or []).decode("utf-8", "replace")))
        else:
            out.append((int(t), ""))
    return out
