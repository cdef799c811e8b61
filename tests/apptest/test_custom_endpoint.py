"""An endpoint typed into the sidebar: the key goes in a password field, is sent only as the
Bearer header to that endpoint's host, and shows up nowhere on the page or in session state."""
from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support.fault_server import Stream, chat_stream
from paramlab import settings as config

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-custom-endpoint-7f3a9c2e5b1d"


FAULT_DEFAULT = Stream([chat_stream(["Hello ", "from ", "custom."])])  # for the shared `fs` fixture


def _form(at: AppTest, name: str, base: str, key: str, model: str) -> None:
    inputs = {t.label: t for t in at.sidebar.text_input}
    inputs["Name"].set_value(name)
    inputs["Base URL"].set_value(base)
    inputs["API key"].set_value(key)
    inputs["Model(s)"].set_value(model)
    next(b for b in at.sidebar.button if b.label == "Add endpoint").click().run()


def test_key_field_is_a_password_field():
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    field = next(t for t in at.sidebar.text_input if t.label == "API key")
    assert field.proto.type == field.proto.PASSWORD


def test_custom_endpoint_sends_key_only_as_bearer_and_never_shows_it(fs):
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    _form(at, "My server", fs.base_url, KEY, "fault-model")
    assert not at.exception
    assert at.session_state["pl.endpoint"] == "My server"
    assert at.session_state["pl.model"] == "fault-model"

    at.text_area(key="w.prompt").set_value("hi there")
    at.button(key="send").click().run()
    assert not at.exception, at.exception
    assert fs.requests and fs.requests[-1].headers["Authorization"] == f"Bearer {KEY}"
    msgs = at.session_state["pl.messages"]
    assert msgs[-1]["content"] == "Hello from custom."

    shown = " ".join(str(getattr(e, "value", "")) for e in [*at.main, *at.sidebar])
    assert KEY not in shown
    state = {k: at.session_state[k] for k in at.session_state.keys()}
    assert KEY.encode() not in pickle.dumps(state)
    assert KEY not in repr(state)


def _form_order(at: AppTest) -> list[str]:
    """The add-endpoint form's boxes and messages, top to bottom: a field's label, or "error: …"."""
    out = []
    for node in at.sidebar.form[0]:
        if node.type == "text_input" or node.type == "selectbox":
            out.append(node.label)
        elif node.type == "error":
            out.append("error: " + node.value)
    return out


def test_bad_custom_endpoint_names_the_field_under_it():
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    _form(at, "Bad", "ftp://example.com", "", "")
    order = _form_order(at)
    below = order[order.index("Base URL") + 1]
    assert below.startswith("error: Not added — base_url: must start with http:// or https://")
    assert len([x for x in order if x.startswith("error:")]) == 1
    assert next(t for t in at.sidebar.text_input if t.label == "Base URL").value == "ftp://example.com"  # kept
    _form(at, "", "http://127.0.0.1:9/v1", "", "")
    order = _form_order(at)
    assert order[order.index("Name") + 1] == "error: Not added — name: give the endpoint a name"
    assert len([x for x in order if x.startswith("error:")]) == 1  # the base URL's message has gone
    assert "Bad" not in at.session_state["pl.custom_endpoints"]


def test_without_a_model_the_check_lists_the_servers_models(engine_endpoint):
    """No model typed: the check asks the (real, embedded llama.cpp) server's /v1/models, and the
    endpoint is added with the models it lists, the first one chosen."""
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    _form(at, "Local llama", engine_endpoint.base_url, "", "")
    assert not at.exception and not at.sidebar.error
    added = at.session_state["pl.custom_endpoints"]["Local llama"]
    assert added.models == engine_endpoint.models and added.models
    assert at.session_state["pl.endpoint"] == "Local llama"
    assert at.session_state["pl.model"] == engine_endpoint.models[0]


def test_without_a_model_a_dead_server_is_named_as_such():
    from support.failing_servers import closed_port
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    _form(at, "Dead server", f"http://127.0.0.1:{closed_port()}/v1", KEY, "")
    assert "Dead server" not in at.session_state["pl.custom_endpoints"]
    order = _form_order(at)
    (err,) = [x for x in order if x.startswith("error:")]
    assert err.startswith("error: Not added — connection check failed: GET /models:")
    assert "type the model name" not in err and KEY not in err


def test_custom_endpoint_validation_without_streamlit():
    ep = config.custom_endpoint("x", "http://127.0.0.1:8000/v1/", "k" * 20, "a, b")
    assert ep.base_url == "http://127.0.0.1:8000/v1" and ep.models == ("a", "b")
    assert ep.key_host == "127.0.0.1" and "k" * 20 not in repr(ep)
    with pytest.raises(config.ConfigError, match="^name:"):
        config.custom_endpoint("x", "http://h/v1", taken=("x",))
    with pytest.raises(config.ConfigError, match="^backend:"):
        config.custom_endpoint("y", "http://h/v1", backend="nonsense")


def test_sessions_with_the_same_endpoint_name_and_url_never_share_a_key(fs):
    """Two browser sessions type the same name and URL with different keys: each request carries
    its own session's key (clients are cached across sessions)."""
    other = "sk-second-session-0b9d4e6a2c8f"
    first, second = (AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60) for _ in range(2))
    for at, key in ((first, KEY), (second, other)):
        at.run()
        _form(at, "Shared name", fs.base_url, key, "fault-model")
    for at, key in ((first, KEY), (second, other), (first, KEY)):
        at.text_area(key="w.prompt").set_value("hi")
        at.button(key="send").click().run()
        assert not at.exception, at.exception
        assert fs.requests[-1].headers["Authorization"] == f"Bearer {key}"


def test_adding_an_endpoint_checks_the_connection_first():
    from support.failing_servers import closed_port
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    _form(at, "Dead server", f"http://127.0.0.1:{closed_port()}/v1", KEY, "some-model")
    assert at.session_state["pl.endpoint"] != "Dead server"
    assert "Dead server" not in at.session_state["pl.custom_endpoints"]
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith("Not added — connection check failed:")
    assert KEY not in errors[0] and at.sidebar.text_input(key="pl.add_ep.key").value == ""
    at.sidebar.checkbox(key="pl.add_ep.check").uncheck()
    _form(at, "Dead server", f"http://127.0.0.1:{closed_port()}/v1", KEY, "some-model")
    assert at.session_state["pl.endpoint"] == "Dead server"  # added anyway, when asked to


def test_the_connection_check_sends_one_token_request(fs):
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    _form(at, "Checked", fs.base_url, KEY, "fault-model")
    assert at.session_state["pl.endpoint"] == "Checked"
    assert len(fs.requests) == 1 and fs.requests[0].json()["max_tokens"] == 1
