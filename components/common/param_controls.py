"""Controls for today's parameters whose value is a choice or a structure (reasoning effort,
tool choice, audio, prediction, web search, metadata, tools, json_schema). The params panel calls
`render` for these kinds; each widget keeps its key under the panel's key (`pp.audio.voice`)."""
from __future__ import annotations

import json
from typing import Any

import streamlit as st

from components.common import fragments, state

from components.common import metadata_editor, tools_editor
from paramlab.request import checks
from paramlab.request.schema import Param

KINDS = ("choice", "tool_choice", "modalities", "audio", "prediction", "web_search_options", "metadata",
         "tools", "functions", "function_call")
UNSET = "(not set)"
FIRST_CHOICE = {"reasoning_effort": "medium", "verbosity": "medium", "service_tier": "auto"}  # when ticked
RADIO_MAX = 8  # up to this many options: a radio, never a drop-down (see choose)


def choose(label: str, options, key: str, on: bool, collapsed: bool = True, container=st) -> Any:
    """One choice in the sidebar. Since Streamlit 1.59 a drop-down's list opens inside the sidebar
    (streamlit#16181): near its bottom edge, opening it scrolls the sidebar and the list closes at
    once, so the first click seems to do nothing. A radio has no list to lose; only a long list
    (the 13 voices) stays a drop-down."""
    kw = dict(key=key, **fragments.hook(), disabled=not on,
              label_visibility="collapsed" if collapsed else "visible")
    if len(options) <= RADIO_MAX:
        return container.radio(label, list(options), horizontal=True, **kw)
    return container.selectbox(label, list(options), **kw)


def render(p: Param, params: dict, key: str, on: bool) -> None:
    """Draw the control for `p` and write its value (None when not ticked) into params."""
    wkey, current = f"{key}.{p.name}.v", params.get(p.name)
    value: Any = None
    if p.kind == "choice":
        state.keep(wkey, current if current in p.choices else FIRST_CHOICE.get(p.name, p.choices[0]))
        value = choose(p.name, p.choices, wkey, on)
    elif p.kind == "tool_choice":
        value = _tool_choice(params, wkey, current, on)
    elif p.kind == "modalities":
        state.keep(wkey, "text+audio" if isinstance(current, list) and "audio" in current else "text")
        # two choices: a radio (a sidebar drop-down near the bottom edge closes as it opens; see
        # params_panel's response_format)
        v = st.radio(p.name, p.choices, key=wkey, **fragments.hook(), disabled=not on, horizontal=True,
                     label_visibility="collapsed")
        value = ["text", "audio"] if v == "text+audio" else ["text"]
    elif p.kind == "audio":
        cur = current if isinstance(current, dict) else {}
        state.keep(f"{wkey}.voice", cur.get("voice", "alloy"))
        state.keep(f"{wkey}.format", cur.get("format", "wav"))
        voice = choose("voice", checks.VOICES, f"{wkey}.voice", on, collapsed=False)
        fmt = choose("format", checks.AUDIO_FORMATS, f"{wkey}.format", on, collapsed=False)
        value = {"voice": voice, "format": fmt}
    elif p.kind == "prediction":
        state.keep(wkey, (current or {}).get("content", "") if isinstance(current, dict) else "")
        text = st.text_area(p.name, key=wkey, **fragments.hook(), disabled=not on, height=80, label_visibility="collapsed",
                            placeholder="the text the reply will mostly repeat")
        value = {"type": "content", "content": text} if text else None
        if on and not text:
            st.caption(f":orange[{p.name}: empty, so it will not be sent]")
    elif p.kind == "web_search_options":
        value = _web_search(wkey, current, on)
    elif p.kind == "metadata":
        value = metadata_editor.render(wkey, current, on)
    elif p.kind == "tools":
        value = tools_editor.render(wkey, current, on)
    elif p.kind == "functions":
        value = _json_box(p.name, wkey, current, on, "[{\"name\": \"get_time\", \"parameters\": {\"type\": \"object\"}}]")
    elif p.kind == "function_call":
        names = [f.get("name") for f in params.get("functions") or [] if isinstance(f, dict)]
        opts = ["auto", "none", *[n for n in names if n]]
        state.keep(wkey, current.get("name") if isinstance(current, dict) else current or "auto")
        if st.session_state[wkey] not in opts:
            st.session_state[wkey] = "auto"
        v = choose(p.name, opts, wkey, on)
        value = v if v in ("auto", "none") else {"name": v}
    params[p.name] = value if on else None


