"""The parameter panel, generated from paramlab.request.schema: one control per parameter, each with
its range, default, explanation, whether it will be sent, and a reset."""
from __future__ import annotations

import re
from typing import Any

import streamlit as st

from components.common import backend_params, param_controls, schema_editor, section
from components.common import fragments
from components.common import state
from paramlab.backends import registry
from paramlab.request import reasoning_models, schema
from paramlab.request.schema import PARAMS, Param

JS_SAFE = 2**53 - 1  # the browser holds numbers as doubles
_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}


def escape_stop(s: str) -> str:
    """A stop sequence on one line of the text box: newlines, tabs and backslashes escaped."""
    return "".join(_ESCAPES.get(ch, ch) for ch in s)


def unescape_stop(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m.group(1), m.group(0)), s)


def _range_text(p: Param, backend: str = "other") -> str:
    parts = []
    if p.min is not None and p.max is not None and p.kind in ("float", "int") and p.name != "seed":
        parts.append(f"range {schema._fmt(p.min)}–{schema._fmt(p.max)}")
    elif p.kind == "logit_bias":
        parts.append("bias −100..100 per token id")
    elif p.kind == "stop":
        parts.append("up to 4 sequences")
    parts.append(backend_params.default_text(p, backend))  # the server's real default when known
    return " · ".join(parts)


SEED_DEFAULTS = {"n": 1, "max_tokens": 256, "max_completion_tokens": 256, "seed": 42, "top_logprobs": 5}


def widget_value(p: Param, current: Any) -> Any:
    """What the control shows for a parameter value (its default when unset)."""
    if p.kind == "float":
        return float(current if current is not None else p.default)
    if p.kind == "int":
        return int(current if current is not None else (p.default if p.default is not None
                                                         else SEED_DEFAULTS.get(p.name, 0)))
    if p.kind == "bool":
        return "false" if current is False else "true"
    if p.kind == "str":
        return current or ""
    if p.kind == "stop":
        stops = [current] if isinstance(current, str) else (current or [])
        return "\n".join(escape_stop(x) for x in stops)
    if p.kind == "logit_bias":
        if isinstance(current, str):  # text that did not parse stays as typed
            return current
        return "\n".join(f"{k}: {v:g}" for k, v in (current or {}).items())
    if p.kind == "response_format":
        return (current or {}).get("type", "text")
    return param_controls.widget_value(p, current)


def seed_widgets(params: dict[str, Any], key: str = "pp") -> None:
    """Set every control from `params` (after loading a preset or a session). Assigning through
    session_state, rather than deleting the keys, makes the browser show the new values too."""
    for name, p in PARAMS.items():
        if f"{key}.{name}.on" in st.session_state or name in schema.SAMPLING_NAMES:
            st.session_state[f"{key}.{name}.on"] = params.get(name) is not None
            _set_control(key, p, params.get(name))
        st.session_state.pop(f"{key}.{name}.v.schema", None)
        param_controls.reseed(p, params, key)
    backend_params.seed_widgets(params, key)


def bias_widget_text(key: str = "pp") -> str:
    return st.session_state.get(f"{key}.logit_bias.v", "")


def set_logit_bias(text: str, params: dict | None = None, key: str = "pp") -> None:
    """Set logit_bias from its text form (call from a callback): the field shows it, and it is sent."""
    params = st.session_state[state.PARAMS] if params is None else params
    try:
        params["logit_bias"] = schema.parse_logit_bias(text) or None
    except schema.ValidationError:
        params["logit_bias"] = text
    st.session_state[f"{key}.logit_bias.on"] = True
    st.session_state[f"{key}.logit_bias.v"] = text


def _set_control(key: str, p: Param, value: Any) -> None:
    """Set a parameter's control to `value`. An unset SIMPLE one forgets its control's value: it is
    drawn only when ticked, and the next tick starts at the server's default (_tick)."""
    if value is None and p.kind in SIMPLE:
        st.session_state.pop(f"{key}.{p.name}.v", None)
    else:
        st.session_state[f"{key}.{p.name}.v"] = widget_value(p, value)


