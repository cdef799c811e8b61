"""One ledger row from a finished request: what is recorded, and what never is (the key)."""
from __future__ import annotations

import json
import time
from typing import Any, Mapping
from urllib.parse import urlsplit

from paramlab.backends import registry
from paramlab.usage.ledger.schema import COST_COLUMNS, V4_TOKENS


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else int(round(seconds * 1000))


def _json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str, separators=(",", ":"))


def _cut(s: Any, n: int) -> str:
    return str(s or "")[:n]


def _cost_columns(parts: Mapping[str, Any]) -> dict[str, Any]:
    """The pricing observer's breakdown (Metrics.cost_parts) as the ledger's cost columns."""
    dollars = parts.get("dollars") or {}
    row: dict[str, Any] = {c: dollars.get(c.removeprefix("cost_")) for c in COST_COLUMNS}
    row["price_model"] = _cut(parts.get("model"), 200) or None
    row["price_from"] = _cut(parts.get("effective"), 10) or None
    row["price_tier"] = (_cut(parts.get("tier"), 16) or None) if dollars else None
    return row


def from_result(endpoint: Any, result: Any, context: Mapping[str, Any] | None,
                store_text: bool = True) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(request row, text row or None). The body never holds the key; only the URL's host is kept.
    The text row holds the messages, the replies and each reply's thinking, when text is recorded."""
    ctx = dict(context or {})
    body = dict(getattr(result, "request", None) or {})
    messages = body.pop("messages", None)
    u, m = result.usage, result.metrics
    base_url = str(getattr(endpoint, "base_url", "") or "")
    row = {
        "ts_ms": int(round((m.started_at or time.time()) * 1000)),
        "session_id": _cut(ctx.get("session_id"), 64),
        "label": _cut(ctx.get("label"), 200),
        "page": _cut(ctx.get("page"), 64),
        "endpoint": _cut(getattr(endpoint, "name", ""), 200),
        "host": _cut(urlsplit(base_url).hostname, 255),
        "backend": _cut(registry.kind_of(endpoint) if endpoint is not None else "", 32),
        "model": _cut(body.get("model") or result.model, 200),
        "response_model": result.model[:200] if result.model else None,
        "params": _json(body),
        "n": int(body.get("n") or 1),
        "stream": bool(result.stream),
        "prompt_tokens": u.prompt_tokens if u else None,
        "completion_tokens": u.completion_tokens if u else None,
        "total_tokens": u.total_tokens if u else None,
        "cached_tokens": u.cached_tokens if u else None,
        "reasoning_tokens": u.reasoning_tokens if u else None,
        "estimated": bool(u.estimated) if u else False,
        "cost": m.cost,
        "ttft_ms": _ms(m.ttft_s),
        "latency_ms": _ms(m.latency_s),
        "status": _cut(result.status, 16) or "ok",
        "error_class": result.error_class[:64] if result.error_class else None,
        "error": result.error,
        "finish_reasons": _json(result.finish_reasons),
        "request_id": m.request_id[:200] if m.request_id else None,
        "response_id": result.id[:200] if result.id else None,
        "service_tier": _cut(getattr(result, "service_tier", None), 32) or None,
        **{k: getattr(u, k, None) if u else None for k in V4_TOKENS},
        **_cost_columns(getattr(m, "cost_parts", None) or {}),
    }
    texts = None
    if store_text:
        thinking = [c.reasoning or "" for c in result.choices]
        texts = {"messages": _json(messages or []), "replies": _json(result.texts()),
                 "reasoning": _json(thinking) if any(thinking) else None}
    return row, texts
