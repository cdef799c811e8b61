"""Session keys of the Distribution Lab and the settings it reshapes with.

Canonical values live in plain session_state keys (prefix `lab.`), widgets (prefix `lab.w.`)
are seeded from them, so leaving the page and coming back keeps everything.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from components.common import fragments
from components.common import state as common_state

from paramlab.backends import registry
from paramlab.lab import guide_backends
from paramlab.lab import reshape
from paramlab.request import schema
from paramlab.lab.guide import ENTRIES
from paramlab.lab.next_token import show_token
from paramlab.safety.markdown import safe_markdown
from paramlab.request.schema import PARAMS

PARAM = "lab.param"          # the parameter in focus (set by the Guide's links)
SYSTEM = "lab.system"
USER = "lab.user"
PREFIX = "lab.prefix"        # assistant text the next token continues
DIST = "lab.dist"            # paramlab.lab.next_token.NextToken last fetched
DIST_ERROR = "lab.dist_error"
SETTINGS = "lab.settings"    # temperature, top_p, presence_penalty, frequency_penalty, order
BIAS_TEXT = "lab.bias_text"  # logit_bias as typed ("id: bias" lines)
HISTORY_TEXT = "lab.history_text"
HISTORY_IDS = "lab.history_ids"  # (text, ids) of the last tokenised history
SAMPLE = "lab.sample"        # {"n": 100, "seed": int} or None
STEPS = "lab.steps"          # paramlab.lab.next_token.StepRun
SEED = "lab.seed"
SENT = "lab.sent"            # ChatResult of the last "send with these settings"

DEFAULT_SETTINGS = {"temperature": 1.0, "top_p": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0,
                    "top_k": 0, "min_p": 0.0, "typical_p": 1.0}
CHECK = "lab.engine_check"   # paramlab.lab.engine_check.Comparison of the last check (or an error text)


def default_order(backend: str) -> str:
    """The backend's sampler chain (from the registry) decides the Lab's order."""
    return reshape.order_for(backend)


def init(backend: str = "other") -> None:
    ss = st.session_state
    ss.setdefault(PARAM, "temperature")
    ss.setdefault(SYSTEM, "You are a helpful assistant.")
    ss.setdefault(USER, "Name a colour.")
    ss.setdefault(PREFIX, "")
    ss.setdefault(SETTINGS, {**DEFAULT_SETTINGS, "order": default_order(backend)})
    for k, v in DEFAULT_SETTINGS.items():  # settings saved before top_k / min_p / typical_p existed
        ss[SETTINGS].setdefault(k, v)
    ss.setdefault(BIAS_TEXT, "")
    ss.setdefault(HISTORY_TEXT, "")
    ss.setdefault(SEED, 1)
    ss.setdefault(SAMPLE, None)
    wanted = st.query_params.get("param")
    if wanted in PARAMS and wanted in ENTRIES or wanted in guide_backends.LAB:
        ss[PARAM] = wanted


def messages() -> list[dict[str, str]]:
    ss = st.session_state
    msgs = [{"role": "system", "content": ss[SYSTEM]}] if ss[SYSTEM].strip() else []
    return msgs + [{"role": "user", "content": ss[USER]}]


def logit_bias() -> tuple[dict[int, float], list[str]]:
    """The typed logit_bias and any errors (naming the field); the text itself is never lost."""
    try:
        return schema.parse_logit_bias(st.session_state[BIAS_TEXT]), []
    except schema.ValidationError as e:
        return {}, [str(err) for err in e.errors]


def history_ids() -> list[int]:
    cached = st.session_state.get(HISTORY_IDS)
    return list(cached[1]) if cached and cached[0] == st.session_state[HISTORY_TEXT] else []


_MD_SPECIAL = "\\`*_{}[]()#+-.!|~"


def md_token(token: str) -> str:
    """A token as inline Markdown text: visible whitespace, Markdown and HTML neutralised."""
    shown = "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in show_token(token))
    return "“" + safe_markdown(shown) + "”"


def settings(extra_history: tuple[int, ...] = ()) -> reshape.Settings:
    s = st.session_state[SETTINGS]
    bias, _ = logit_bias()
    return reshape.Settings(s["temperature"], s["top_p"], s["presence_penalty"], s["frequency_penalty"],
                            bias, tuple(history_ids()) + tuple(extra_history), s["order"],
                            int(s["top_k"]), float(s["min_p"]), float(s["typical_p"]))


LAB_OFF = {"top_k": 0, "min_p": 0.0, "typical_p": 1.0}  # the Lab's "off" for each cut-off


def request_params(max_tokens: int = 60, backend: str | None = None) -> dict[str, Any]:
    """The Lab's settings as request parameters (for 'send with these settings'). The cut-offs are
    always sent (as "off" too), so a server's own defaults (llama.cpp's top_k 40, min_p 0.05) do not
    apply behind the Lab's back; build_body keeps them only for a backend that accepts them."""
    s = st.session_state[SETTINGS]
    bias, _ = logit_bias()
    return {"temperature": s["temperature"], "top_p": s["top_p"], "presence_penalty": s["presence_penalty"],
            "frequency_penalty": s["frequency_penalty"], "logit_bias": bias or None, "max_tokens": max_tokens,
            "logprobs": True, "top_logprobs": 5, "seed": int(st.session_state[SEED]),
            **{name: _cut_off(name, s[name], backend) for name in LAB_OFF}}


def _cut_off(name: str, value: Any, backend: str | None) -> Any:
    """The Lab's value, with its "off" spelled the way the backend wants it (top_k −1 on vLLM)."""
    opt = registry.get(backend).option(name) if backend else None
    if opt is not None and opt.off is not None and value == LAB_OFF[name]:
        return opt.off
    return int(value) if name == "top_k" else float(value)


def bound(widget, name: str, **kwargs):
    """A widget for SETTINGS[name], seeded from it and writing back to it (inside a fragment's
    `fragments.rerunning` block: then only the watched fragments its change alters rerun too)."""
    wkey = f"lab.w.{name}"
    common_state.keep(wkey, st.session_state[SETTINGS][name])
    return widget(key=wkey, **fragments.hook(_save, name, wkey), **kwargs)


def _save(name: str, wkey: str) -> None:
    st.session_state[SETTINGS][name] = st.session_state[wkey]


def view() -> tuple | None:
    """What a reshaped distribution shown in the page depends on (None while none is shown)."""
    ss = st.session_state
    if ss.get(DIST) is None and not ss.get(STEPS):
        return None
    return tuple(sorted(ss[SETTINGS].items())), ss.get(BIAS_TEXT, ""), tuple(history_ids())


def bound_text(widget, key: str, **kwargs):
    """A text widget for a plain session key."""
    wkey = f"lab.w.{key}"

    def save():
        st.session_state[key] = st.session_state[wkey]
    common_state.keep(wkey, st.session_state[key])
    # value= too: a number box is first painted with its default, before the state's value arrives
    return widget(key=wkey, value=st.session_state[wkey], on_change=save, **kwargs)


def set_text(key: str, value: str) -> None:
    """Change a text key and its widget (call from a callback, before the widget is drawn)."""
    st.session_state[key] = value
    st.session_state[f"lab.w.{key}"] = value
