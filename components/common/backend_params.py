"""The parameter panel's backend group: the extension samplers the chosen backend accepts (declared
in paramlab.backends), the defaults its server really applies, and what the endpoint was found to
ignore. Called by params_panel with one line; keys follow the panel's (`{key}.{name}.on/.v`)."""
from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

from components.common import fragments, section, state

from paramlab.backends import defaults as server_defaults_mod
from paramlab.backends import llamacpp, registry
from paramlab.backends.defaults import ServerDefault
from paramlab.backends.options import Option, fmt
from paramlab.request.schema import Param

ENDPOINT_KEY = "pl.endpoint"  # components.common.state.ENDPOINT (not imported: state imports the panel's pages)


@st.cache_data(ttl=300, show_spinner=False, max_entries=32)
def _props(base_url: str, identity: str, _endpoint: Any) -> dict | None:
    try:
        return llamacpp.props(_endpoint, 3.0)
    except Exception:  # noqa: BLE001 - no /props: the documented defaults are shown instead
        return None


def _endpoint_of(backend: str) -> Any:
    from components.common import state  # late: state is imported by the pages first
    try:
        ep = state.resolve_endpoint(st.session_state.get(ENDPOINT_KEY))
    except Exception:  # noqa: BLE001 - no endpoint, no server defaults
        return None
    return ep if ep.backend == backend else None


def max_n(endpoint: Any) -> int | None:
    """Choices one request may ask for: llama.cpp's parallel slots (the embedded engine's n_parallel,
    any other llama.cpp server's /props total_slots); None where the server cannot say."""
    if endpoint is None:
        return None
    if endpoint.embedded:
        from paramlab.backends.engine import get_engine
        info = get_engine().info
        return info.n_parallel if info else None
    if not registry.for_endpoint(endpoint).defaults_from_props:
        return None
    identity = hashlib.sha256(endpoint.api_key.reveal().encode()).hexdigest()
    return llamacpp.slots_from_props(_props(endpoint.base_url, identity, endpoint))


def server_defaults(backend: str) -> dict[str, ServerDefault]:
    """What the chosen endpoint's server applies to each parameter left unticked."""
    b = registry.get(backend)
    props = None
    if b.defaults_from_props:
        ep = _endpoint_of(backend)
        if ep is not None:
            identity = hashlib.sha256(ep.api_key.reveal().encode()).hexdigest()
            props = _props(ep.base_url, identity, ep)
    return server_defaults_mod.server_defaults(b, props)


def default_text(p: Param, backend: str) -> str:
    """For the panel's caption: the server's real default when known, else the API's, else what
    the server does when the field is left out."""
    known = server_defaults(backend).get(p.name)
    if known is not None:
        return known.text()
    if p.default is not None:
        return f"default {p.default}"
    return f"unset: {p.unset}" if p.unset else "unset: the server decides"


def ignored_note(name: str, backend: str) -> str | None:
    """'ignored by this endpoint (checked <date>)' from the endpoint's last honour check."""
    from components.common import honour_notes
    return honour_notes.note(name, backend)


def _widget_value(o: Option, current: Any, shown_default: Any) -> Any:
    base = current if current is not None else (shown_default if shown_default is not None else o.default)
    if o.kind == "float":
        return float(base if isinstance(base, (int, float)) else (o.min or 0.0))
    if o.kind == "int":
        return int(base if isinstance(base, (int, float)) and not isinstance(base, bool) else (o.min or 0))
    if o.kind == "bool":
        return "true" if base is True else "false"
    if o.kind == "str":
        return current if isinstance(current, str) else ""
    if o.kind == "int_list":
        return current if isinstance(current, str) else ", ".join(map(str, current or []))
    if o.kind == "str_list":
        return current if isinstance(current, str) else "\n".join(current or [])
    if o.kind == "choice_list":
        return [c for c in (current or base or []) if c in o.choices]
    return current


def seed_widgets(params: dict[str, Any], key: str = "pp") -> None:
    """After a preset or session is loaded: every extension control from `params`."""
    for name in registry.EXTENSION_NAMES:
        o = registry.option_for(name)
        st.session_state[f"{key}.{name}.on"] = params.get(name) is not None
        st.session_state[f"{key}.{name}.v"] = _widget_value(o, params.get(name), None)


def _parse(o: Option, raw: Any) -> tuple[Any, str | None]:
    """The value a control's raw input stands for, or the raw text and why it is wrong."""
    if o.kind == "int_list":
        parts = [p.strip() for p in str(raw).replace("\n", ",").split(",") if p.strip()]
        try:
            return [int(p) for p in parts], None
        except ValueError:
            return raw, f"{o.name}: write token ids separated by commas, e.g. 128001, 128009"
    if o.kind == "str_list":
        return [s for s in str(raw).split("\n") if s.strip()], None
    if o.kind == "bool":
        return raw == "true", None
    if o.kind == "float":
        return float(raw), None
    if o.kind == "int":
        return int(raw), None
    return raw, None