def _tool_choice(params: dict, wkey: str, current: Any, on: bool) -> Any:
    names = [t["function"]["name"] for t in params.get("tools") or []
             if isinstance(t, dict) and isinstance(t.get("function"), dict) and t["function"].get("name")]
    opts = ["auto", "none", "required", *[f"function: {n}" for n in names]]
    cur = f"function: {current['function']['name']}" if isinstance(current, dict) and isinstance(
        current.get("function"), dict) else current or "auto"
    state.keep(wkey, cur)
    if st.session_state[wkey] not in opts:
        st.session_state[wkey] = "auto"  # the named tool was removed
    v = choose("tool_choice", opts, wkey, on)
    if v.startswith("function: "):
        return {"type": "function", "function": {"name": v.removeprefix("function: ")}}
    return v


def _web_search(wkey: str, current: Any, on: bool) -> dict:
    cur = current if isinstance(current, dict) else {}
    approx = ((cur.get("user_location") or {}).get("approximate") or {})
    state.keep(f"{wkey}.size", cur.get("search_context_size", UNSET))
    size = choose("search_context_size", (UNSET, *checks.CONTEXT_SIZES), f"{wkey}.size", on, collapsed=False)
    st.caption("Approximate user location (optional)")
    cols = st.columns(2)
    loc = {}
    for i, f in enumerate(checks.LOCATION_FIELDS):
        state.keep(f"{wkey}.{f}", approx.get(f, ""))
        v = cols[i % 2].text_input(f, key=f"{wkey}.{f}", **fragments.hook(), disabled=not on,
                                   placeholder={"country": "FR", "timezone": "Europe/Paris"}.get(f, ""))
        if v.strip():
            loc[f] = v.strip()
    value: dict[str, Any] = {}
    if size != UNSET:
        value["search_context_size"] = size
    if loc:
        value["user_location"] = {"type": "approximate", "approximate": loc}
    return value


def _json_box(name: str, wkey: str, current: Any, on: bool, placeholder: str) -> Any:
    state.keep(wkey, json.dumps(current, indent=2) if current is not None else "")
    text = st.text_area(name, key=wkey, **fragments.hook(), disabled=not on, height=100, placeholder=placeholder,
                        label_visibility="collapsed")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        if on:
            st.error(f"{name}: not valid JSON ({e.msg} at line {e.lineno})")
        return text  # kept as text: validation refuses it, so nothing is sent


COMPOUND = ("audio", "web_search_options", "tools")  # several widgets under `<key>.<name>.v.`


def widget_value(p: Param, current: Any) -> Any:
    """What the single control of a simple kind shows for a parameter value."""
    from components.common import metadata_editor
    if p.kind == "choice":
        return current if current in p.choices else FIRST_CHOICE.get(p.name, p.choices[0])
    if p.kind == "modalities":
        return "text+audio" if isinstance(current, list) and "audio" in current else "text"
    if p.kind == "tool_choice":
        if isinstance(current, dict) and isinstance(current.get("function"), dict):
            return f"function: {current['function'].get('name')}"
        return current or "auto"
    if p.kind == "prediction":
        return current.get("content", "") if isinstance(current, dict) else ""
    if p.kind == "metadata":
        return metadata_editor.to_text(current)
    if p.kind == "functions":
        return json.dumps(current, indent=2) if current is not None else ""
    if p.kind == "function_call":
        return current.get("name") if isinstance(current, dict) else current or "auto"
    return current


def reseed(p: Param, params: dict, key: str) -> None:
    """After a preset or session load: compound editors forget their widgets and start over."""
    prefix = f"{key}.{p.name}.v."
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[k]
