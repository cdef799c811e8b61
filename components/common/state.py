"""Shared app state. Widget state is dropped when a page is left, so canonical values live in
plain st.session_state keys (prefix `pl.`) and widgets are seeded from them on every page.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
import uuid
from typing import Any

import streamlit as st

from components.common import pages_mode
from paramlab import settings as config
from paramlab.request import messages, schema
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint, Settings
from paramlab.backends.engine import EngineError, get_engine
from paramlab.backends import detection as backend_detection

# Keys shared by every page.
ENDPOINT = "pl.endpoint"      # endpoint name
MODEL = "pl.model"
PARAMS = "pl.params"          # dict name -> value (None = unset)
SYSTEM = "pl.system"          # system prompt text
MESSAGES = "pl.messages"      # conversation turns after the system prompt
STREAM = "pl.stream"
INCLUDE_USAGE = "pl.include_usage"
NO_OBFUSCATION = "pl.no_obfuscation"  # stream_options.include_obfuscation false: no padding per chunk
SESSION_ID = "pl.session_id"
LABEL = "pl.label"            # user-chosen session / experiment label
CUSTOM = "pl.custom_endpoints"  # name -> Endpoint typed in this browser session (key never saved)
BACKEND_OVERRIDE = "pl.backend_override"  # endpoint name -> backend kind chosen in this browser session


PAGE = "pl.page"                # the page the last full run drew (set by the router)
PAGE_ENTRY = "pl.page_entry"    # counts runs that drew another page than the run before
SEEDED = "pl.seeded."           # + widget key: the entry its value was last sent on


def note_page(url_path: str) -> None:
    """The router's call on every full run: a run of another page than the last is an entry."""
    ss = st.session_state
    if ss.get(PAGE) != url_path:
        ss[PAGE] = url_path
        ss[PAGE_ENTRY] = ss.get(PAGE_ENTRY, 0) + 1


def keep(widget_key: str, default: Any) -> None:
    """Give a widget `default` when it has no value, and send the value it has again on its first
    draw after each page entry. A return made before the other page's run ended leaves the server
    holding the widget's value (that run was cut short before clearing it) while the browser,
    which began drawing the other page, has dropped it: unsent, the widget would show its default
    while the server keeps the value (a box shown empty, a parameter shown unticked yet sent)."""
    ss = st.session_state
    entry = ss.get(PAGE_ENTRY, 0)
    if widget_key not in ss:
        ss[widget_key] = default
    elif ss.get(SEEDED + widget_key) != entry:
        ss[widget_key] = ss[widget_key]  # assigned through session_state: the browser is sent it
    ss[SEEDED + widget_key] = entry


def bind(widget_key: str, plain_key: str, default: Any = "") -> dict[str, Any]:
    """A widget kept in a plain key: seeded from it when the widget has no value of its own (it is
    dropped when its page is left), written back by the widget's change, and sent again after a
    page entry (keep). Returns its on_change."""
    keep(widget_key, st.session_state.get(plain_key, default))
    return {"on_change": _write_back, "args": (widget_key, plain_key)}


def _write_back(widget_key: str, plain_key: str) -> None:
    st.session_state[plain_key] = st.session_state[widget_key]


def read_secrets() -> dict[str, Any]:
    """st.secrets raises when no secrets.toml exists: treat that as empty."""
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # noqa: BLE001 - FileNotFoundError, StreamlitSecretNotFoundError, parse errors
        return {}


@st.cache_resource(show_spinner=False)
def _settings_cached(fingerprint: str) -> Settings:  # the env fingerprint keys the cache
    return config.load_settings(None, read_secrets())


def settings() -> Settings:
    # A digest, not the values: the cache key must not hold a key in clear text.
    return _settings_cached(config.env_fingerprint())


def init() -> None:
    """Seed the shared keys once per browser session."""
    pages_mode.leave()  # a first visit by deep link under `streamlit run playground.py`
    from components.common import services  # late import: services may import state helpers
    services.start()
    s = settings()
    ss = st.session_state
    ss.setdefault(SESSION_ID, uuid.uuid4().hex[:12])
    ss.setdefault(ENDPOINT, s.default_endpoint)
    ss.setdefault(MODEL, s.default_model)
    ss.setdefault(PARAMS, schema.defaults())
    ss.setdefault(SYSTEM, "You are a helpful assistant.")
    ss.setdefault(MESSAGES, [])
    ss.setdefault(STREAM, True)
    ss.setdefault(INCLUDE_USAGE, True)
    ss.setdefault(LABEL, "")
    ss.setdefault(CUSTOM, {})
    from components.common import relay_note  # the sidebar says when the relay is open to local clients
    relay_note.render(s.relay.keys)


@st.cache_resource(show_spinner="Starting the embedded model…")
def embedded_endpoint() -> Endpoint:
    return get_engine().endpoint()


def endpoint_names() -> list[str]:
    """Configured endpoints, then the ones typed in this browser session."""
    return [e.name for e in settings().endpoints] + list(st.session_state.get(CUSTOM, {}))


def resolve_endpoint(name: str) -> Endpoint:
    """The configured endpoint, with the embedded one started and its real URL filled in."""
    custom = st.session_state.get(CUSTOM, {})
    ep = custom[name] if name in custom else settings().endpoint(name)
    if ep.embedded:
        return embedded_endpoint()
    chosen = st.session_state.get(BACKEND_OVERRIDE, {}).get(name)  # the user's word beats detection
    return backend_detection.resolved(replace(ep, backend=chosen) if chosen else ep)


