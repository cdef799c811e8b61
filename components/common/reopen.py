"""'Open in Playground': any recorded request (relayed or made here) loaded into the Playground's
session keys (endpoint, model, system prompt, conversation, parameters, stream), ready to tune."""
from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from components.common import navigation, params_panel, state
from paramlab.relay.reopen import NotReopenable, from_row

NOTE = "pl.reopened_note"  # what the Playground should say about the request it just opened


def load(row: Mapping[str, Any]) -> list[str]:
    """Put the request into the Playground's keys; returns notes for the user (nothing is silently lost)."""
    r = from_row(row)
    ss = st.session_state
    notes = [f"Parameters without a Playground control were left out: {', '.join(r.dropped)}."] if r.dropped else []
    if r.endpoint in state.endpoint_names():
        ss[state.ENDPOINT] = r.endpoint
    else:
        notes.append(f"The endpoint {r.endpoint!r} is not configured here; the request opened on "
                     f"{ss[state.ENDPOINT]!r}.")
    ss[state.MODEL] = r.model or None
    ss[state.SYSTEM] = r.system
    ss["w.system"] = r.system
    ss[state.MESSAGES] = r.messages
    ss[state.PARAMS] = r.params
    ss[state.STREAM] = ss["w.stream"] = r.stream
    ss[state.INCLUDE_USAGE] = ss["w.usage"] = r.include_usage or not r.stream
    params_panel.seed_widgets(r.params)
    return notes


def button(row: Mapping[str, Any], key: str) -> None:
    """The button beside a recorded request; switches to the Playground with the request loaded."""
    if not st.button("Open in Playground", key=key, icon=":material/open_in_new:",
                     help="Load this request's endpoint, model, messages and parameters into the Playground."):
        return
    try:
        notes = load(row)
    except NotReopenable as e:
        st.warning(str(e))
        return
    st.session_state[NOTE] = [f"Opened request {row.get('id')} from the usage ledger.", *notes]
    navigation.go_to_playground()


def show_note() -> None:
    """On the Playground: say what was opened (once)."""
    for line in st.session_state.pop(NOTE, None) or []:
        st.info(line, icon=":material/history:")
