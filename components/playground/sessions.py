"""Save and reopen a whole Playground session (messages, parameters, replies, metrics) as JSON."""
from __future__ import annotations

import datetime as dt

import streamlit as st

from components.common import params_panel, section
from components.common import state
from paramlab.request import sessions
from paramlab.settings import Endpoint
from paramlab.runs.run import Run

RUN = "pl.run"
FLASH = "pl.session_flash"


def current(endpoint: Endpoint | None) -> sessions.Session:
    ss = st.session_state
    run: Run | None = ss.get(RUN)
    return sessions.Session(
        system=ss[state.SYSTEM], messages=list(ss[state.MESSAGES]), params=dict(ss[state.PARAMS]),
        endpoint=ss[state.ENDPOINT], model=ss[state.MODEL], stream=ss[state.STREAM],
        include_usage=ss[state.INCLUDE_USAGE], label=ss[state.LABEL],
        last_results=run.chat_results() if run else [], run=run.to_dict() if run else None)


def apply(s: sessions.Session, warnings: list[str]) -> None:
    ss = st.session_state
    ss[state.SYSTEM], ss[state.MESSAGES], ss[state.PARAMS] = s.system, s.messages, s.params
    ss[state.STREAM], ss[state.INCLUDE_USAGE], ss[state.LABEL] = s.stream, s.include_usage, s.label
    names = state.endpoint_names()
    if s.endpoint in names:
        ss[state.ENDPOINT] = s.endpoint
        ss[state.MODEL] = s.model
    elif s.endpoint:
        warnings.append(f"endpoint: {s.endpoint!r} is not configured here; the current endpoint is kept")
    run = None
    if s.run:
        try:
            run = Run.from_dict(s.run)
            run.status = "done" if run.status == "running" else run.status
        except (TypeError, ValueError) as e:
            warnings.append(f"run: unreadable ({e}); replies not restored")
    old = ss.get(RUN)
    if old is not None and old.running:
        old.stop()  # a reply still streaming is not left generating unseen
    ss[RUN] = run
    ss["w.system"], ss["w.stream"], ss["w.usage"] = s.system, s.stream, s.include_usage
    params_panel.seed_widgets(s.params)
    ss[FLASH] = ("success" if not warnings else "warning",
                 "Session opened." + ("".join(f"\n\n- {w}" for w in warnings)))


def _open_upload() -> None:
    f = st.session_state.get("w.session.upload")
    if f is None:
        return
    try:
        s, warnings = sessions.from_json(f.getvalue())
    except sessions.SessionError as e:
        st.session_state[FLASH] = ("error", f"Session not opened — {f.name}: {e}")
        return
    apply(s, warnings)


def _open_saved() -> None:
    """Open the session picked now (read from its widget: a callback argument would be the one
    picked when the page was last drawn)."""
    from pathlib import Path
    path = st.session_state.get("w.session.pick") or ""
    try:
        s, warnings = sessions.load(Path(path))
    except (OSError, sessions.SessionError) as e:
        st.session_state[FLASH] = ("error", f"Session not opened — {Path(path).name}: {e}")
        return
    apply(s, warnings)


def _save() -> None:
    endpoint = state.endpoint_now()  # read when clicked: a pick in the same run counts
    name = st.session_state.get("w.session.name", "").strip() or dt.datetime.now().strftime("session-%Y%m%d-%H%M%S")
    secrets = [endpoint.api_key.reveal()] if endpoint is not None and endpoint.api_key else []
    path = sessions.save(current(endpoint), name, secrets)
    st.session_state[FLASH] = ("success", f"Saved to {path}")


def render(endpoint: Endpoint | None) -> None:
    with section.lazy("💾 Session: save or reopen the whole playground", "session-box") as shown:
        if not shown:
            return
        flash = st.session_state.pop(FLASH, None)
        if flash:
            getattr(st, flash[0])(flash[1])
        secrets = [endpoint.api_key.reveal()] if endpoint is not None and endpoint.api_key else []
        c1, c2 = st.columns(2)
        with c1:
            st.download_button("Download session (JSON)", sessions.to_json(current(endpoint), secrets),
                               file_name="paramlab-session.json", mime="application/json", key="session.download")
            st.text_input("Save as", key="w.session.name", placeholder="name (optional)", persist_state=section.KEEP)
            st.button("Save to my sessions", key="session.save", on_click=_save)
            st.caption("Messages, parameters, replies and metrics; never the API key.")
        with c2:
            st.file_uploader("Open a session file", type=["json"], key="w.session.upload", on_change=_open_upload)
            saved = sessions.list_saved()
            if saved:
                st.selectbox("Or one of my sessions", [str(p) for p in saved], key="w.session.pick",
                                    format_func=lambda p: p.rsplit("/", 1)[-1])
                st.button("Open", key="session.open", on_click=_open_saved)