def current_backend() -> str:
    """The registry kind of the chosen endpoint ("other" when there is none)."""
    ep = current_endpoint()
    return ep.backend if ep is not None else "other"


ENDPOINT_PICK = "w.endpoint.pick"  # the endpoint picker's widget
ENDPOINT_SHOWN = "pl.endpoint_shown"  # the endpoint that widget was last drawn with
MODEL_OTHER = "other…"  # the model drop-down's choice for a name typed by hand
MODEL_SHOWN = "pl.model_shown"  # the model the model picker's widgets were last drawn with
_UNDRAWN = object()


def model_key(endpoint_name: str) -> str:
    """The model picker's widgets for an endpoint are keyed <this>.pick / .other / .typed."""
    return f"w.model.{endpoint_name}"


def model_from_widgets(endpoint_name: str) -> Any:
    """The model the picker's widgets hold (_UNDRAWN when none is in session state)."""
    ss, k = st.session_state, model_key(endpoint_name)
    if f"{k}.pick" not in ss and f"{k}.typed" not in ss:
        return _UNDRAWN
    pick = ss.get(f"{k}.pick")
    v = ss.get(f"{k}.typed") if pick is None else ss.get(f"{k}.other") if pick == MODEL_OTHER else pick
    return (v or "").strip() or None


def apply_model_pick() -> None:
    """Make a new model in the picker's widgets the chosen model (see apply_endpoint_pick)."""
    ss = st.session_state
    v = model_from_widgets(ss.get(ENDPOINT) or "")
    if v is _UNDRAWN or v == ss.get(MODEL_SHOWN, _UNDRAWN):
        return
    ss[MODEL_SHOWN] = ss[MODEL] = v


def apply_endpoint_pick() -> None:
    """Make a new pick in the endpoint picker the chosen endpoint (with its first model). The
    picker's callback does it, and so does every callback that reads the endpoint: Streamlit may
    call a clicked button's callback before the picker's. A pick is new when it differs from what
    the picker was drawn with, so an endpoint set elsewhere (a reopened session) is never undone."""
    ss = st.session_state
    pick = ss.get(ENDPOINT_PICK)
    if pick is None or pick == ss.get(ENDPOINT_SHOWN):
        return
    ss[ENDPOINT_SHOWN] = ss[ENDPOINT] = pick
    try:
        models = resolve_endpoint(pick).models
    except (config.ConfigError, EngineError):
        models = []
    ss[MODEL] = models[0] if models else None
    ss.pop(MODEL_SHOWN, None)  # the new endpoint's model widgets are not drawn yet


def _chosen_endpoint() -> Endpoint:
    """The chosen endpoint, a new pick of the pickers applied first; raises when it cannot be resolved."""
    apply_endpoint_pick()
    apply_model_pick()
    return resolve_endpoint(st.session_state[ENDPOINT])


def endpoint_now() -> Endpoint | None:
    """The chosen endpoint as a button's callback runs. Callbacks read it then rather than take it
    as an argument: an endpoint picked in the same run as the click is the one the click means,
    not the one the run before drew. None when it cannot be resolved (the page says why)."""
    try:
        return _chosen_endpoint()
    except (config.ConfigError, EngineError):
        return None


def current_endpoint() -> Endpoint | None:
    """The chosen endpoint (as endpoint_now, which callbacks use); on the page, an endpoint that
    cannot be resolved shows why."""
    try:
        return _chosen_endpoint()
    except (config.ConfigError, EngineError) as e:
        st.error(str(e))
        return None


@st.cache_resource(show_spinner=False, max_entries=32)
def _client(name: str, base_url: str, identity: str, _endpoint: Endpoint) -> ChatClient:
    return ChatClient(_endpoint)


def client_for(endpoint: Endpoint) -> ChatClient:
    """One client (and connection pool) per distinct endpoint, shared across browser sessions.
    The cache key covers everything the client sends with, so two sessions that typed the same
    name and URL with different keys never share a client; the key enters only as a digest."""
    identity = hashlib.sha256("\0".join(str(x) for x in (
        endpoint.api_key.reveal(), endpoint.key_host, endpoint.organization, endpoint.proxy,
        endpoint.ca_bundle, endpoint.verify_tls, endpoint.backend)).encode()).hexdigest()
    return _client(endpoint.name, endpoint.base_url, identity, endpoint)


def request_params(stream: bool | None = None) -> dict[str, Any]:
    """The parameter dict to send, with the transport fields from the shared toggles."""
    p = dict(st.session_state[PARAMS])
    stream = st.session_state[STREAM] if stream is None else stream
    p["stream"] = True if stream else None
    options = {"include_usage": True} if st.session_state[INCLUDE_USAGE] else {}
    if st.session_state.get(NO_OBFUSCATION):
        options["include_obfuscation"] = False
    p["stream_options"] = options if stream and options else None
    return p


def conversation(upto: int | None = None) -> list[dict[str, str]]:
    """The system prompt and the turns (those before index `upto`, if given) as API messages."""
    msgs = []
    if st.session_state[SYSTEM].strip():
        msgs.append({"role": "system", "content": st.session_state[SYSTEM]})
    msgs += [messages.to_api(m) for m in st.session_state[MESSAGES][:upto]]  # tool calls and images too
    return msgs


def request_context(page: str) -> dict[str, Any]:
    return {"page": page, "session_id": st.session_state[SESSION_ID], "label": st.session_state[LABEL]}