def _reset(key: str, name: str, params: dict) -> None:
    """Unticked and forgotten: the next tick starts at the server's default again."""
    params[name] = None
    st.session_state[f"{key}.{name}.on"] = False
    _set_control(key, PARAMS[name], None)


def _n_note(params: dict, backend: str, max_n: int | None) -> None:
    n = params.get("n") or 1
    b = registry.get(backend)
    if n > 1 and b.splits_n:
        st.caption(f":orange[{b.n_note.format(n=n)}]")
    elif max_n and n > max_n:
        st.caption(f":orange[This server serves at most n={max_n} per request (n_parallel); ParamLab will "
                   f"split n={n} into several requests.]")
    elif n > 1 and b.n_note:
        st.caption(f":orange[{b.n_note.format(n=n)}]")


def _header(p: Param, params: dict, key: str, backend: str) -> bool:
    """Draw the name, 'send' toggle and reset; returns whether the value will be sent.
    Labels are plain text: a Markdown label would become the control's accessible name verbatim."""
    state.keep(f"{key}.{p.name}.on", params.get(p.name) is not None)
    # Reset only where there is something to reset: an unticked, unset parameter's row is the tick
    # alone (a columns row costs the browser as much as five plain elements on every rerun).
    resettable = bool(st.session_state.get(f"{key}.{p.name}.on")) or params.get(p.name) is not None
    c1 = c2 = st.container(horizontal=True, vertical_alignment="center") if resettable else st
    on = c1.checkbox(p.name, key=f"{key}.{p.name}.on", help=p.long, **fragments.hook(_tick, p, params, key, backend))
    if resettable:
        c2.button("Reset", type="tertiary", key=f"{key}.{p.name}.reset",
                  help=f"Reset {p.name}: not sent, server default applies",
                  **fragments.hook(_reset, key, p.name, params, event="on_click"))
    st.caption(f"{p.short} _({_range_text(p, backend)})_")
    if p.replaced_by:
        st.caption(f":orange[Deprecated — use **{p.replaced_by}**.]")
    known = registry.ignored({p.name: True}, backend).get(p.name) or backend_params.ignored_note(p.name, backend)
    if on and known:
        st.warning(f"{p.name}: {known}", icon="⚠️")
    return on


SIMPLE = ("float", "int", "bool", "str", "stop", "logit_bias")  # read back from one widget: own fragment


def _value(p: Param, key: str, on: bool) -> Any:
    """What a SIMPLE parameter's control says will be sent (None: not sent)."""
    v = st.session_state.get(f"{key}.{p.name}.v")
    if not on or v is None:
        return None
    if p.kind == "float":
        return float(v)
    if p.kind == "int":
        return int(v)
    if p.kind == "bool":
        return v == "true"
    if p.kind == "str":
        return v or None
    if p.kind == "stop":
        return [unescape_stop(x) for x in v.split("\n") if x != ""] or None
    try:  # logit_bias
        return schema.parse_logit_bias(v) or None
    except schema.ValidationError:
        return v  # kept as typed: it fails validation, so nothing stale is sent


def _start_value(p: Param, backend: str) -> Any:
    """Where a number's control starts when first ticked: what the server applied while it was
    unticked (llama.cpp reports temperature 0.8, not the API's 1), else the API's default."""
    known = backend_params.server_defaults(backend).get(p.name)
    v = known.value if known is not None else None
    if p.kind in ("float", "int") and isinstance(v, (int, float)) and not isinstance(v, bool) \
            and p.min is not None and p.max is not None and p.min <= v <= p.max:
        return float(v) if p.kind == "float" else int(v)
    return widget_value(p, None)


def _tick(p: Param, params: dict, key: str, backend: str) -> None:
    """The tick's callback: a control never set starts at the server's default, so ticking alone
    does not change what the server does."""
    if p.kind in SIMPLE:  # an unticked parameter has no control: this is where its value starts
        state.keep(f"{key}.{p.name}.v", _start_value(p, backend))
    _apply(p, params, key)


def _apply(p: Param, params: dict, key: str) -> None:
    """A change's callback: the value is in params before anything that reads it reruns."""
    if p.kind in SIMPLE:
        params[p.name] = _value(p, key, bool(st.session_state.get(f"{key}.{p.name}.on")))


