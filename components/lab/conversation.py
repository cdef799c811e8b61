"""The Lab's conversation and the button that asks the model for its next-token distribution."""
from __future__ import annotations

import streamlit as st

from components.lab import state as ls
from components.common import budget as budget_ui
from components.common import state
from components.lab.text import t
from paramlab.lab import next_token
from paramlab.settings import Endpoint
from paramlab.request.schema import ValidationError


def render(endpoint: Endpoint | None) -> None:
    budget_ui.warn(None, endpoint)
    c1, c2 = st.columns(2)
    with c1:
        ls.bound_text(st.text_area, ls.SYSTEM, label=t("system"), height=68, help=t("system_help"))
        ls.bound_text(st.text_area, ls.USER, label=t("user"), height=68)
    with c2:
        ls.bound_text(st.text_area, ls.PREFIX, label=t("prefix"), height=68,
                      help=t("prefix_help"))
        model = st.session_state.get(state.MODEL) or ""
        if st.button(t("fetch"), type="primary", key="lab.b.fetch", disabled=endpoint is None,
                     help=t("fetch_help")):
            fetch(endpoint, model)
    err = st.session_state.get(ls.DIST_ERROR)
    if err:
        st.error(err)


def fetch(endpoint: Endpoint, model: str) -> None:
    ss = st.session_state
    if not budget_ui.gate(endpoint, inline=True):
        return
    ss.pop(ls.DIST_ERROR, None)
    if not ss[ls.USER].strip():
        ss[ls.DIST_ERROR] = "User message: type a message for the model to answer."
        return
    try:
        with st.spinner("Asking the model for its next token…"):
            ss[ls.DIST] = next_token.fetch(state.client_for(endpoint), model, ls.messages(), ss[ls.PREFIX],
                                              {**state.request_context("lab"), "action": "distribution"})
        ss[ls.SAMPLE] = None
    except ValidationError as e:
        ss[ls.DIST_ERROR] = "Not sent — " + "; ".join(str(x) for x in e.errors)
    except next_token.NextTokenError as e:
        ss[ls.DIST_ERROR] = str(e)
