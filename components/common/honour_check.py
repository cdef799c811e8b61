"""“What does this endpoint honour?”: the sidebar names the detected backend (with what gave it
away) and opens a dialog that shows the worst-case cost of the canary requests, sends them on
confirmation, and shows the matrix (kept in the data dir, used by the parameter panel)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.common import state
from paramlab.backends import detection, registry
from paramlab.experiments import honour
from paramlab.lab import tokenizer
from paramlab.settings import Endpoint
from paramlab.usage import budget

ICONS = {honour.HONOURED: "✅ honoured", honour.IGNORED: "⚠️ ignored", honour.REJECTED: "⛔ rejected",
         honour.UNCLEAR: "❔ unclear", honour.NOT_APPLICABLE: "— not applicable"}
PROBE = "pl.honour.probe"   # text of the last "Detect from the server"
OVERRIDE = "pl.backend_override"  # components.common.state.BACKEND_OVERRIDE


def worst_case(endpoint: Endpoint, model: str) -> float | None:
    costs = [budget.worst_case_for(endpoint, b) for b in honour.plan(model, endpoint.backend)]
    return None if any(c is None for c in costs) else sum(costs)


def _detect() -> None:
    endpoint = state.endpoint_now()  # read when clicked: a pick in the same run counts
    if endpoint is None:
        return
    p = detection.probe(endpoint)
    st.session_state[PROBE] = (f"Detected {p.detection.backend.label} ({p.detection.evidence})"
                               + (f" · not answered: {'; '.join(p.errors)}" if p.errors else ""))


def token_id(endpoint: Endpoint, model: str, text: str) -> int | None:
    """The id of a one-token text with the endpoint's own tokenizer (for the logit_bias ban when the
    server's logprobs carry no ids, as OpenAI's do not)."""
    try:
        ids = tokenizer.tokenize_words(endpoint, model, [text], with_space_variant=False)[0].ids
    except tokenizer.TokenizerUnavailable:
        return None
    return ids[0] if len(ids) == 1 else None


def render(endpoint: Endpoint | None, model: str | None) -> None:
    """The sidebar part: the backend and the button that opens the check."""
    if endpoint is None:
        return
    found = registry.detection_for(endpoint)
    box = st.container(key="pl-backend")  # inside the sidebar's endpoint section
    box.caption(f"Backend: **{registry.get(found.kind).label}** — {found.evidence}.")
    if not endpoint.embedded:
        override(box, endpoint)
        box.button("Detect from the server", key="pl.honour.detect", on_click=_detect,
                   help="Reads /v1/models (owned_by, response headers) and llama.cpp's /props. "
                        "To set the backend by hand, add the endpoint with a backend chosen.")
        if st.session_state.get(PROBE):
            box.caption(st.session_state[PROBE])
    report = honour.load(endpoint.base_url, model) if model else None
    if report is not None:
        ignored = [v.param for v in report.verdicts if v.verdict in (honour.IGNORED, honour.REJECTED)]
        box.caption(f"Checked {report.date}: " + (f"ignores or rejects {', '.join(ignored)}." if ignored
                                                  else "honours everything checked."))
    if box.button("What does this endpoint honour?", key="pl.honour.open", disabled=not model,
                  help="Up to 16 cheap canary requests; the worst-case cost is shown first."):
        dialog(endpoint, model)


def override(box, endpoint: Endpoint) -> None:
    """'Treat as': the user's choice of backend kind for this endpoint, for this browser session."""
    ss = st.session_state
    chosen = ss.setdefault(OVERRIDE, {})
    kinds = ["auto"] + [k for k in registry.KINDS if k != "embedded"]
    key = f"pl.honour.treat_as.{endpoint.name}"
    state.keep(key, chosen.get(endpoint.name, "auto"))

    def save() -> None:
        if ss[key] == "auto":
            chosen.pop(endpoint.name, None)
        else:
            chosen[endpoint.name] = ss[key]
    box.selectbox("Treat as", kinds, key=key, on_change=save,
                  format_func=lambda k: "detected (auto)" if k == "auto" else registry.get(k).label,
                  help="Which kind of server this is decides the samplers offered, the defaults shown and "
                       "the notes. Detected from the URL, or from the server with the button below.")


@st.dialog("What does this endpoint honour?", width="large", on_dismiss="rerun")
def dialog(endpoint: Endpoint, model: str) -> None:
    n = len(honour.plan(model, endpoint.backend))
    cost = worst_case(endpoint, model)
    shown = "unknown (this model has no price)" if cost is None else f"${cost:.4f}"
    st.markdown(f"Sends up to **{n} small requests** (at most 40 tokens each) to **{model}** on {endpoint.host} "
                f"and decides, per parameter, whether it is honoured, silently ignored, or rejected. "
                f"**Worst-case cost: {shown}.**")
    if st.button(f"Send {n} requests (worst case {shown})", type="primary", key="pl.honour.go"):
        client = state.client_for(endpoint)
        ctx = state.request_context("honour")
        with st.spinner("Checking…"):
            report = honour.run(lambda body: client.run(body, context=ctx), model, endpoint.backend,
                                token_id=lambda text: token_id(endpoint, model, text))
        found = registry.detection_for(endpoint)
        report.fingerprint.update({"host": endpoint.host, "identified by": found.evidence})
        honour.save(report, endpoint.base_url)
    report = honour.load(endpoint.base_url, model)
    if report is None:
        st.caption("Not checked yet.")
    else:
        matrix(report)


def matrix(report: honour.Report) -> None:
    st.caption(f"Checked {report.checked_at} with {report.requests} requests · server fingerprint: "
               + ", ".join(f"{k} {v}" for k, v in report.fingerprint.items()))
    df = pd.DataFrame([{**r, "verdict": ICONS.get(r["verdict"], r["verdict"])} for r in report.matrix()])
    st.dataframe(df, hide_index=True, width="stretch", key="pl-honour-matrix", height=35 * (len(df) + 1) + 3,
                 column_config={"parameter": st.column_config.TextColumn(width="medium"),
                                "verdict": st.column_config.TextColumn(width="small"),
                                "detail": st.column_config.TextColumn(width="large")})
