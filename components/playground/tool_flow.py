"""The Playground's answers to what a reply pane offers: answering tool calls (the assistant
turn with its calls, one tool turn per call, then the conversation continues) and unticking a
parameter the server refused before resending the same conversation."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from components.common import params_panel, reply_extras, state
from paramlab.request import reasoning_models
from paramlab.request import tools as toolslib
from paramlab.runs.run import Run


def actions(run_key: str, send: Callable[[], None]) -> reply_extras.Actions:
    """`send` queues the current conversation with the current parameters."""
    def answer(pos: int, results: list[str]) -> None:
        run: Run = st.session_state[run_key]
        calls = reply_extras.tool_calls_of(run, pos)
        turns = toolslib.answer_turns(run.slots[pos].text, calls, results)
        st.session_state[state.MESSAGES].extend(turns)
        run.continued = True
        send()

    def resend_without(name: str) -> None:
        if name in reasoning_models.TRANSPORT:
            _toggles_off(name)  # set by the sidebar's toggles, not the panel
        else:
            params = st.session_state[state.PARAMS]
            params.update(reasoning_models.without(params, name))
            params_panel.seed_widgets(params)  # the panel shows it unticked
        send()

    return reply_extras.Actions(answer=answer, resend_without=resend_without)


# The sidebar toggles behind each transport field: (shared key, widget key).
TOGGLES = {"stream": ((state.STREAM, "w.stream"),),
           "stream_options": ((state.INCLUDE_USAGE, "w.usage"), (state.NO_OBFUSCATION, "w.no_obfuscation"))}


def _toggles_off(name: str) -> None:
    for shared, widget in TOGGLES[name]:
        st.session_state[shared] = False
        st.session_state[widget] = False  # the sidebar shows it off


def has_calls(run: Run, pos: int) -> bool:
    return bool(reply_extras.tool_calls_of(run, pos))
