"""Words → token ids, with the endpoint's own tokenizer: the helper for logit_bias, shared by the
Playground and the Distribution Lab. The page says what to do with the ids (`on_add`)."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from components.common import section, state
from paramlab.lab import tokenizer
from paramlab.lab.next_token import show_token
from paramlab.request import schema
from paramlab.settings import Endpoint

OnAdd = Callable[[dict[int, float]], None]


class Keys:
    """The helper's session keys under a page's prefix (the Lab keeps its historical `lab.` keys)."""

    def __init__(self, prefix: str):
        self.words, self.space, self.value = f"{prefix}.w.bias_words", f"{prefix}.w.bias_space", f"{prefix}.w.bias_value"
        self.found, self.error, self.button = f"{prefix}.bias_found", f"{prefix}.bias_error", f"{prefix}.b.bias_add"


def format_bias(bias: dict[int, float]) -> str:
    return "\n".join(f"{i}: {v:g}" for i, v in bias.items())


def bias_text_with(text: str, entries: dict[int, float]) -> str:
    """logit_bias text with `entries` merged in; text that does not parse is kept and appended to."""
    try:
        current = schema.parse_logit_bias(text)
    except schema.ValidationError:
        return text.rstrip() + "\n" + format_bias(entries)
    return format_bias(tokenizer.merge_bias(current, entries))


def _tokenise_and_add(keys: Keys, on_add: OnAdd) -> None:
    ss = st.session_state
    ss.pop(keys.error, None)
    endpoint = state.endpoint_now()  # read when clicked: a pick in the same run counts
    if endpoint is None:
        return
    words = tokenizer.split_words(ss.get(keys.words, ""))
    if not words:
        ss[keys.error] = "Words: type one or more words, separated by commas."
        return
    try:
        found = tokenizer.tokenize_words(endpoint, ss.get(state.MODEL), words, ss.get(keys.space, True))
    except tokenizer.TokenizerUnavailable as e:
        ss[keys.error] = str(e)
        return
    ss[keys.found] = found
    on_add(tokenizer.bias_for(found, ss.get(keys.value, -100)))


def render(endpoint: Endpoint | None, prefix: str, on_add: OnAdd, target: str = "logit_bias") -> None:
    keys = Keys(prefix)
    keep = section.KEEP
    with section.lazy("Words → token ids (the endpoint's own tokenizer)", f"{prefix}-token-ids") as shown:
        if not shown:
            return
        st.text_input("Words", key=keys.words, placeholder="e.g. blue, red", help="Separated by commas.",
                      persist_state=keep)
        c1, c2 = st.columns(2)
        c1.checkbox("also with a leading space (“ word”)", value=True, key=keys.space, persist_state=keep,
                    help="Most tokenizers give “blue” and “ blue” different ids.")
        c2.slider("bias to add", -100, 100, -100, key=keys.value, persist_state=keep)
        st.button(f"Tokenise and add to {target}", key=keys.button, disabled=endpoint is None,
                  on_click=_tokenise_and_add, args=(keys, on_add))
        err = st.session_state.get(keys.error)
        if err:
            st.error(err)
        found = st.session_state.get(keys.found) or []
        if found:
            st.dataframe([{"text": show_token(w.text), "token ids": ", ".join(map(str, w.ids)),
                           "pieces": " | ".join(show_token(p) for p in w.pieces), "source": w.source}
                          for w in found], hide_index=True, width="stretch")
            if any(not w.single for w in found):
                st.caption("Some words are several tokens: biasing their pieces also affects other words "
                           "that contain those pieces.")
