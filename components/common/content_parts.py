"""Content parts a reply carried that ParamLab has no view for (anything but text, thinking and
refusal): named in the inspector so nothing the server sent goes unseen."""
from __future__ import annotations

import json

import streamlit as st

from paramlab.client.result import ChatResult


def note(result: ChatResult) -> None:
    parts = [(c.index, p) for c in result.choices for p in c.extra_parts]
    if not parts:
        return
    kinds = sorted({str(p.get("type") or "untyped") for _, p in parts})
    st.caption(f"The reply also held {len(parts)} content part(s) of type {', '.join(kinds)} that are not "
               "shown as text: they are below and in the raw response.")
    st.code(json.dumps([{"choice": i, **p} for i, p in parts], indent=2, ensure_ascii=False)[:20_000],
            language="json")
