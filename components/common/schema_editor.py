"""The json_schema editor of response_format: name, description, strict and the schema as JSON,
with ready examples. Problems are shown next to the field they concern."""
from __future__ import annotations

import json
from typing import Any

import streamlit as st

from components.common import fragments, state

from paramlab.request import structured

CUSTOM = "(your own)"


def _load_example(wkey: str) -> None:
    ex = structured.EXAMPLES.get(st.session_state[f"{wkey}.example"])
    if ex:
        st.session_state[f"{wkey}.name"] = ex["name"]
        st.session_state[f"{wkey}.strict"] = bool(ex.get("strict"))
        st.session_state[f"{wkey}.schema"] = json.dumps(ex["schema"], indent=2)


def render(wkey: str, current: Any, on: bool) -> dict:
    """The json_schema object built from the fields (with the raw text when it is not JSON)."""
    cur = current if isinstance(current, dict) else structured.EXAMPLES["person"]
    state.keep(f"{wkey}.name", cur.get("name", "answer"))
    state.keep(f"{wkey}.strict", bool(cur.get("strict", True)))
    state.keep(f"{wkey}.schema", json.dumps(cur.get("schema", {}), indent=2))
    state.keep(f"{wkey}.description", cur.get("description", ""))
    st.selectbox("Start from an example", (CUSTOM, *structured.EXAMPLES), key=f"{wkey}.example",
                 **fragments.hook(_load_example, wkey), disabled=not on)
    name = st.text_input("Schema name", key=f"{wkey}.name", **fragments.hook(), disabled=not on)
    strict = st.checkbox("strict", key=f"{wkey}.strict", **fragments.hook(), disabled=not on,
                         help="Ask the server to follow the schema exactly (constrained decoding).")
    desc = st.text_input("Description (optional)", key=f"{wkey}.description", **fragments.hook(), disabled=not on)
    text = st.text_area("Schema (JSON Schema)", key=f"{wkey}.schema", **fragments.hook(), height=160, disabled=not on)
    js: dict[str, Any] = {"name": name, "strict": strict}
    if desc.strip():
        js["description"] = desc.strip()
    try:
        js["schema"] = json.loads(text)
    except json.JSONDecodeError as e:
        js["schema"] = text  # refused by validation: nothing is sent
        if on:
            st.error(f"response_format.json_schema.schema: not valid JSON ({e.msg} at line {e.lineno})")
    return js
