"""Endpoint and model picker (sidebar), shared by every page."""
from __future__ import annotations

import streamlit as st

from components import state
from paramlab.config import Endpoint
from paramlab.engine import ABOUT, FRIENDLY_NAME


def render() -> Endpoint | None:
    s = state.settings()
    for err in s.errors:
        st.sidebar.error(f"Configuration: {err}")
    names = [e.name for e in s.endpoints]
    current = st.session_state[state.ENDPOINT]
    name = st.sidebar.selectbox("Endpoint", names, index=names.index(current) if current in names else 0,
                                help="Configured in paramlab.yaml, CHAT_* / OPENAI_* variables or "
                                     ".streamlit/secrets.toml. See the README.")
    if name != current:
        st.session_state[state.ENDPOINT] = name
        st.session_state[state.MODEL] = None
    ep = state.current_endpoint()
    if ep is None:
        return None
    models = list(ep.models)
    chosen = st.session_state[state.MODEL]
    if models:
        options = models + (["other…"] if not ep.embedded else [])
        idx = options.index(chosen) if chosen in options else 0
        pick = st.sidebar.selectbox("Model", options, index=idx,
                                    format_func=lambda m: f"{FRIENDLY_NAME}" if ep.embedded else m)
        if pick == "other…":
            pick = st.sidebar.text_input("Model name", value=chosen if chosen not in models else "",
                                         placeholder="e.g. gpt-4o-mini")
    else:
        pick = st.sidebar.text_input("Model", value=chosen or "", placeholder="e.g. gpt-4o-mini, llama3.2")
        if not pick:
            st.sidebar.warning("model: type the model name this endpoint serves.")
    st.session_state[state.MODEL] = pick or None
    if ep.embedded:
        st.sidebar.info(f"**Embedded demo model.** {ABOUT}", icon="🐣")
    else:
        st.sidebar.caption(f"{ep.backend} · {ep.host}" + (" · key set" if ep.api_key else " · no key"))
    return ep
