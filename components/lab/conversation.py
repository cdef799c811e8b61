"""The Lab's conversation and the button that asks the model for its next-token distribution."""
from __future__ import annotations

import streamlit as st

from components.lab import state as ls
from components.common import budget as budget_ui
from components.lab import work
from components.common import state
from components.lab.text import t
from paramlab.backends import registry
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
        st.button(t("fetch"), type="primary", key="lab.b.fetch", disabled=endpoint is None or work.busy(),
                  on_click=fetch, help=t("fetch_help"))
    err = st.session_state.get(ls.DIST_ERROR)
    if err:
        st.error(err)


def fetch() -> None:
    ss = st.session_state
    # the endpoint and model when clicked: a pick in the same run as the click counts
    endpoint, model = state.endpoint_now(), ss.get(state.MODEL) or ""
    if endpoint is None or not budget_ui.gate(endpoint, inline=True):
        return
    ss.pop(ls.DIST_ERROR, None)
    if not ss[ls.USER].strip():
        ss[ls.DIST_ERROR] = "User message: type a message for the model to answer."
        return
    try:
        next_token.probe_body(model, ls.messages(), ss[ls.PREFIX], registry.kind_of(endpoint))  # validate here: errors name the field
    except ValidationError as e:
        ss[ls.DIST_ERROR] = "Not sent — " + "; ".join(str(x) for x in e.errors)
        return
    client, msgs, prefix = state.client_for(endpoint), ls.messages(), ss[ls.PREFIX]
    context = {**state.request_context("lab"), "action": "distribution"}

    def ask(cancelled):  # in a worker thread
        try:
            return next_token.fetch(client, model, msgs, prefix, context)
        except next_token.NextTokenError as e:
            return e

    work.start("Asking the model for its next token", ask, _got)


def _got(result) -> None:
    ss = st.session_state
    if isinstance(result, Exception):
        ss[ls.DIST_ERROR] = str(result)
        return
    ss[ls.DIST] = result
    ss[ls.SAMPLE] = None