def _control(p: Param, params: dict, key: str, backend: str, max_n: int | None = None,
             model: str | None = None) -> None:
    """One parameter's control. A SIMPLE one is a fragment (name, tick, reset) holding another (the
    value and its messages): moving a slider reruns only the second, plus the watched fragments
    whose view the new value changes (the whole panel when any field's message changes)."""
    if p.kind not in SIMPLE:
        _control_inline(p, params, key, backend, max_n, model)
        return
    own = f"{key}-panel{fragments.NESTED}{p.name}"
    fragments.run(own, _control_fragment, own, p, params, key, backend, max_n, model)


def _control_fragment(own: str, p: Param, params: dict, key: str, backend: str, max_n: int | None,
                      model: str | None) -> None:
    with fragments.rerunning((own,), watched=True):  # the fragment's own block holds the row
        _header(p, params, key, backend)
    inner = f"{own}{fragments.NESTED}value"
    fragments.run(inner, _value_fragment, inner, p, params, key, backend, max_n, model)


def _value_fragment(own: str, p: Param, params: dict, key: str, backend: str, max_n: int | None,
                    model: str | None) -> None:
    on = bool(st.session_state.get(f"{key}.{p.name}.on"))
    if on:  # unticked: the caption's default is what applies, and nothing is drawn to rerender
        with fragments.rerunning((own,), watched=True):
            _simple_widget(p, params, key)
    params[p.name] = _value(p, key, on)  # also without a callback (AppTest runs no fragments)
    if p.name == "n":
        _n_note(params, backend, max_n)
    _messages(p, params, backend, model)


def _control_inline(p: Param, params: dict, key: str, backend: str, max_n: int | None,
                    model: str | None) -> None:
    with st.container(key=f"{key}-{p.name}"):
        on = _header(p, params, key, backend)
        if p.kind in param_controls.KINDS:
            param_controls.render(p, params, key, on)
        elif p.kind == "response_format":
            _response_format(p, params, key, on)
        _messages(p, params, backend, model)


def _messages(p: Param, params: dict, backend: str, model: str | None) -> None:
    """After the control (today's value): the reasoning-model warning and the field's errors."""
    reasoning = reasoning_models.warnings(model, params).get(p.name)
    if reasoning:
        st.warning(f"{model} is a reasoning model: {reasoning}.", icon="🧠")
    messages = field_errors(params, backend).get(p.name)
    if messages:  # next to the field it is about
        st.error("\n\n".join(messages))


def _simple_widget(p: Param, params: dict, key: str) -> None:
    """A ticked parameter's value control (its value outlives unticking: persist_state)."""
    wkey = f"{key}.{p.name}.v"
    state.keep(wkey, widget_value(p, params.get(p.name)))
    hook = fragments.hook(_apply, p, params, key)
    if p.kind == "float":
        st.slider(p.name, min_value=float(p.min), max_value=float(p.max), step=float(p.step or 0.01),
                  key=wkey, **hook, label_visibility="collapsed", persist_state=section.KEEP)
    elif p.kind == "int":
        # Only the browser's own limits: a number input refuses a value outside its bounds and keeps
        # showing it while the old value is sent. The schema's range is checked below, by the field.
        # value= is the state's own value: the browser paints a new number box with its default
        # (else min_value, -2**53) before it applies the state's value.
        st.number_input(p.name, value=st.session_state[wkey], min_value=-JS_SAFE, max_value=JS_SAFE, step=1,
                        key=wkey, **hook, label_visibility="collapsed", persist_state=section.KEEP)
    elif p.kind == "bool":
        st.radio(p.name, ("true", "false"), key=wkey, **hook, horizontal=True,
                 label_visibility="collapsed", persist_state=section.KEEP)
    elif p.kind == "str":
        v = st.text_input(p.name, key=wkey, **hook, label_visibility="collapsed", persist_state=section.KEEP)
        if not v:
            st.caption(f":orange[{p.name}: empty, so it will not be sent]")
    elif p.kind == "stop":
        st.text_area(p.name, key=wkey, **hook, height=80, label_visibility="collapsed", persist_state=section.KEEP,
                     placeholder="one stop sequence per line (\\n for a newline)")
    else:  # logit_bias
        st.text_area(p.name, key=wkey, **hook, height=80, label_visibility="collapsed", persist_state=section.KEEP,
                     placeholder="token_id: bias, one per line — e.g. 28120: -100")


