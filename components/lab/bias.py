"""logit_bias in the Lab: the typed map, a per-candidate slider, and the word → token-id helper."""
from __future__ import annotations

import streamlit as st

from components.lab import state as ls
from components.common import state
from paramlab.lab import tokenizer
from paramlab.settings import Endpoint
from paramlab.lab.next_token import show_token

WORDS = "lab.w.bias_words"
SPACE = "lab.w.bias_space"
VALUE = "lab.w.bias_value"
FOUND = "lab.bias_found"      # list[WordTokens] of the last helper run
HELPER_ERROR = "lab.bias_error"
PICK = "lab.w.bias_pick"
PICK_VALUE = "lab.w.bias_pick_value"


def _format(bias: dict[int, float]) -> str:
    return "\n".join(f"{i}: {v:g}" for i, v in bias.items())


def _add(entries: dict[int, float]) -> None:
    current, errors = ls.logit_bias()
    if errors:  # keep the user's text; append rather than overwrite what we cannot read
        ls.set_text(ls.BIAS_TEXT, st.session_state[ls.BIAS_TEXT].rstrip() + "\n" + _format(entries))
    else:
        ls.set_text(ls.BIAS_TEXT, _format(tokenizer.merge_bias(current, entries)))


def _tokenise_and_add(endpoint: Endpoint) -> None:
    ss = st.session_state
    ss.pop(HELPER_ERROR, None)
    words = tokenizer.split_words(ss.get(WORDS, ""))
    if not words:
        ss[HELPER_ERROR] = "Words: type one or more words, separated by commas."
        return
    try:
        found = tokenizer.tokenize_words(endpoint, ss.get(state.MODEL), words, ss.get(SPACE, True))
    except tokenizer.TokenizerUnavailable as e:
        ss[HELPER_ERROR] = str(e)
        return
    ss[FOUND] = found
    _add(tokenizer.bias_for(found, ss.get(VALUE, -100)))


def _apply_pick(ids: dict[str, int]) -> None:
    ss = st.session_state
    label = ss.get(PICK)
    if label in ids:
        _add({ids[label]: float(ss.get(PICK_VALUE, 0))})


def render(endpoint: Endpoint | None, focus: str) -> None:
    with st.container(border=focus == "logit_bias", key="lab-bias"):
        st.markdown("**logit_bias**" if focus != "logit_bias" else "**▶ logit_bias**")
        ls.bound_text(st.text_area, ls.BIAS_TEXT, label="logit_bias (one `token_id: bias` per line)", height=90,
                      help="Keys are the model's token ids; bias −100 bans a token, +100 forces it.")
        _, errors = ls.logit_bias()
        for e in errors:
            st.error(e)
        dist = st.session_state.get(ls.DIST)
        if dist is not None:
            ids = {f"{show_token(c.token)} · id {c.id}": c.id for c in dist.candidates if c.id is not None}
            c1, c2, c3 = st.columns([3, 3, 2], vertical_alignment="bottom")
            c1.selectbox("Candidate", list(ids), key=PICK)
            c2.slider("bias", -100, 100, 0, key=PICK_VALUE)
            c3.button("Set", key="lab.b.bias_set", on_click=_apply_pick, args=(ids,),
                      help="Write this candidate's bias into logit_bias.")
        helper(endpoint)


def helper(endpoint: Endpoint | None) -> None:
    with st.expander("Words → token ids (the endpoint's own tokenizer)", expanded=False):
        st.text_input("Words", key=WORDS, placeholder="e.g. blue, red", help="Separated by commas.")
        c1, c2 = st.columns(2)
        c1.checkbox("also with a leading space (“ word”)", value=True, key=SPACE,
                    help="Most tokenizers give “blue” and “ blue” different ids.")
        c2.slider("bias to add", -100, 100, -100, key=VALUE)
        st.button("Tokenise and add to logit_bias", key="lab.b.bias_add", disabled=endpoint is None,
                  on_click=_tokenise_and_add, args=(endpoint,))
        err = st.session_state.get(HELPER_ERROR)
        if err:
            st.error(err)
        found = st.session_state.get(FOUND) or []
        if found:
            st.dataframe([{"text": show_token(w.text), "token ids": ", ".join(map(str, w.ids)),
                           "pieces": " | ".join(show_token(p) for p in w.pieces), "source": w.source}
                          for w in found], hide_index=True, width="stretch")
            if any(not w.single for w in found):
                st.caption("Some words are several tokens: biasing their pieces also affects other words "
                           "that contain those pieces.")
