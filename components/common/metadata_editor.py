"""The metadata editor: one `key: value` pair per line (or a JSON object). Limits are checked by
the schema (16 pairs, keys ≤ 64, values ≤ 512 characters) and shown next to the box."""
from __future__ import annotations

import json
from typing import Any

import streamlit as st

from components.common import fragments, state


def to_text(v: Any) -> str:
    return "\n".join(f"{k}: {val}" for k, val in v.items()) if isinstance(v, dict) else ""


def parse(text: str) -> tuple[dict[str, Any], list[str]]:
    """The pairs in the box, and any lines that are not `key: value`."""
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
            return (data, []) if isinstance(data, dict) else ({}, ["a JSON object is needed"])
        except json.JSONDecodeError as e:
            return {}, [f"not valid JSON ({e.msg})"]
    out: dict[str, Any] = {}
    bad: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        key, sep, val = line.partition(":")
        if not sep or not key.strip():
            bad.append(f"line {n} is not key: value")
        elif key.strip() in out:
            bad.append(f"line {n}: key {key.strip()!r} appears twice")
        else:
            out[key.strip()] = val.strip()
    return out, bad


def render(wkey: str, current: Any, on: bool) -> dict | None:
    state.keep(wkey, to_text(current))
    text = st.text_area("metadata", key=wkey, **fragments.hook(), disabled=not on, height=90,
                        label_visibility="collapsed",
                        placeholder="one key: value per line, e.g.\nproject: paramlab\nrun: 42")
    pairs, bad = parse(text)
    if on:
        for b in bad:
            st.error(f"metadata: {b}")
        st.caption(f"{len(pairs)} of 16 pairs")
    if bad and on:
        return text  # kept as typed: validation refuses it, so the readable lines alone are never sent
    return pairs or None
