"""Rename a session's label on the Usage page (its requests and every figure follow)."""
from __future__ import annotations

import streamlit as st

from components.common import state
from paramlab.usage.ledger import Ledger
from paramlab.usage.ledger.relabel import clean_label, relabel_session

FLASH = "usage.label_flash"
PICK = "usage.w.label_session"
NEW = "usage.w.label_new"


def _rename(led: Ledger, sessions: dict[str, tuple[str, str]]) -> None:
    ss = st.session_state
    label, sid = sessions[ss[PICK]]
    new = clean_label(ss.get(NEW, ""))
    changed = relabel_session(led.engine, sid, label, new)
    if sid == ss[state.SESSION_ID] and label == ss[state.LABEL]:  # this browser session: new requests too
        ss[state.LABEL] = new
        ss["w.label"] = new
    ss[NEW] = ""
    ss[FLASH] = f"Renamed {changed} request(s) of session {sid} from “{label or '(no label)'}” to “{new or '(no label)'}”."


def editor(led: Ledger, rows: list[dict]) -> None:
    if not rows:
        return
    sessions = {f"{r['label'] or '(no label)'} · {r['session_id']} · {r['requests']} requests": (r["label"], r["session_id"])
                for r in rows}
    with st.expander("Rename a session's label", key="usage-relabel"):
        flash = st.session_state.pop(FLASH, None)
        if flash:
            st.success(flash)
        if st.session_state.get(PICK) not in sessions:
            st.session_state.pop(PICK, None)
        c1, c2, c3 = st.columns([3, 2, 1], vertical_alignment="bottom")
        c1.selectbox("Session", list(sessions), key=PICK)
        c2.text_input("New label", key=NEW, max_chars=200, placeholder="empty = no label")
        c3.button("Rename", key="usage.relabel", on_click=_rename, args=(led, sessions))
        st.caption("Changes the label of the session's recorded requests; the Playground's label field sets it "
                   "for new ones.")
