"""View code: the exact request as curl, Python requests and the openai SDK (key from an env var)."""
from __future__ import annotations

import streamlit as st

from components.common import section

from paramlab.request import codegen
from paramlab.settings import Endpoint


def is_open(key: str = "code") -> bool:
    return bool(st.session_state.get(f"{key}-box"))


def render(endpoint: Endpoint | None, last_body: dict | None, next_body: dict | None, key: str = "code") -> None:
    with section.lazy("</> View code", f"{key}-box") as shown:  # closed: nothing to redraw
        if not shown:
            return
        if endpoint is None or (last_body is None and next_body is None):
            st.caption("Type a message or send one to see the request as code.")
            return
        options = [o for o, b in (("Last request sent", last_body), ("Next request (current settings)", next_body))
                   if b is not None]
        which = st.radio("Request", options, horizontal=True, key=f"{key}.which")
        body = last_body if which == options[0] and last_body is not None else next_body
        key_env = st.text_input("Environment variable holding the API key", value=codegen.DEFAULT_KEY_ENV,
                                key=f"{key}.env", help="The snippets read the key from it; it is never inlined.")
        key_env = key_env.strip() or codegen.DEFAULT_KEY_ENV
        if not key_env.replace("_", "").isalnum():
            st.error("key variable: use letters, digits and _ only")
            key_env = codegen.DEFAULT_KEY_ENV
        tabs = st.tabs(list(codegen.SNIPPETS))
        for tab, (label, (fn, lang)) in zip(tabs, codegen.SNIPPETS.items()):
            with tab:
                st.code(fn(body, endpoint.base_url, has_key=bool(endpoint.api_key), key_env=key_env,
                           organization=endpoint.organization), language=lang)
        if not endpoint.api_key:
            st.caption("This endpoint needs no key, so the snippets send no Authorization header.")
