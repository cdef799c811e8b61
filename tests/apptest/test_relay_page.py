"""The Relay page (AppTest): its status, the keys by label only, the models it routes, the recent
relayed requests, and 'Open in Playground' loading one of them into the Playground's keys."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.common import services
from components.relay import server

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "7_Relay.py")
KEY = "apptest-relay-key-123456"


@pytest.fixture
def relay_env(monkeypatch):
    monkeypatch.setenv("CHAT_RELAY_KEY", KEY)
    monkeypatch.setenv("CHAT_RELAY_LABEL", "apptest-label")
    monkeypatch.setenv("CHAT_RELAY_BUDGET_DAILY", "2.5")
    server._relay.clear()  # the relay is built once per process: rebuild it from this environment
    yield
    server._relay.clear()


def texts(at) -> str:
    parts = [e.value for kind in (at.markdown, at.code, at.caption, at.success, at.warning, at.info, at.error)
             for e in kind]
    parts += [df.value.to_string() for df in at.dataframe]
    return "\n".join(str(p) for p in parts)


def test_status_keys_by_label_only_and_models(relay_env):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    page = texts(at)
    assert "Relay on." in at.success[0].value
    assert "apptest-label" in page and "$2.50" in page and KEY not in page
    assert "smollm2-135m-instruct" in page  # the embedded model is routed
    assert "/v1" in page and "/chat-room" in page


def test_a_relayed_request_is_listed_and_opens_in_the_playground(relay_env):
    services.start()
    led = services.ledger()
    before = led.count()
    led.append({"ts_ms": int(time.time() * 1000), "session_id": "10.1.2.3", "label": "apptest-label",
                "page": "relay", "endpoint": "Embedded SmolLM2 (demo)", "host": "127.0.0.1", "backend": "embedded",
                "model": "smollm2-135m-instruct", "params": json.dumps({"model": "smollm2-135m-instruct",
                                                                        "temperature": 0.2, "n": 2}),
                "n": 2, "stream": False, "prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14,
                "estimated": False, "cost": 0.0, "latency_ms": 321, "status": "ok", "finish_reasons": '["stop"]'},
               {"messages": json.dumps([{"role": "system", "content": "Be terse."},
                                        {"role": "user", "content": "Relayed question?"}]),
                "replies": json.dumps(["A.", "B."])})
    assert led.count() == before + 1
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    table = at.dataframe[-1].value
    assert "10.1.2.3" in table["client"].tolist() and 321 in table["latency_ms"].tolist()
    row = led.request(int(table.iloc[0]["id"]))
    at2 = AppTest.from_function(_load_script, args=(row,), default_timeout=60)  # reopen.load in a script run
    at2.run()
    assert not at2.exception
    ss = at2.session_state
    assert ss["pl.system"] == "Be terse." and ss["pl.messages"] == [{"role": "user", "content": "Relayed question?"}]
    assert ss["pl.params"]["temperature"] == 0.2 and ss["pl.params"]["n"] == 2 and ss["pl.stream"] is False
    assert ss["pl.model"] == "smollm2-135m-instruct" and ss["pl.endpoint"] == "Embedded SmolLM2 (demo)"


def _load_script(row):
    from components.common import reopen, state
    state.init()
    reopen.load(row)
