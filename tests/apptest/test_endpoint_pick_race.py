"""An endpoint picked and a button clicked in the same script run (the pick reaches the server with
the click): the click acts on the endpoint just picked. Callbacks used to take the endpoint as an
argument bound by the run before, so the request went to the previous endpoint."""
from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support.apptest import settle
from support.fault_server import FaultServer

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def configured(tmp_path, monkeypatch, endpoints: str):
    """The app configured with these endpoints (YAML lines) and no embedded model."""
    cfg = tmp_path / "endpoints.yaml"
    cfg.write_text(f"disable_embedded: true\n{endpoints}")
    monkeypatch.setenv("CHAT_CONFIG", str(cfg))
    monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path))
    from components.common import state
    state._settings_cached.clear()  # its fingerprint argument is not hashed
    try:
        yield
    finally:
        state._settings_cached.clear()


@pytest.fixture
def two_servers(tmp_path, monkeypatch):
    with FaultServer() as a, FaultServer() as b, configured(
            tmp_path, monkeypatch, "default_endpoint: First\nendpoints:\n"
                                   f"  - {{name: First, base_url: '{a.base_url}', models: [model-a]}}\n"
                                   f"  - {{name: Second, base_url: '{b.base_url}', models: [model-b]}}\n"):
        yield a, b


def test_the_lab_asks_the_endpoint_picked_in_the_same_run(two_servers):
    first, second = two_servers
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.switch_page("pages/6_Distribution_Lab.py").run()
    assert not at.exception, at.exception
    assert at.session_state["pl.endpoint"] == "First"
    at.selectbox(key="w.endpoint.pick").select("Second")
    at.button(key="lab.b.fetch").click()  # the pick and the click in one run
    settle(at)
    assert not at.exception, at.exception
    assert at.session_state["pl.endpoint"] == "Second"
    assert first.count == 0
    assert second.count == 1 and second.requests[0].json()["model"] == "model-b"


def test_the_sessions_save_names_the_endpoint_picked_in_the_same_run(two_servers, tmp_path):
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    at.selectbox(key="w.endpoint.pick").select("Second")
    at.text_input(key="w.session.name").input("picked")
    at.button(key="session.save").click().run()  # the pick and the click in one run
    assert not at.exception, at.exception
    saved = next(tmp_path.rglob("picked*.json")).read_text()
    assert '"Second"' in saved and '"First"' not in saved


def test_send_uses_the_model_typed_in_the_same_run(tmp_path, monkeypatch):
    """A model name typed and Send clicked together: Send's callback may run before the model
    box's, and must still send the typed name."""
    with FaultServer() as fs, configured(tmp_path, monkeypatch,
                                         f"endpoints:\n  - {{name: Typed, base_url: '{fs.base_url}'}}\n"):
        at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60).run()
        at.text_input(key="w.model.Typed.typed").input("model-one").run()
        at.text_input(key="w.model.Typed.typed").input("model-two")
        at.text_area(key="w.prompt").input("hi")
        at.button(key="send").click()  # the typed name and the click in one run
        settle(at)
        assert not at.exception, at.exception
        assert [r.json()["model"] for r in fs.requests] == ["model-two"]
        assert at.session_state["pl.model"] == "model-two"
