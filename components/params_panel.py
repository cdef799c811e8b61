"""The parameter panel, generated from paramlab.schema: one control per parameter, each with
its range, default, explanation, whether it will be sent, and a reset."""
from __future__ import annotations

import json
from typing import Any

import streamlit as st

from paramlab import schema
from paramlab.schema import PARAMS, Param

JS_SAFE = 2**53 - 1  # the browser holds numbers as doubles


def clear_widgets(key: str) -> None:
    """Forget widget state under `key` so the controls re-seed from the params dict
    (after loading a preset, for example)."""
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{key}.")]:
        del st.session_state[k]


def _range_text(p: Param) -> str:
    parts = []
    if p.min is not None and p.max is not None and p.kind in ("float", "int") and p.name != "seed":
        parts.append(f"range {schema._fmt(p.min)}–{schema._fmt(p.max)}")
    elif p.kind == "logit_bias":
        parts.append("bias −100..100 per token id")
    elif p.kind == "stop":
        parts.append("up to 4 sequences")
    parts.append("server default" if p.default is None else f"default {p.default}")
    return " · ".join(parts)


def _reset(key: str, name: str, params: dict) -> None:
    params[name] = None
    for suffix in (".on", ".v"):
        st.session_state.pop(f"{key}.{name}{suffix}", None)


def _header(p: Param, params: dict, key: str, backend: str) -> bool:
    """Draw the name, 'send' toggle and reset; returns whether the value will be sent."""
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    on = c1.checkbox(f"**{p.name}**", value=params.get(p.name) is not None, key=f"{key}.{p.name}.on",
                     help=p.long)
    c2.button("↺", key=f"{key}.{p.name}.reset", help=f"Reset {p.name}: not sent, server default applies",
              on_click=_reset, args=(key, p.name, params), disabled=params.get(p.name) is None and not on)
    st.caption(f"{p.short} _({_range_text(p)})_")
    if on and backend in p.ignored_by:
        st.warning(p.backend_note or f"{backend} ignores {p.name}", icon="⚠️")
    return on


def _control(p: Param, params: dict, key: str, backend: str) -> None:
    on = _header(p, params, key, backend)
    current = params.get(p.name)
    wkey = f"{key}.{p.name}.v"
    if p.kind == "float":
        v = st.slider(p.name, min_value=float(p.min), max_value=float(p.max), step=float(p.step or 0.01),
                      value=float(current if current is not None else p.default), key=wkey, disabled=not on,
                      label_visibility="collapsed")
        params[p.name] = float(v) if on else None
    elif p.kind == "int":
        seed_default = {"n": 1, "max_tokens": 256, "max_completion_tokens": 256, "seed": 42, "top_logprobs": 5}
        start = current if current is not None else (p.default if p.default is not None else seed_default.get(p.name, 0))
        v = st.number_input(p.name, min_value=max(int(p.min), -JS_SAFE), max_value=min(int(p.max), JS_SAFE), step=1,
                            value=int(start), key=wkey,
                            disabled=not on, label_visibility="collapsed")
        params[p.name] = int(v) if on else None
    elif p.kind == "bool":
        v = st.radio(p.name, ("true", "false"), index=0 if current in (None, True) else 1, key=wkey,
                     disabled=not on, horizontal=True, label_visibility="collapsed")
        params[p.name] = (v == "true") if on else None
    elif p.kind == "str":
        v = st.text_input(p.name, value=current or "", key=wkey, disabled=not on, label_visibility="collapsed")
        params[p.name] = v if on and v else None
        if on and not v:
            st.caption(f":orange[{p.name}: empty, so it will not be sent]")
    elif p.kind == "stop":
        stops = [current] if isinstance(current, str) else (current or [])
        text = st.text_area(p.name, value="\n".join(stops), key=wkey, disabled=not on, height=80,
                            placeholder="one stop sequence per line (\\n for a newline)",
                            label_visibility="collapsed")
        items = [s.encode("utf-8").decode("unicode_escape") if "\\" in s else s
                 for s in text.split("\n") if s != ""]
        params[p.name] = items if on and items else None
    elif p.kind == "logit_bias":
        text_now = "\n".join(f"{k}: {v:g}" for k, v in (current or {}).items())
        text = st.text_area(p.name, value=text_now, key=wkey, disabled=not on, height=80,
                            placeholder="token_id: bias, one per line — e.g. 28120: -100",
                            label_visibility="collapsed")
        if on:
            try:
                params[p.name] = schema.parse_logit_bias(text) or None
            except schema.ValidationError as e:
                st.error(str(e))
                params[p.name] = current
        else:
            params[p.name] = None
    elif p.kind == "response_format":
        kinds = list(p.choices)
        kind = (current or {}).get("type", "text")
        v = st.selectbox(p.name, kinds, index=kinds.index(kind) if kind in kinds else 0, key=wkey,
                         disabled=not on, label_visibility="collapsed")
        value: dict[str, Any] = {"type": v}
        if on and v == "json_schema":
            schema_now = json.dumps((current or {}).get("json_schema") or {
                "name": "answer", "schema": {"type": "object", "properties": {"answer": {"type": "string"}},
                                             "required": ["answer"]}}, indent=2)
            text = st.text_area("json_schema", value=schema_now, key=f"{wkey}.schema", height=140)
            try:
                value["json_schema"] = json.loads(text)
            except json.JSONDecodeError as e:
                st.error(f"response_format.json_schema: not valid JSON ({e.msg} at line {e.lineno})")
        params[p.name] = value if on else None


def render(params: dict[str, Any], backend: str, key: str = "pp",
           names: tuple[str, ...] = schema.SAMPLING_NAMES) -> dict[str, Any]:
    """Draw the panel for `params` (edited in place and returned)."""
    for group, plist in schema.iter_groups(names):
        with st.expander(group, expanded=group == "Sampling"):
            for p in plist:
                _control(p, params, key, backend)
    warn_interactions(params)
    errors = schema.validate_params(params)
    for e in errors:
        st.error(str(e))
    return params


def warn_interactions(params: dict[str, Any]) -> None:
    if params.get("temperature") not in (None, 1.0) and params.get("top_p") not in (None, 1.0):
        st.info("Both temperature and top_p are changed: their effects compound. Usually change one.", icon="ℹ️")
    if params.get("top_logprobs") is not None and params.get("logprobs") is not True:
        st.warning("top_logprobs needs logprobs = true.", icon="⚠️")
    if params.get("max_tokens") is not None and params.get("max_completion_tokens") is not None:
        st.info("Both max_tokens and max_completion_tokens are set; OpenAI rejects that on some models.", icon="ℹ️")


def sent_summary(params: dict[str, Any]) -> str:
    sent = schema.normalise({k: v for k, v in params.items() if k in PARAMS})
    return ", ".join(f"{k}={v}" for k, v in sent.items() if k not in ("stream", "stream_options")) or "server defaults"
