"""Playground defects of issue 10, each with a test that failed on the code before the fix:
a value the user did not see is never sent; a chosen choice carries its own measurements."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "playground.py")


@pytest.fixture
def app(engine_endpoint):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def expander(at: AppTest, label: str):
    return next(e for e in at.sidebar.expander if e.label == label)


def test_invalid_logit_bias_blocks_send_and_sends_nothing_stale(app):
    app.checkbox(key="pp.logit_bias.on").check().run()
    app.text_area(key="pp.logit_bias.v").set_value("28120: -100").run()
    assert app.session_state["pl.params"]["logit_bias"] == {28120: -100.0}
    app.text_area(key="pp.logit_bias.v").set_value("hello: -100").run()  # now invalid
    app.text_area(key="w.prompt").set_value("my message").run()
    errors = [e.value for e in expander(app, "Penalties").error]
    assert len(errors) == 1 and errors[0].startswith("logit_bias: ")
    assert app.button(key="send").disabled
    assert "Send is blocked until logit_bias is fixed" in " ".join(c.value for c in app.caption)
    # the request Send would make: none (View code shows no body with the old value)
    assert not any("28120" in c.value for c in app.code)
    assert app.session_state["pl.messages"] == []
    assert "pl.run" not in app.session_state
    assert app.text_area(key="w.prompt").value == "my message"


def test_out_of_range_n_stays_visible_and_blocks_send(app):
    app.checkbox(key="pp.n.on").check().run()
    app.number_input(key="pp.n.v").set_value(500).run()
    assert not app.exception
    assert app.number_input(key="pp.n.v").value == 500
    assert app.session_state["pl.params"]["n"] == 500  # what the box shows is what would be sent
    assert [e.value for e in expander(app, "Sampling").error] == ["n: must be between 1 and 128, got 500"]
    assert app.button(key="send").disabled


def test_invalid_json_schema_blocks_send(app):
    app.checkbox(key="pp.response_format.on").check().run()
    app.radio(key="pp.response_format.v").set_value("json_schema").run()
    app.text_area(key="pp.response_format.v.js.schema").set_value('{"name": "x", "schema": {').run()
    assert app.button(key="send").disabled
    assert any("json_schema" in e.value for e in expander(app, "Other").error)


def test_validation_message_is_next_to_its_field(app):
    app.checkbox(key="pp.top_logprobs.on").check().run()  # without logprobs: invalid
    group = expander(app, "Log probabilities")
    assert [e.value for e in group.error] == ["top_logprobs: needs logprobs set to true"]
    assert not [e for e in app.sidebar.error if e not in list(group.error)]


def test_controls_have_plain_accessible_names(app):
    box = app.checkbox(key="pp.temperature.on")
    assert box.label == "temperature"
    assert "pp.temperature.reset" not in [b.key for b in app.button]  # unticked and unset: nothing to reset
    box.check().run()
    assert app.button(key="pp.temperature.reset").label == "Reset"


def test_continue_with_a_choice_carries_that_choices_measurements(app):
    app.checkbox(key="pp.n.on").check().run()
    app.number_input(key="pp.n.v").set_value(2).run()
    app.checkbox(key="pp.max_tokens.on").check().run()
    app.number_input(key="pp.max_tokens.v").set_value(12).run()
    app.checkbox(key="pp.temperature.on").check().run()
    app.slider(key="pp.temperature.v").set_value(1.5).run()
    app.text_area(key="w.prompt").set_value("Name a fruit.").run()
    app.button(key="send").click().run()
    run = app.session_state["pl.run"]
    slot = run.slots[1]
    app.button(key="run.cont1").click().run()
    res = app.session_state["pl.messages"][-1]["result"]
    assert len(res.choices) == 1 and res.choices[0].text == slot.text
    assert res.choices[0].finish_reason == slot.finish_reason
    assert res.metrics.latency_s == slot.last_at and res.metrics.ttft_s == slot.first_at
    assert res.usage.completion_tokens == slot.completion_tokens
    assert res.metrics.cost == slot.cost
    assert json.dumps(res.request)  # the request that produced it is kept for the inspector


def test_an_unreadable_metadata_line_blocks_send_instead_of_being_dropped(app):
    app.checkbox(key="pp.metadata.on").check().run()
    app.text_area(key="pp.metadata.v").set_value("project: paramlab\nthis line has no colon").run()
    assert app.button(key="send").disabled
    assert app.session_state["pl.params"]["metadata"] == "project: paramlab\nthis line has no colon"
    app.text_area(key="pp.metadata.v").set_value("project: paramlab").run()
    assert app.session_state["pl.params"]["metadata"] == {"project": "paramlab"}
    assert not app.button(key="send").disabled
