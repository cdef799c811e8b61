"""The Parameter Guide's sections: language switch and one entry per parameter."""
from __future__ import annotations

import streamlit as st

from components.common import state
from paramlab.lab import guide

LANG = "guide.lang"   # "en" | "zh", kept for the whole browser session
LAB_PAGE = "pages/6_Distribution_Lab.py"

INTRO = {
    "en": "What every Chat Completions parameter does, its range and default, how it interacts with the "
          "others, and the mistakes people make. Each entry opens the Distribution Lab with that parameter "
          "in focus, to see it act on a real model.",
    "zh": "每个 Chat Completions 参数的作用、取值范围与默认值、与其他参数的关系，以及常见误区。"
          "每个条目都可以打开分布实验室并选中该参数，在真实模型上观察它的效果。",
}


def header() -> str:
    """The title in the chosen language, above the language switch; returns the language."""
    title = st.empty()
    lang = language()
    title.title("📖 参数指南 · Parameter Guide" if lang == "zh" else "📖 Parameter Guide")
    return lang


def language() -> str:
    ss = st.session_state
    ss.setdefault(LANG, "en")
    picked = st.segmented_control("Language / 语言", list(guide.LANGS), format_func=guide.LANG_LABELS.get,
                                  key="guide.w.lang", required=True, **state.bind("guide.w.lang", LANG))
    return picked or ss[LANG]


def intro(lang: str) -> None:
    st.markdown(INTRO[lang])


def entries(lang: str) -> None:
    ui = guide.UI[lang]
    group = None
    for v in guide.views(lang):
        if v.group != group:
            group = v.group
            st.subheader(group)
        with st.expander(f"**{v.name}** — {v.short}", expanded=False):
            entry(v, ui, lang)


def entry(v: guide.View, ui: dict, lang: str = "en") -> None:
    c1, c2 = st.columns(2)
    c1.markdown(f"**{ui['range']}:** {v.range}")
    c2.markdown(f"**{ui['default']}:** {v.default}")
    for label, text in ((ui["what"], v.what), (ui["interactions"], v.interactions),
                        (ui["mistakes"], v.mistakes), (ui["lab"], v.lab)):
        if text:
            st.markdown(f"**{label}.** {text}")
    st.page_link(LAB_PAGE, label=f"{ui['open_lab']}: {v.name}", icon="🔬", query_params={"param": v.name, "lang": lang})


def backends(lang: str) -> None:
    """Each backend's own samplers, and why defaults differ between servers."""
    from paramlab.lab import guide_backends
    st.subheader(guide_backends.TITLE[lang])
    st.markdown(guide_backends.WHY_DEFAULTS[lang])
    ui = guide.UI[lang]
    for v in guide_backends.views(lang):
        with st.expander(f"**{v.name}** — {v.short}", expanded=False):
            c1, c2, c3 = st.columns(3)
            c1.markdown(f"**{ui['range']}:** {v.range}")
            c2.markdown(f"**{ui['default']}:** {v.default}")
            c3.markdown(f"**{guide_backends.ACCEPTED_BY[lang]}:** {v.backends}")
            st.markdown(f"**{ui['what']}.** {v.long}")
            if v.lab:
                st.markdown(f"**{ui['lab']}.** {v.lab}")
                st.page_link(LAB_PAGE, label=f"{ui['open_lab']}: {v.name}", icon="🔬", query_params={"param": v.name, "lang": lang})
