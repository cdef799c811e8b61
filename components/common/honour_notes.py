"""'ignored by this endpoint (checked <date>)' next to a parameter, from the chosen endpoint's last
"What does this endpoint honour?" check (kept in the data dir by paramlab.experiments.honour)."""
from __future__ import annotations

import streamlit as st

from paramlab.experiments import honour

ENDPOINT_KEY = "pl.endpoint"
MODEL_KEY = "pl.model"


def _report(backend: str) -> honour.Report | None:
    from components.common import state  # late: state is imported by the pages first
    try:
        ep = state.resolve_endpoint(st.session_state.get(ENDPOINT_KEY))
    except Exception:  # noqa: BLE001 - no endpoint, no notes
        return None
    if ep.backend != backend:
        return None
    return honour.load(ep.base_url, st.session_state.get(MODEL_KEY) or "")


def note(name: str, backend: str) -> str | None:
    report = _report(backend)
    if report is None:
        return None
    return report.note(name)