def _control(o: Option, params: dict, key: str, backend: str, known: ServerDefault | None) -> Any:
    wkey, onkey = f"{key}.{o.name}.v", f"{key}.{o.name}.on"
    state.keep(onkey, params.get(o.name) is not None)
    state.keep(wkey, _widget_value(o, params.get(o.name), known.value if known else None))
    with st.container(key=f"{key}-{o.name}"):
        on = st.checkbox(o.name, key=onkey, help=o.long, **fragments.hook())
        default = known.text() if known else (f"default {_show(o.default)}" if o.default is not None else "off")
        st.caption(f"{o.short} _({o.range_text()} · {default})_")
        note = ignored_note(o.name, backend)
        if note and on:
            st.warning(f"{o.name}: {note}", icon="⚠️")
        label = o.name
        if o.kind == "float":
            raw = st.slider(label, float(o.min), float(o.max), step=float(o.step or 0.01), key=wkey, **fragments.hook(),
                            disabled=not on, label_visibility="collapsed")
        elif o.kind == "int":
            raw = st.number_input(label, value=st.session_state[wkey], step=1, key=wkey, **fragments.hook(),
                                  disabled=not on, label_visibility="collapsed")
        elif o.kind == "bool":
            raw = st.radio(label, ("true", "false"), key=wkey, **fragments.hook(), disabled=not on, horizontal=True,
                           label_visibility="collapsed")
        elif o.kind == "choice_list":
            raw = st.multiselect(label, list(o.choices), key=wkey, **fragments.hook(), disabled=not on, label_visibility="collapsed",
                                 help="The samplers run in the order you pick them.")
        elif o.kind == "int_list":
            raw = st.text_input(label, key=wkey, **fragments.hook(), disabled=not on, label_visibility="collapsed",
                                placeholder="token ids, comma-separated")
        else:
            raw = st.text_area(label, key=wkey, **fragments.hook(), disabled=not on, height=80, label_visibility="collapsed",
                               placeholder="one per line" if o.kind == "str_list" else "")
        value, error = _parse(o, raw) if on else (None, None)
        if on and o.kind in ("str", "str_list", "int_list", "choice_list") and not raw:
            value = None
            st.caption(f":orange[{o.name}: empty, so it will not be sent]")
        if value is None:
            params.pop(o.name, None)  # unset is absent, as in schema.defaults() and presets
        else:
            params[o.name] = value
        if error:
            st.error(error)
        return st.empty()


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, list):
        return " → ".join(map(str, v))
    return fmt(v) if isinstance(v, (int, float)) else str(v)


def group_title(backend: str) -> str | None:
    """The backend's group title (None: it has nothing to show)."""
    b = registry.get(backend)
    if not b.extensions and not b.drops_note and not b.defaults_note:
        return None
    if not b.extensions:
        return "What the server honours"  # short: "Other OpenAI-compatible: …" would not fit a pill
    return f"{b.label.split(' (')[0]} samplers"  # "llama.cpp", not "llama.cpp (embedded engine)"


def group_heading(backend: str) -> str:
    """The open group's heading, with the backend's whole name (a caption may wrap; a pill may not)."""
    b = registry.get(backend)
    return f"{b.label} samplers" if b.extensions else f"{b.label}: what it honours"


def group_key(backend: str, key: str = "pp") -> str:
    return f"{key}-group-backend-{registry.get(backend).kind}"


def render(params: dict[str, Any], backend: str, key: str = "pp") -> dict[str, Any]:
    """The backend's group as a folding section. Returns the slots under each control for its errors."""
    title = group_title(backend)
    if title is None:
        return {}
    with section.lazy(title, group_key(backend, key)) as shown:
        return body(params, backend, key) if shown else {}


def body(params: dict[str, Any], backend: str, key: str = "pp") -> dict[str, Any]:
    """The backend group's contents. Returns the slots under each control for its errors."""
    b = registry.get(backend)
    slots: dict[str, Any] = {}
    known = server_defaults(backend)
    st.caption(b.about)
    if b.drops_note:
        st.warning(b.drops_note, icon="⚠️")
    if b.defaults_note:
        st.caption(f"Defaults: {b.defaults_note}")
    for o in b.extensions:
        slots[o.name] = _control(o, params, key, backend, known.get(o.name))
    if b.extensions:
        st.caption("Sent in the request body only to this backend; code export puts them in `extra_body`.")
    return slots
