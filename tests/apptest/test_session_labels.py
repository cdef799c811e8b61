"""Session labels: set on the Playground (recorded with every request), renamed on the Usage page."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from paramlab.usage.ledger import queries as Q

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.engine


def test_label_set_on_the_playground_and_renamed_on_the_usage_page(ledger_at, engine_endpoint):
    led = ledger_at()
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120).run()
    at.sidebar.text_input(key="w.label").set_value("  prompt   v2 ").run()
    assert at.session_state["pl.label"] == "prompt v2"
    at.checkbox(key="pp.max_tokens.on").check().run()
    at.number_input(key="pp.max_tokens.v").set_value(3).run()
    at.text_area(key="w.prompt").set_value("Hi").run()
    at.button(key="send").click().run()
    led.flush()
    sid = at.session_state["pl.session_id"]
    with led.engine.connect() as c:
        assert [(r["label"], r["session_id"]) for r in Q.sessions(c, Q.Filters())] == [("prompt v2", sid)]

    at.switch_page("pages/4_Usage.py").run()
    assert not at.exception
    at.selectbox(key="usage.w.label_session").set_value(f"prompt v2 · {sid} · 1 requests")
    at.text_input(key="usage.w.label_new").set_value("prompt v3").run()
    at.button(key="usage.relabel").click().run()
    assert any(s.value.startswith("Renamed 1 request(s)") for s in at.success)
    assert at.multiselect(key="usage.labels").options == ["prompt v3"]
    assert at.session_state["pl.label"] == "prompt v3"  # this browser session's new requests follow
    at.switch_page("playground.py").run()
    assert at.sidebar.text_input(key="w.label").value == "prompt v3"
