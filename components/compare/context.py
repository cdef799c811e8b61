"""What every Compare pane answers: the Playground's system prompt and turns, then the message.

The message starts as the Playground's last question. Left as it is, that question is asked again
in its own place: the turns from it on are left out (with them, every pane would see the answer it
already got and tend to repeat it) and the turn itself is sent as it was, images included. A
message the user changes is asked after the whole conversation, as the Playground would ask it.
"""
from __future__ import annotations

import streamlit as st

from components.common import state
from components.common import words
from paramlab.request import messages
from paramlab.request.messages import text_of


def last_question() -> int | None:
    """The index of the Playground's last user turn (None: it has none)."""
    turns = st.session_state[state.MESSAGES]
    return next((i for i in range(len(turns) - 1, -1, -1) if turns[i]["role"] == "user"), None)


def default_prompt() -> str:
    i = last_question()
    return text_of(st.session_state[state.MESSAGES][i]) if i is not None else ""


def reasks(prompt: str) -> bool:
    """Whether the message is the Playground's last question, unchanged."""
    i = last_question()
    return i is not None and text_of(st.session_state[state.MESSAGES][i]) == prompt


def answered_again(prompt: str) -> bool:
    """Whether turns after the re-asked question (its answer) are left out."""
    return reasks(prompt) and last_question() < len(st.session_state[state.MESSAGES]) - 1


def attachments(prompt: str) -> int:
    """Images and other parts the re-asked question carries besides its text (0 otherwise)."""
    if not reasks(prompt):
        return 0
    turn = st.session_state[state.MESSAGES][last_question()]
    return len(messages.images_of(turn)) + len(messages.other_parts(turn))


def earlier_turns(prompt: str) -> int:
    """How many of the Playground's turns come before the message."""
    return last_question() if reasks(prompt) else len(st.session_state[state.MESSAGES])


def messages_for(prompt: str) -> list[dict]:
    """The request's messages: system prompt, the earlier turns, then the message."""
    if reasks(prompt):
        i = last_question()
        return state.conversation(upto=i) + [messages.to_api(st.session_state[state.MESSAGES][i])]
    return state.conversation() + [{"role": "user", "content": prompt}]


def summary(prompt: str) -> str:
    """The caption above the message: what comes from the Playground with it."""
    system = st.session_state[state.SYSTEM]
    parts = [f"System prompt and {words.count(earlier_turns(prompt), 'earlier turn')} come from the Playground",
             f"system: “{system[:80]}”" if system.strip() else "no system prompt"]
    if answered_again(prompt):
        parts.append("the message is its last question, asked again without the answer it got")
    if n := attachments(prompt):
        parts.append(f"sent with its {words.count(n, 'attachment')} (images, audio or files)")
    return " · ".join(parts)
