"""“What does this endpoint honour?” in the sidebar: detect the backend, show the worst-case cost of
the canary requests, run them on confirmation, and show the matrix (kept in the data dir)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from paramlab.backends import detection, registry
from paramlab.experiments import honour
from paramlab.settings import Endpoint
from paramlab.usage import budget

CONFIRM = "pl.honour.confirm"


def _worst_case(endpoint: Endpoint, model: str) -> float | None:
    costs = [budget.worst_case_for(endpoint, b) for b in honour.plan(model, endpoint.backend)]
    return None if any(c is None for c in costs) else sum(costs)


def _run(endpoint: Endpoint, model: str) -> None:
    from components.common import state
    client = state.client_for(endpoint)
    ctx = state.request_context("honour")
    report = honour.run(lambda body: client.run(body, context=ctx), model, endpoint.backend)
    honour.save(report, endpoint.base_url)
    st.session_state.pop(CONFIRM, None)


def render(endpoint: Endpoint | None, model: str | None) -> None:
    if endpoint is None:
        return
    with st.sidebar.expander("What does this endpoint honour?", expanded=False):
        found = registry.detection_for(endpoint)
        st.caption(f"Backend: **{registry.get(found.kind).label}** ({found.evidence}).")
        if not endpoint.embedded and st.button("Detect from the server", key="pl.honour.detect",
                                               help="Reads /v1/models (owned_by, headers) and llama.cpp's /props."):
            p = detection.probe(endpoint)
            st.caption(f"Detected: {p.detection.backend.label} ({p.detection.evidence})"
                       + (f" · {'; '.join(p.errors)}" if p.errors else ""))
        if not model:
            st.caption("Choose a model first.")
            return
        n = len(honour.plan(model, endpoint.backend))
        st.caption(f"Sends up to {n} small requests (at most 40 tokens each) to **{model}**; the worst-case "
                   "cost is shown for you to confirm first.")
        if st.button("Check this endpoint…", key="pl.honour.ask"):
            st.session_state[CONFIRM] = True
        if st.session_state.get(CONFIRM):
            cost = _worst_case(endpoint, model)
            shown = "unknown (no price for this model)" if cost is None else f"${cost:.4f}"
            st.warning(f"Send up to {n} requests, worst case {shown}?")
            c1, c2 = st.columns(2)
            if c1.button("Send them", type="primary", key="pl.honour.go"):
                with st.spinner("Checking…"):
                    _run(endpoint, model)
            if c2.button("Cancel", key="pl.honour.cancel"):
                st.session_state.pop(CONFIRM, None)
                st.rerun()
        report = honour.load(endpoint.base_url, model)
        if report is not None:
            matrix(report)


def matrix(report: honour.Report) -> None:
    st.caption(f"Checked {report.checked_at} · {report.requests} requests · fingerprint "
               + ", ".join(f"{k} {v}" for k, v in report.fingerprint.items()))
    icons = {honour.HONOURED: "✅ honoured", honour.IGNORED: "⚠️ ignored", honour.REJECTED: "⛔ rejected",
             honour.UNCLEAR: "❔ unclear", honour.NOT_APPLICABLE: "— n/a"}
    df = pd.DataFrame([{**r, "verdict": icons.get(r["verdict"], r["verdict"])} for r in report.matrix()])
    st.dataframe(df, hide_index=True, width="stretch", key="pl-honour-matrix",
                 column_config={"detail": st.column_config.TextColumn(width="large")})