def _response_format(p: Param, params: dict, key: str, on: bool) -> None:
    wkey, current = f"{key}.{p.name}.v", params.get(p.name)
    state.keep(wkey, widget_value(p, current))
    # Three short choices as a radio, not a drop-down: since Streamlit 1.59 a selectbox's list
    # opens inside the sidebar (streamlit#16181), so near the sidebar's bottom edge focusing its
    # first option scrolls the sidebar and react-aria closes the list on that scroll: the box
    # "does not open". A radio has no pop-up to lose.
    v = st.radio(p.name, list(p.choices), key=wkey, **fragments.hook(), horizontal=True,
                 disabled=not on, label_visibility="collapsed")
    value: dict[str, Any] = {"type": v}
    if on and v == "json_schema":
        value["json_schema"] = schema_editor.render(f"{wkey}.js", (current or {}).get("json_schema"), on)
    params[p.name] = value if on else None


def render(params: dict[str, Any], backend: str, key: str = "pp",
           names: tuple[str, ...] = schema.SAMPLING_NAMES, max_n: int | None = None,
           model: str | None = None, dependents: tuple[str, ...] = ()) -> dict[str, Any]:
    """Draw the panel for `params` (edited in place and returned). `model` (default: the shared
    model) decides the reasoning-model warnings. The panel is a fragment, and each simple control
    one inside it: a slider move reruns that control and those of the page's `dependents` (keys of
    watched fragments that read the parameters) whose view it changes, never the whole page."""
    model = model if model is not None else st.session_state.get("pl.model")
    targets = (f"{key}-panel", *dependents)
    fragments.run(targets[0], _panel, params, backend, key, names, max_n, model, targets, watch=_panel_view)
    return params


def _panel_view(params: dict[str, Any], backend: str, key: str, names: tuple[str, ...], max_n: int | None,
                model: str | None, targets: tuple[str, ...]) -> Any:
    """What the panel draws that one control's change may alter elsewhere in it: any field's
    messages, the reasoning-model warnings and the notes about parameters together."""
    return field_errors(params, backend), reasoning_models.warnings(model, params), _interactions(params)


def _panel(params: dict[str, Any], backend: str, key: str, names: tuple[str, ...], max_n: int | None,
           model: str | None, targets: tuple[str, ...]) -> None:
    with fragments.rerunning(targets):
        _panel_body(params, backend, key, names, max_n, model)


def _panel_body(params: dict[str, Any], backend: str, key: str, names: tuple[str, ...],
                max_n: int | None, model: str | None) -> None:
    shown: set[str] = set()
    errors = field_errors(params, backend)
    groups = schema.iter_groups(names)
    if fragments.browser():
        slots = _open_groups(params, backend, key, groups, errors, max_n, model, shown)
    else:  # AppTest: every group as an expander, so tests find every control
        for group, plist in groups:
            with section.lazy(group, _group_key(key, group), group == "Sampling"):
                _group_controls(plist, params, key, backend, max_n, model, shown)
        slots = backend_params.render(params, backend, key)  # the backend's own samplers
    warn_interactions(params)
    for name, messages in field_errors(params, backend).items():  # next to the field they are about
        if name in shown:
            continue  # drawn by its control
        target = slots.get(name)
        text = "\n\n".join(messages)
        (target.error(text) if target is not None else st.error(text))


def _group_controls(plist: list[Param], params: dict[str, Any], key: str, backend: str, max_n: int | None,
                    model: str | None, shown: set[str]) -> None:
    """One group's controls; their names go into `shown` (each draws its own messages)."""
    for p in plist:
        _control(p, params, key, backend, max_n, model)
        shown.add(p.name)


