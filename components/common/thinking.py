"""The "Thinking" block above a reply: a reasoning model's thinking, streamed live into a
collapsible block (open while the model is still thinking, closed once the reply starts), and
a refusal shown as a refusal rather than as a reply."""
from __future__ import annotations

import streamlit as st

from paramlab.safety.markdown import safe_markdown

LABEL = "Thinking"


def _label(reasoning: str, live: bool) -> str:
    words = len(reasoning.split())
    return f"{LABEL}{' …' if live else ''} ({words} words)"


def placeholder():
    """Reserve the block's place above the reply text (painted by paint())."""
    return st.empty()


def paint(ph, reasoning: str, live: bool, reply_started: bool) -> None:
    """Redraw the live block; nothing while there is no thinking."""
    if not reasoning:
        ph.empty()
        return
    with ph.container():
        with st.expander(_label(reasoning, live and not reply_started), expanded=live and not reply_started,
                         icon=":material/psychology:"):
            st.markdown(safe_markdown(reasoning) + (" ▌" if live and not reply_started else ""))


def render(reasoning: str | None) -> None:
    """A finished reply's thinking, collapsed."""
    if reasoning:
        with st.expander(_label(reasoning, False), expanded=False, icon=":material/psychology:"):
            st.markdown(safe_markdown(reasoning))


def refusal(text: str | None) -> None:
    """The model declined: say so, in the model's words."""
    if text:
        st.warning(f"**The model refused:** {text}", icon=":material/block:")
