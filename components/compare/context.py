"""What every Compare pane answers: the Playground's system prompt and turns, then the message.

The message starts as the Playground's last question. Left as it is, the panes answer the
Playground's conversation in place of its last answer: the assistant's closing reply is left out
(with it, every pane would see the answer it already got and tend to repeat it), while the question
itself goes as it was (images included) with any tool calls and results that followed it, so a
tool flow is answered from its results. A message the user changes is asked after the whole
conversation, as the Playground would ask it.
"""
from __future__ import annotations

import streamlit as st

from components.common import state
from components.common import words
from paramlab.request import messages
from paramlab.request.messages import text_of


def _turns() -> list[dict]:
    return st.session_state[state.MESSAGES]


def last_question() -> int | None:
    """The index of the Playground's last user turn (None: it has none)."""
    turns = _turns()
    return next((i for i in range(len(turns) - 1, -1, -1) if turns[i]["role"] == "user"), None)


def default_prompt() -> str:
    i = last_question()
    return text_of(_turns()[i]) if i is not None else ""


def reasks(prompt: str) -> bool:
    """Whether the message is the Playground's last question, unchanged."""
    i = last_question()
    return i is not None and text_of(_turns()[i]) == prompt


def kept() -> int:
    """How many turns the panes answer when the question is re-asked: all but the closing answer
    (assistant replies at the end that call no tool)."""
    turns, end = _turns(), len(_turns())
    while end and turns[end - 1]["role"] == "assistant" and not turns[end - 1].get("tool_calls"):
        end -= 1
    return end


def answered_again(prompt: str) -> bool:
    """Whether a closing answer is left out."""
    return reasks(prompt) and kept() < len(_turns())


def tool_turns_after(prompt: str) -> int:
    """Tool calls and results sent after the re-asked question."""
    return kept() - last_question() - 1 if reasks(prompt) else 0


def attachments(prompt: str) -> int:
    """Images and other parts the re-asked question carries besides its text (0 otherwise)."""
    if not reasks(prompt):
        return 0
    turn = _turns()[last_question()]
    return len(messages.images_of(turn)) + len(messages.other_parts(turn))


def earlier_turns(prompt: str) -> int:
    """How many of the Playground's turns come before the message."""
    return last_question() if reasks(prompt) else len(_turns())


def messages_for(prompt: str) -> list[dict]:
    """The request's messages: system prompt, the earlier turns, then the message."""
    if reasks(prompt):
        return state.conversation(upto=kept())
    return state.conversation() + [{"role": "user", "content": prompt}]


def summary(prompt: str) -> str:
    """The caption above the message: what comes from the Playground with it."""
    system = st.session_state[state.SYSTEM]
    n = earlier_turns(prompt)
    parts = [f"System prompt and {words.count(n, 'earlier turn')} come from the Playground" if n
             else "The system prompt comes from the Playground (no earlier turns)",
             (f"system: “{system[:80]}”" if system.strip() else "no system prompt")
             + " (a pane may send its own: 📝 in its settings)"]
    if reasks(prompt) and (answered_again(prompt) or tool_turns_after(prompt)):
        tools = f", sent with the {words.count(n, 'tool turn')} after it" if (n := tool_turns_after(prompt)) else ""
        parts.append(f"the message is its last question{tools}"
                     + (", without the answer it got" if answered_again(prompt) else ""))
    if n := attachments(prompt):
        parts.append(f"sent with its {words.count(n, 'attachment')} (images, audio or files)")
    return " · ".join(parts)