def _group_key(key: str, group: str) -> str:
    return f"{key}-group-{group.lower().replace(' ', '-')}"


OPEN_GROUPS = "pl.open_groups."  # + a panel's key: the groups its pills had open


def _open_groups(params: dict[str, Any], backend: str, key: str, groups: list, errors: dict,
                 max_n: int | None, model: str | None, shown: set[str]) -> dict[str, Any]:
    """The groups as one row of pills, each open group drawn under it. One pills row costs the
    browser about what three buttons do on every rerun; a folding header per group cost nine."""
    titles = [g for g, _ in groups]
    backend_title = backend_params.group_title(backend)
    if backend_title:
        titles.append(backend_title)
    pick = f"{key}-groups"
    bad = [g for g, plist in groups if any(p.name in errors for p in plist)]
    if backend_title and any(n in errors for n in (o.name for o in registry.get(backend).extensions)):
        bad.append(backend_title)
    keep_open = state.bind(pick, OPEN_GROUPS + key, ["Sampling"])  # the open groups outlive a page switch
    current = [t for t in st.session_state[pick] or [] if t in titles]
    wanted = current + [t for t in bad if t not in current]  # a group with an invalid field opens
    if st.session_state.get(pick) != wanted:
        st.session_state[pick] = wanted
    # Pressed pills are the open groups; a group with an invalid field opens by itself.
    opened = st.pills("Parameter groups", titles, key=pick, selection_mode="multi", label_visibility="collapsed",
                      **keep_open)
    slots: dict[str, Any] = {}
    for group, plist in groups:
        if group in opened:
            with st.container(border=True, key=_group_key(key, group)):
                st.caption(f"**{group}**")
                _group_controls(plist, params, key, backend, max_n, model, shown)
    if backend_title and backend_title in opened:
        with st.container(border=True, key=backend_params.group_key(backend, key)):
            st.caption(f"**{backend_params.group_heading(backend)}**")
            slots = backend_params.body(params, backend, key)
    return slots


def field_errors(params: dict[str, Any], backend: str | None = None) -> dict[str, list[str]]:
    """Validation errors by field name, each message naming the field. With a backend, its own
    samplers are checked against its ranges and other backends' (hidden, never sent) are not."""
    out: dict[str, list[str]] = {}
    shown = params if backend is None else {k: v for k, v in params.items()
                                            if not registry.is_extension(k) or registry.get(backend).option(k)}
    for e in schema.validate_params(shown, backend):
        msgs = out.setdefault(re.split(r"[.\[]", e.field, maxsplit=1)[0], [])  # tools[1].function.name -> tools
        if str(e) not in msgs:
            msgs.append(str(e))
    return out


def invalid_fields(params: dict[str, Any], backend: str | None = None) -> list[str]:
    """Names of the parameters whose value cannot be sent as shown (Send is blocked while any is)."""
    return list(field_errors(params, backend))


INTERACTIONS = (
    (lambda p: p.get("temperature") not in (None, 1.0) and p.get("top_p") not in (None, 1.0), st.info,
     "Both temperature and top_p are changed: their effects compound. Usually change one.", "ℹ️"),
    (lambda p: p.get("top_logprobs") is not None and p.get("logprobs") is not True, st.warning,
     "top_logprobs needs logprobs = true.", "⚠️"),
    (lambda p: p.get("max_tokens") is not None and p.get("max_completion_tokens") is not None, st.info,
     "Both max_tokens and max_completion_tokens are set; OpenAI rejects that on some models.", "ℹ️"),
)


def _interactions(params: dict[str, Any]) -> tuple[bool, ...]:
    return tuple(bool(applies(params)) for applies, *_ in INTERACTIONS)


def warn_interactions(params: dict[str, Any]) -> None:
    for (_, show, text, icon), applies in zip(INTERACTIONS, _interactions(params)):
        if applies:
            show(text, icon=icon)


def sent_summary(params: dict[str, Any]) -> str:
    sent = schema.normalise({k: v for k, v in params.items() if k in PARAMS})
    return ", ".join(f"{k}={v}" for k, v in sent.items() if k not in ("stream", "stream_options")) or "server defaults"
