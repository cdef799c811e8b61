"""Inspector: the exact request sent (JSON and headers, key masked), the raw response (JSON or the
SSE lines, capped) and the response's id, created, model and system_fingerprint."""
from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from components.common import content_parts, cost_breakdown, section

from paramlab.client.result import ChatResult

MAX_RAW_CHARS = 200_000  # what the browser is given; the client already caps SSE lines


def _created(ts: int | None) -> str:
    if not ts:
        return "—"
    return f"{ts} ({dt.datetime.fromtimestamp(ts, dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC)"


def _raw_text(r: ChatResult) -> tuple[str, str]:
    if isinstance(r.raw, list):
        text = "\n".join(f"data: {line}" for line in r.raw)
        return text[:MAX_RAW_CHARS] + ("\n… (capped)" if len(text) > MAX_RAW_CHARS else ""), "text"
    if r.raw is None:
        return "(no response body: " + (r.error or "nothing received") + ")", "text"
    text = json.dumps(r.raw, indent=2, ensure_ascii=False)
    return text[:MAX_RAW_CHARS] + ("\n… (capped)" if len(text) > MAX_RAW_CHARS else ""), "json"


def render(results: list[ChatResult], key: str = "insp") -> None:
    with section.lazy("🔎 Inspector: the exact request and the raw response", f"{key}-box") as shown:
        if not shown:
            return
        if not results:
            st.caption("Send a message to see the request and response here.")
            return
        idx = 0
        if len(results) > 1:
            idx = st.radio("Request", range(len(results)), horizontal=True, key=f"{key}.pick",
                           format_func=lambda i: f"#{i + 1} (n={results[i].request.get('n', 1)})")
        r = results[idx]
        st.markdown(f"**Response** · id `{r.id or '—'}` · created {_created(r.created)} · model `{r.model or '—'}` · "
                    f"system_fingerprint `{r.system_fingerprint or '—'}` · status **{r.status}** · "
                    f"request id `{r.metrics.request_id or '—'}` · attempts {r.metrics.attempts}")
        cost_breakdown.render(r.metrics.cost_parts, r.metrics.cost)
        content_parts.note(r)
        t1, t2, t3 = st.tabs(["Request JSON", "Request headers", "Raw response" + (" (SSE)" if r.stream else "")])
        with t1:
            st.code(json.dumps(r.request, indent=2, ensure_ascii=False), language="json")
        with t2:
            st.code(json.dumps(r.request_headers, indent=2), language="json")
            st.caption("The Authorization header is masked: the key itself is never shown or stored.")
        with t3:
            text, lang = _raw_text(r)
            st.code(text, language=lang)
