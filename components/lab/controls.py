"""The Lab's sliders (temperature, top_p, penalties), the token history and the sampler order."""
from __future__ import annotations

import contextlib

from collections import Counter

import streamlit as st

from components.lab import state as ls
from components.lab.text import lang, t
from components.common import fragments, section
from components.common import state
from paramlab.lab import guide
from paramlab.lab import guide_backends
from paramlab.lab import tokenizer
from paramlab.settings import Endpoint
from paramlab.lab.reshape import penalty
from paramlab.request.schema import PARAMS

ORDER_LABELS = {"top_p_first": "top_k → typical_p → top_p → min_p → temperature (llama.cpp)",
                "vllm": "temperature → min_p → top_k → top_p (vLLM)",
                "temperature_first": "temperature → top_k → top_p → min_p (OpenAI-style)"}


def focus_picker() -> str:
    """Which parameter the Lab is about; the Guide's links preselect it."""
    names = [n for n in PARAMS if n in guide.ENTRIES] + list(guide_backends.LAB)
    ss = st.session_state
    current = ss[ls.PARAM] if ss[ls.PARAM] in names else names[0]
    picked = st.selectbox(t("focus"), names, index=names.index(current), key="lab.w.param", help=t("focus_help"))
    if picked != ss[ls.PARAM]:
        ss[ls.PARAM] = picked
        st.query_params["param"] = picked
    if picked in guide_backends.LAB:  # a backend sampler: its text comes from the backend registry
        x = guide_backends.view(picked, lang())
        st.info(f"**{picked}** — {x.long}\n\n**{t('in_lab')}:** {x.lab}")
        return picked
    v = guide.view(picked, lang())
    st.info(f"**{picked}** — {v.what}\n\n**{t('in_lab')}:** {v.lab}")
    return picked


def _slider(name: str, focus: str) -> None:
    p = PARAMS[name]
    label = f"▶ {name}" if name == focus else name
    with _frame(name, focus):
        _own_fragment(name, st.slider, label=label, min_value=float(p.min), max_value=float(p.max),
                      step=float(p.step or 0.01), help=p.short)


def _frame(name: str, focus: str):
    """The focused setting gets a bordered box; the others sit in their fragment's own block (a
    container per slider would be one more element the browser redraws on every move)."""
    return st.container(border=True, key=f"lab-ctl-{name}") if name == focus else contextlib.nullcontext()


def _own_fragment(name: str, widget, **kwargs) -> None:
    """A setting's control as a fragment of its own: a change redraws it and the watched parts
    of the page that show a reshaped distribution (none are shown before one is fetched)."""
    own = f"lab-ctl{fragments.NESTED}{name}"
    fragments.run(own, _bound_in, own, widget, name, kwargs)


def _bound_in(own: str, widget, name: str, kwargs: dict) -> None:
    with fragments.rerunning((own,), watched=True):
        ls.bound(widget, name, **kwargs)


CUT_OFFS = {"top_k": ("top_k (0 = off)", 0, 100, 1, "Keep the k most likely tokens."),
            "min_p": ("min_p (0 = off)", 0.0, 1.0, 0.01, "Keep tokens at least min_p × the top token's probability."),
            "typical_p": ("typical_p (1 = off)", 0.0, 1.0, 0.01,
                          "Keep the tokens whose surprise is closest to the average (estimated: the entropy "
                          "of the tokens outside the 20 candidates is not known).")}


def _cut_off(name: str, focus: str) -> None:
    label, lo, hi, step, helptext = CUT_OFFS[name]
    with _frame(name, focus):
        _own_fragment(name, st.slider, label=("▶ " if name == focus else "") + label, min_value=lo, max_value=hi,
                      step=step, help=helptext)


SLIDERS = ["temperature", "top_p", "top_k", "min_p", "typical_p", "presence_penalty", "frequency_penalty"]
OTHERS = "lab-others"  # the folding section of the sliders not in focus (open: bool in session_state)


def sliders(focus: str) -> None:
    """The focused setting's slider, then the others folded into a section whose header names
    the ones that reshape: every control drawn costs the browser time on each slider move."""
    if focus in SLIDERS:
        _control(focus, focus)
    others = [n for n in SLIDERS if n != focus]
    with section.lazy(_others_label(others), OTHERS) as shown:
        if shown:
            for n in others:
                _control(n, focus)
            _own_fragment("order", st.radio, label=t("order"), options=list(ORDER_LABELS),
                          format_func=ORDER_LABELS.get, help="Backends differ. The default follows the chosen "
                                                             "endpoint's sampler chain in ParamLab's backend "
                                                             "registry.")


def _control(name: str, focus: str) -> None:
    (_cut_off if name in CUT_OFFS else _slider)(name, focus)


def _others_label(others: list[str]) -> str:
    """Closed, the header says which of the folded settings reshape the distribution (an open
    section shows them; its header is not redrawn by their moves, so it names none)."""
    if st.session_state.get(OTHERS):
        return t("others")
    s = st.session_state[ls.SETTINGS]
    set_ = [f"{n}\u00a0{s[n]:g}" for n in others if s[n] != ls.DEFAULT_SETTINGS[n]]  # a name and its value never part
    return f"{t('others')} · " + (", ".join(set_) if set_ else t("others_neutral"))


def history(endpoint: Endpoint | None, focus: str) -> None:
    """Text whose tokens count as already generated, for the penalties."""
    penalties = focus in ("presence_penalty", "frequency_penalty")
    text = st.session_state.get(ls.HISTORY_TEXT) or ""
    with section.lazy(t("history") + (" ✎" if text else ""), "lab-history", force_open=penalties) as shown:
        if shown:
            _history(endpoint)


def _history(endpoint: Endpoint | None) -> None:
    ls.bound_text(st.text_area, ls.HISTORY_TEXT, label=t("history"), height=68,
                  help="Text the model has generated so far. The penalties count how often each of its "
                       "token ids occurs: logit −= presence × [count > 0] + frequency × count.")
    text = st.session_state[ls.HISTORY_TEXT]
    cached = st.session_state.get(ls.HISTORY_IDS)
    if text and (cached is None or cached[0] != text) and endpoint is not None:
        try:
            wt = tokenizer.tokenize_text(endpoint, st.session_state.get(state.MODEL), text)
            st.session_state[ls.HISTORY_IDS] = (text, list(wt.ids), list(wt.pieces))
        except tokenizer.TokenizerUnavailable as e:
            st.warning(f"Token history: {e}")
    fragments.run("lab-history-counts", _counts, watch=_counts_view)


def _counts_view() -> tuple:
    s = st.session_state[ls.SETTINGS]
    return tuple(ls.history_ids()), s["presence_penalty"], s["frequency_penalty"]


def _counts() -> None:
    """The history's most frequent tokens and what the penalties take off each (a watched fragment)."""
    ids = ls.history_ids()
    if ids:
        pieces = dict(zip(st.session_state[ls.HISTORY_IDS][1], st.session_state[ls.HISTORY_IDS][2]))
        s = st.session_state[ls.SETTINGS]
        counts = Counter(ids).most_common(8)
        st.caption(f"{len(ids)} tokens. Most frequent: " + ", ".join(
            f"{ls.md_token(pieces.get(i, '?'))}×{c} (−{penalty(c, s['presence_penalty'], s['frequency_penalty']):.2f})"
            for i, c in counts))
