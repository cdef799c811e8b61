"""The prompt tuner's actions on the conversation: Regenerate, resend from a turn (dropping the
turns after it), Retry a failed send, and Undo for everything that removes turns (Clear,
Regenerate, resend-from). Each validates the request first: when it would not be sent, nothing
is removed and the reason is shown under Send.
"""
from __future__ import annotations

import copy

from components.common import words
import streamlit as st

from components.common import budget as budget_ui
from components.common import state
from paramlab.request import schema
from paramlab.request.messages import to_api

PENDING = "pl.pending"          # the body Send queued; the reply section starts it
SEND_ERRORS = "pl.send_errors"
LAST_BODY = "pl.last_body"      # the last body queued, for Retry
UNDO = "pl.undo"                # (what was done, the turns before it)


def queue(body: dict) -> None:
    """Hand a request to the reply section (the one way every send starts)."""
    st.session_state.pop(SEND_ERRORS, None)
    st.session_state[LAST_BODY] = copy.deepcopy(body)
    st.session_state[PENDING] = body


def _body_for(messages: list[dict]) -> dict | None:
    """The request for `messages` with the current settings, or None (errors shown under Send)."""
    if not budget_ui.gate(state.current_endpoint()):
        return None  # a hard budget is used up: no turn is removed
    msgs = ([{"role": "system", "content": st.session_state[state.SYSTEM]}]
            if st.session_state[state.SYSTEM].strip() else [])
    msgs += [to_api(m) for m in messages]  # tool calls, tool turns and images too
    errors = []
    if not msgs or msgs[-1]["role"] not in ("user", "tool"):
        errors.append("message: the conversation must end with a user turn to be sent")
    try:
        body = schema.build_body(st.session_state[state.MODEL] or "", msgs, state.request_params())
    except schema.ValidationError as e:
        errors += [str(x) for x in e.errors]
        body = None
    if errors:
        st.session_state[SEND_ERRORS] = errors
        return None
    return body


def _drop_run() -> None:
    """Forget the last run; one still streaming is stopped, never left generating unseen."""
    run = st.session_state.pop("pl.run", None)
    if run is not None and run.running:
        run.stop()


def remember(what: str) -> None:
    """Keep the turns as they are now, so the next destructive action can be undone."""
    st.session_state[UNDO] = (what, copy.deepcopy(st.session_state[state.MESSAGES]))


def undo() -> None:
    what = st.session_state.pop(UNDO, None)
    if what is not None:
        st.session_state[state.MESSAGES] = what[1]
        _drop_run()


def clear() -> None:
    remember("Clear conversation")
    st.session_state[state.MESSAGES] = []
    _drop_run()
    st.session_state.pop("pl.editing", None)


def resend_from(i: int) -> None:
    """Send the conversation up to user turn i again; the turns after it are dropped (undoable)."""
    msgs = st.session_state[state.MESSAGES]
    body = _body_for(msgs[: i + 1])
    if body is None:
        return
    remember(f"Resend from turn {i + 1}")
    del msgs[i + 1:]
    st.session_state.pop("pl.editing", None)
    queue(body)


def regenerate() -> None:
    """A new reply to the last user turn: the reply after it, if any, is replaced (undoable)."""
    msgs = st.session_state[state.MESSAGES]
    last_user = max((k for k, m in enumerate(msgs) if m["role"] == "user"), default=None)
    if last_user is None:
        st.session_state[SEND_ERRORS] = ["message: there is no user turn to answer again"]
        return
    resend_from(last_user)
    if UNDO in st.session_state and st.session_state[UNDO][0].startswith("Resend"):
        st.session_state[UNDO] = ("Regenerate", st.session_state[UNDO][1])


def retry() -> None:
    """Send the failed request again, exactly as it was."""
    body = st.session_state.get(LAST_BODY)
    if body is not None and budget_ui.gate(state.current_endpoint()):
        queue(copy.deepcopy(body))


def can_regenerate() -> bool:
    return any(m["role"] == "user" for m in st.session_state[state.MESSAGES])


def failed(run) -> bool:
    """The last send came back with nothing but errors (so Retry makes sense)."""
    return run is not None and not run.running and bool(run.slots) and all(
        s.status == "error" and not s.text for s in run.slots)


def bar(run, busy: bool) -> None:
    """Regenerate, Retry and Undo under the replies."""
    undo_what = st.session_state.get(UNDO)
    retry_ = failed(run) and st.session_state.get(LAST_BODY) is not None
    if not (can_regenerate() or retry_ or undo_what is not None):
        return  # nothing to act on yet: no row (each element is redrawn on every rerun)
    row = st.container(horizontal=True, vertical_alignment="center")  # one flex row: cheaper than columns
    row.button("Regenerate", icon=":material/refresh:", key="act.regenerate", on_click=regenerate,
               disabled=busy or not can_regenerate(),
               help="Ask again for a reply to the last user turn with the current settings; the old "
                    "reply is replaced (Undo brings it back).")
    if retry_:
        row.button("Retry", icon=":material/replay:", key="act.retry", on_click=retry, disabled=busy,
                   type="primary", help="Send the failed request again, exactly as it was.")
    if undo_what is not None:
        row.button(f"Undo {undo_what[0].lower()}", icon=":material/undo:", key="act.undo", on_click=undo,
                   disabled=busy, help=f"Restore the {words.count(len(undo_what[1]), 'turn')} from before.")
