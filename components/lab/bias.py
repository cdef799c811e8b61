"""logit_bias in the Lab: the typed map, a per-candidate slider, and the word → token-id helper."""
from __future__ import annotations

import streamlit as st

from components.lab import state as ls
from components.common import section, token_ids
from components.lab.text import t
from paramlab.settings import Endpoint
from paramlab.lab.next_token import show_token

PICK = "lab.w.bias_pick"
PICK_VALUE = "lab.w.bias_pick_value"


def _add(entries: dict[int, float]) -> None:
    ls.set_text(ls.BIAS_TEXT, token_ids.bias_text_with(st.session_state[ls.BIAS_TEXT], entries))


def _apply_pick(ids: dict[str, int]) -> None:
    ss = st.session_state
    label = ss.get(PICK)
    if label in ids:
        _add({ids[label]: float(ss.get(PICK_VALUE, 0))})


def render(endpoint: Endpoint | None, focus: str) -> None:
    _, errors = ls.logit_bias()
    set_ = bool((st.session_state.get(ls.BIAS_TEXT) or "").strip())
    with section.lazy("logit_bias" + (" ✎" if set_ else ""), "lab-bias",
                      force_open=focus == "logit_bias" or bool(errors)) as shown:
        if shown:
            _body(endpoint, focus, errors)


def _body(endpoint: Endpoint | None, focus: str, errors: list[str]) -> None:
    st.markdown("**logit_bias**" if focus != "logit_bias" else "**▶ logit_bias**")
    ls.bound_text(st.text_area, ls.BIAS_TEXT, label=t("bias_text"), height=90,
                  help="Keys are the model's token ids; bias −100 bans a token, +100 forces it.")
    for e in errors:
        st.error(e)
    dist = st.session_state.get(ls.DIST)
    if dist is not None:
        ids = {f"{show_token(c.token)} · id {c.id}": c.id for c in dist.candidates if c.id is not None}
        c1, c2, c3 = st.columns([3, 3, 2], vertical_alignment="bottom")
        c1.selectbox(t("candidate"), list(ids), key=PICK)
        c2.slider(t("bias"), -100, 100, 0, key=PICK_VALUE)
        c3.button(t("set"), key="lab.b.bias_set", on_click=_apply_pick, args=(ids,),
                  help="Write this candidate's bias into logit_bias.")
    helper(endpoint)


def helper(endpoint: Endpoint | None) -> None:
    token_ids.render(endpoint, "lab", _add)
