"""The tools editor: one block per function tool (name, description, JSON-schema parameters,
strict), ready templates, import and export as JSON. Each problem is shown next to its tool,
naming the field (`tools[1].function.name`); a tools list with a problem is never sent."""
from __future__ import annotations

import json
import uuid
from typing import Any

import streamlit as st

from components.common import fragments
from paramlab.request import tools as toolslib
from paramlab.request.fields import FieldError, ValidationError

BLANK = {"type": "function", "function": {"name": "my_tool", "description": "",
                                           "parameters": {"type": "object", "properties": {}}}}


def _rows(wkey: str) -> list[str]:
    return st.session_state[f"{wkey}.rows"]


def _add(wkey: str, tool: dict) -> None:
    rid = uuid.uuid4().hex[:8]
    fn = tool.get("function") or {}
    st.session_state[f"{wkey}.{rid}.name"] = fn.get("name", "")
    st.session_state[f"{wkey}.{rid}.desc"] = fn.get("description", "")
    st.session_state[f"{wkey}.{rid}.params"] = json.dumps(fn.get("parameters", {"type": "object"}), indent=2)
    st.session_state[f"{wkey}.{rid}.strict"] = bool(fn.get("strict", False))
    _rows(wkey).append(rid)


def _add_template(wkey: str) -> None:
    name = st.session_state.get(f"{wkey}.template")
    if name in toolslib.TEMPLATES:
        _add(wkey, toolslib.TEMPLATES[name])


def _remove(wkey: str, rid: str) -> None:
    _rows(wkey).remove(rid)
    for f in ("name", "desc", "params", "strict"):
        st.session_state.pop(f"{wkey}.{rid}.{f}", None)


def _import(wkey: str) -> None:
    f = st.session_state.get(f"{wkey}.import")
    if f is None:
        return
    try:
        tools = toolslib.import_json(f.getvalue())
    except ValidationError as e:
        st.session_state[f"{wkey}.import_error"] = str(e)
        return
    st.session_state.pop(f"{wkey}.import_error", None)
    for rid in list(_rows(wkey)):
        _remove(wkey, rid)
    for t in tools:
        _add(wkey, t)


def _tool_from_row(wkey: str, rid: str) -> tuple[dict, str | None]:
    """The tool the row's fields describe, and a local JSON error for its parameters box."""
    ss = st.session_state
    fn: dict[str, Any] = {"name": ss[f"{wkey}.{rid}.name"].strip()}
    if ss[f"{wkey}.{rid}.desc"].strip():
        fn["description"] = ss[f"{wkey}.{rid}.desc"].strip()
    text, problem = ss[f"{wkey}.{rid}.params"], None
    if text.strip():
        try:
            fn["parameters"] = json.loads(text)
        except json.JSONDecodeError as e:
            fn["parameters"], problem = text, f"not valid JSON ({e.msg} at line {e.lineno})"
    if ss[f"{wkey}.{rid}.strict"]:
        fn["strict"] = True
    return {"type": "function", "function": fn}, problem


def render(wkey: str, current: Any, on: bool) -> list[dict] | None:
    """Draw the editor; returns the tools list (None when empty)."""
    if f"{wkey}.rows" not in st.session_state:
        st.session_state[f"{wkey}.rows"] = []
        for t in current or []:
            _add(wkey, t)
    st.selectbox("Template", list(toolslib.TEMPLATES), key=f"{wkey}.template", disabled=not on)
    st.button("Add tool", key=f"{wkey}.add", **fragments.hook(_add_template, wkey, event="on_click"),
              disabled=not on, icon=":material/add:", help="Add the chosen template; edit it below.")
    tools: list[dict] = []
    for i, rid in enumerate(list(_rows(wkey))):
        tool, problem = _tool_from_row(wkey, rid)
        errors: list[FieldError] = []
        toolslib.check_tools([tool], errors)
        label = f"{i + 1}. {tool['function']['name'] or '(no name)'}" + (" ⚠️" if errors else "")
        with st.expander(label, expanded=bool(errors) and on, key=f"{wkey}-{rid}-box"):
            st.text_input("Name", key=f"{wkey}.{rid}.name", **fragments.hook(), disabled=not on,
                          help=toolslib.NAME_RULE)
            st.text_input("Description", key=f"{wkey}.{rid}.desc", **fragments.hook(), disabled=not on)
            st.text_area("Parameters (JSON Schema)", key=f"{wkey}.{rid}.params", **fragments.hook(), height=140,
                         disabled=not on)
            c1, c2 = st.columns([1, 1])
            c1.checkbox("strict", key=f"{wkey}.{rid}.strict", **fragments.hook(), disabled=not on,
                        help="Arguments must follow the schema exactly.")
            c2.button("Remove", key=f"{wkey}.{rid}.rm", **fragments.hook(_remove, wkey, rid, event="on_click"),
                      disabled=not on, type="tertiary", icon=":material/delete:")
            if on and problem:
                st.error(f"tools[{i}].function.parameters: {problem}")
            for e in errors if on and not problem else ():
                st.error(str(e).replace("tools[0]", f"tools[{i}]", 1))
        tools.append(tool)
    with st.popover("Import / export", disabled=not on):
        st.file_uploader("Import tools (JSON)", type=["json"], key=f"{wkey}.import", **fragments.hook(_import, wkey))
        if st.session_state.get(f"{wkey}.import_error"):
            st.error(st.session_state[f"{wkey}.import_error"])
        st.download_button("Export tools as JSON", toolslib.export_json(tools), file_name="tools.json",
                           mime="application/json", key=f"{wkey}.export", disabled=not tools)
    return tools or None
