"""Endpoint and model picker (sidebar), shared by every page."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from components.common import honour_check, section
from components.common import state
from paramlab import settings as config
from paramlab.settings import Endpoint
from paramlab.backends import llamacpp, registry
from paramlab.backends.engine import ABOUT, FRIENDLY_NAME
from paramlab.errors import ChatError
from paramlab.client.chat import ChatClient, Timeouts
from paramlab.client.retry import RetryPolicy


def render() -> Endpoint | None:
    s = state.settings()
    for err in s.errors:
        st.sidebar.error(f"Configuration: {err}")
    names = state.endpoint_names()
    if st.session_state[state.ENDPOINT] not in names:
        st.session_state[state.ENDPOINT] = names[0] if names else None
    ep = state.current_endpoint()
    if ep is not None and not st.session_state[state.MODEL] and ep.models \
            and st.session_state.get(f"{_model_key(ep)}.pick") != OTHER:  # "other…": a name is being typed
        st.session_state[state.MODEL] = ep.models[0]  # what the folded picker would show first
    # Folded, the choice is one line (a drop-down costs the browser as much as five buttons on
    # every rerun); it opens by itself while the model is still to be typed.
    with st.sidebar, section.lazy(_title(ep), "pl-endpoint",
                                  force_open=ep is not None and not st.session_state[state.MODEL]) as shown:
        if shown:
            ep = _pick(names)
    if ep is None:
        return None
    if ep.embedded:
        st.sidebar.info(f"**Embedded demo model.** {ABOUT}", icon="🐣")
    else:
        st.sidebar.caption(f"{registry.get(ep.backend).label} · {ep.host}" + (" · key set" if ep.api_key else " · no key"))
    return ep


def _title(ep: Endpoint | None) -> str:
    if ep is None:
        return "🔌 Endpoint: none"
    model = FRIENDLY_NAME if ep.embedded else (st.session_state[state.MODEL] or "model?")
    return f"🔌 {ep.name} · {model}"


def _pick(names: list[str]) -> Endpoint | None:
    """Endpoint, model, adding an endpoint and what the endpoint honours (the section's body)."""
    current = st.session_state[state.ENDPOINT]
    _mirror(state.ENDPOINT_PICK, current if current in names else names[0])  # a reopened session may set it
    st.session_state[state.ENDPOINT_SHOWN] = st.session_state[state.ENDPOINT_PICK]
    st.selectbox("Endpoint", names, key=state.ENDPOINT_PICK, on_change=state.apply_endpoint_pick,
                 help="Configured in paramlab.yaml, CHAT_* / OPENAI_* variables or .streamlit/secrets.toml. "
                      "See the README.")
    add_endpoint_form()
    ep = state.current_endpoint()
    if ep is None:
        return None
    pick = _model(ep)
    st.session_state[state.MODEL] = pick or None
    honour_check.render(ep, pick or None)  # the backend, and what this endpoint honours
    return ep


OTHER = state.MODEL_OTHER


def _model(ep: Endpoint) -> str | None:
    """The model picker. Its widgets mirror the shared model (a reopened session or a preset may set
    it) and write it back in their callbacks: a name typed and committed by a click on Send is the
    model that Send's own callback reads, not the one from the run before."""
    models, chosen, k = list(ep.models), st.session_state[state.MODEL], _model_key(ep)
    sync = {"on_change": state.apply_model_pick}
    try:
        return _model_widgets(ep, models, chosen, k, sync)
    finally:  # what the widgets now show: a later change of theirs is a new pick
        st.session_state[state.MODEL_SHOWN] = state.model_from_widgets(ep.name)


def _model_widgets(ep: Endpoint, models: list[str], chosen: str | None, k: str, sync: dict) -> str | None:
    if models:
        options = models + ([OTHER] if not ep.embedded else [])
        _mirror(f"{k}.pick", _picked(chosen, models, options, st.session_state.get(f"{k}.pick")))
        pick = st.selectbox("Model", options, key=f"{k}.pick", **sync,
                            format_func=lambda m: f"{FRIENDLY_NAME}" if ep.embedded else m)
        if pick != OTHER:
            return pick
        _mirror(f"{k}.other", chosen if chosen and chosen not in models else "")
        return st.text_input("Model name", key=f"{k}.other", placeholder="e.g. gpt-4o-mini", **sync).strip() or None
    _mirror(f"{k}.typed", chosen or "")
    pick = st.text_input("Model", key=f"{k}.typed", placeholder="e.g. gpt-4o-mini, llama3.2", **sync).strip()
    if not pick:
        st.warning("model: type the model name this endpoint serves.")
    return pick or None


def _model_key(ep: Endpoint) -> str:
    return state.model_key(ep.name)


def _picked(chosen: str | None, models: list[str], options: list[str], shown: str | None) -> str:
    """What the model drop-down shows for the shared model: it, else "other…" for a typed name
    (or while one is being typed), else the first model."""
    if chosen in models:
        return chosen
    if OTHER in options and (chosen or shown == OTHER):
        return OTHER
    return options[0]


def _mirror(key: str, value: str) -> None:
    """The widget shows `value` (the shared choice), and sends it again after a page entry (state.keep)."""
    if st.session_state.get(key) != value:
        st.session_state[key] = value
    state.keep(key, value)


FORM = "pl.add_ep"


def _add_endpoint() -> None:
    """Submit callback: runs before the rerun, so it may clear the key field once it is stored."""
    ss = st.session_state
    backend = ss[f"{FORM}.backend"]
    try:
        ep = config.custom_endpoint(ss[f"{FORM}.name"], ss[f"{FORM}.base"], ss[f"{FORM}.key"], ss[f"{FORM}.model"],
                                    "" if backend == "auto" else backend, taken=tuple(state.endpoint_names()))
    except config.ConfigError as e:
        _refuse(str(e), _FIELD_OF.get(str(e).split(":", 1)[0], "check"))  # the typed values stay in the form
        return
    if ss.get(f"{FORM}.check", True):
        ep, problem = check_connection(ep)
        if problem:
            _refuse(f"{problem} (untick “Check the connection” to add it anyway)", "check")
            ss[f"{FORM}.key"] = ""  # the key never lingers in widget state; it must be typed again
            return
    ss[state.CUSTOM][ep.name] = ep
    ss[state.ENDPOINT] = ep.name
    ss[state.MODEL] = ep.models[0] if ep.models else None
    ss.pop(f"{FORM}.error", None)
    for field in ("name", "base", "key", "model"):  # the key must not linger as widget state
        ss[f"{FORM}.{field}"] = ""


_FIELD_OF = {"name": "name", "base_url": "base", "backend": "backend"}  # a ConfigError's field → its box


def _refuse(message: str, field: str) -> None:
    """Keep the form's error for the rerun, with the field it is drawn under."""
    st.session_state[f"{FORM}.error"] = (field, f"Not added — {message}")


def _error_under(field: str) -> None:
    err = st.session_state.get(f"{FORM}.error")
    if err and err[0] == field:
        st.error(err[1])


CHECK_TIMEOUTS = Timeouts(connect=5.0, read=20.0, total=30.0)


def check_connection(ep: Endpoint) -> tuple[Endpoint, str | None]:
    """Whether the endpoint answers, before it is added: with a model typed, one real request of
    one token to the first (through the client like every request: URL safety, key host binding,
    the ledger); without one, GET /models, whose names become the endpoint's models. Returns the
    endpoint (with those models) and None, or the problem."""
    if not ep.models:
        try:
            listed = llamacpp.models(ep, timeout=CHECK_TIMEOUTS.total)  # any server's /models, parsed
        except ChatError as e:
            return ep, f"connection check failed: GET /models: {e}"
        ids = llamacpp.model_ids(listed)
        if not ids:
            return ep, "connection check: the server lists no models at /models; type the model name"
        return replace(ep, models=ids), None
    client = ChatClient(ep, timeouts=CHECK_TIMEOUTS, retry=RetryPolicy(max_retries=0))
    res = client.run({"model": ep.models[0], "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 1,
                      "stream": True},
                     context=state.request_context("endpoint check"))
    if res.status == "ok":
        return ep, None
    return ep, f"connection check failed: {res.error or res.status}"


def add_endpoint_form() -> None:
    """Add an endpoint for this browser session. The key is typed into a password field, kept in
    memory for this session only, and sent only to the host it was entered for."""
    custom = st.session_state[state.CUSTOM]
    with section.lazy("➕ Add an endpoint (this session)", "pl-add-endpoint",
                      force_open=f"{FORM}.error" in st.session_state) as shown:
        if not shown:
            return
        with st.form(FORM, clear_on_submit=False, border=False):
            keep = section.KEEP  # not on the API key: folding the section forgets it
            st.text_input("Name", key=f"{FORM}.name", placeholder="e.g. My vLLM", persist_state=keep)
            _error_under("name")
            st.text_input("Base URL", key=f"{FORM}.base", placeholder="https://api.openai.com/v1", persist_state=keep)
            _error_under("base")
            st.text_input("API key", key=f"{FORM}.key", type="password", placeholder="optional",
                          help="Kept in memory for this browser session only: never saved, logged "
                               "or exported, and only ever sent to this base URL's host.")
            st.text_input("Model(s)", key=f"{FORM}.model", placeholder="comma-separated, optional", persist_state=keep,
                          help="Left empty, the models the server lists at /models are offered.")
            st.selectbox("Backend", ("auto",) + registry.KINDS, key=f"{FORM}.backend", persist_state=keep,
                         help="Decides which warnings ParamLab shows.")
            _error_under("backend")
            st.checkbox("Check the connection", value=True, key=f"{FORM}.check", persist_state=keep,
                        help="Before adding the endpoint: one request of one token to the first model typed, "
                             "or, with none typed, GET /models (the models it lists are offered).")
            st.form_submit_button("Add endpoint", on_click=_add_endpoint)
            _error_under("check")
        for n in list(custom):
            if st.button(f"Remove “{n}”", key=f"pl.rm_ep.{n}"):
                del custom[n]
                if st.session_state[state.ENDPOINT] == n:
                    st.session_state[state.ENDPOINT] = state.settings().default_endpoint
                st.rerun()
