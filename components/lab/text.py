"""The Lab's language: the Guide's choice (kept for the browser session), switchable here too."""
from __future__ import annotations

import streamlit as st

from paramlab.lab import guide
from paramlab.lab.lab_text import text

LANG = "guide.lang"  # shared with the Parameter Guide


def _adopt_link_language() -> None:
    """The Guide's links say which language they came from (a new tab has no session yet)."""
    ss = st.session_state
    wanted = st.query_params.get("lang")
    if wanted in guide.LANGS and ss.get("lab.lang_from_link") != wanted:
        ss[LANG] = ss["lab.lang_from_link"] = wanted


def lang() -> str:
    _adopt_link_language()
    return "zh" if st.session_state.get(LANG) == "zh" else "en"


def t(key: str, **fmt: object) -> str:
    return text(key, lang(), **fmt)


def switch() -> None:
    """The same language control as the Guide's, so the whole page follows one choice."""
    ss = st.session_state
    _adopt_link_language()
    ss.setdefault(LANG, "en")
    ss["lab.w.lang"] = ss[LANG]
    st.segmented_control(t("language"), list(guide.LANGS), format_func=guide.LANG_LABELS.get, key="lab.w.lang",
                         required=True, on_change=lambda: ss.update({LANG: ss["lab.w.lang"]}))
