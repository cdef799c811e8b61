"""AppTest of the parameter panel's backend group on the embedded engine: the server's real
defaults, an extension sampler sent (and exported as extra_body), and the honour check's notes."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from paramlab.experiments import honour

PAGE = str(Path(__file__).resolve().parents[2] / "playground.py")


@pytest.fixture
def app(engine_endpoint):
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption)


def test_unticked_parameters_show_the_default_the_server_reports(app):
    text = captions(app)
    assert "server default: 0.8 (reported by the server)" in text      # temperature
    assert "server default: 0.95 (reported by the server)" in text     # top_p
    assert "server default: 40 (reported by the server)" in text       # top_k, in the llama.cpp group
    # A field with no one default value says what the server does without it, not "server default".
    assert "unset: false, no probabilities returned" in text           # logprobs
    assert "unset: no alternatives returned" in text                   # top_logprobs
    assert "· server default)" not in text and "(server default)" not in text
    labels = [e.label for e in app.expander]
    assert "llama.cpp samplers" in labels


def test_a_ticked_parameter_starts_at_the_default_the_server_applied(app):
    # Ticking alone does not change what the server does: temperature starts at /props' 0.8, not
    # the API's 1; after Reset, a new tick starts there again.
    app.checkbox(key="pp.temperature.on").check().run()
    assert app.slider(key="pp.temperature.v").value == 0.8
    assert app.session_state["pl.params"]["temperature"] == 0.8
    app.slider(key="pp.temperature.v").set_value(1.5).run()
    assert app.session_state["pl.params"]["temperature"] == 1.5
    app.button(key="pp.temperature.reset").click().run()
    assert app.session_state["pl.params"]["temperature"] is None
    app.checkbox(key="pp.temperature.on").check().run()
    assert app.slider(key="pp.temperature.v").value == 0.8
    app.checkbox(key="pp.n.on").check().run()  # no server default reported: the API's
    assert app.number_input(key="pp.n.v").value == 1


def test_an_extension_sampler_is_sent_and_exported_as_extra_body(app):
    app.checkbox(key="pp.top_k.on").check().run()
    app.number_input(key="pp.top_k.v").set_value(5).run()
    app.checkbox(key="pp.samplers.on").check().run()
    app.multiselect(key="pp.samplers.v").set_value(["top_k", "temperature"]).run()
    assert not app.exception, app.exception
    params = app.session_state["pl.params"]
    assert params["top_k"] == 5 and params["samplers"] == ["top_k", "temperature"]
    code = "\n".join(str(c.value) for c in app.code)
    assert "extra_body={'top_k': 5, 'samplers': ['top_k', 'temperature']}," in code
    assert '"top_k": 5' in code  # curl's body


def test_a_bad_extension_value_is_named_next_to_its_field(app):
    app.checkbox(key="pp.top_k.on").check().run()
    app.number_input(key="pp.top_k.v").set_value(5000).run()
    errors = [e.value for e in app.error]
    assert "top_k: must be between 0 and 1000, got 5000" in errors
    assert app.button(key="send").disabled  # nothing is sent while a field is wrong


def test_the_panel_notes_what_the_last_honour_check_found_ignored(engine_endpoint):
    model = engine_endpoint.models[0]
    report = honour.Report("", model, "embedded", "2026-11-28T10:00:00Z", {}, [
        honour.Verdict("seed", honour.IGNORED, "seed 123 twice gave two different replies"),
        honour.Verdict("stop", honour.HONOURED, "")])
    honour.save(report, engine_endpoint.base_url)
    try:
        at = AppTest.from_file(PAGE, default_timeout=180)
        at.run()
        at.checkbox(key="pp.seed.on").check().run()
        at.checkbox(key="pp.stop.on").check().run()
        warnings = [w.value for w in at.warning]
        assert "seed: ignored by this endpoint (checked 2026-11-28)" in warnings
        assert not any(w.startswith("stop:") for w in warnings)
        assert any("Checked 2026-11-28: ignores or rejects seed." in c for c in captions(at).split("\n"))
    finally:
        path = honour._file(engine_endpoint.base_url, model)
        path.unlink()


def test_treat_as_overrides_the_detected_backend_for_this_session(fs):
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run()
    inputs = {t.label: t for t in at.sidebar.text_input}
    inputs["Name"].set_value("Mine")
    inputs["Base URL"].set_value(fs.base_url)
    inputs["Model(s)"].set_value("fault-model")
    next(b for b in at.sidebar.button if b.label == "Add endpoint").click().run()
    assert at.session_state["pl.endpoint"] == "Mine", [e.value for e in at.sidebar.error]
    labels = [e.label for e in at.expander]
    assert not any(label.endswith("samplers") for label in labels)  # a plain OpenAI-compatible server
    at.sidebar.selectbox(key="pl.honour.treat_as.Mine").set_value("vllm").run()
    assert not at.exception, at.exception
    assert "vLLM samplers" in [e.label for e in at.expander]
    assert "server default: per model (vLLM applies the model's generation_config.json" in captions(at)
    at.checkbox(key="pp.repetition_penalty.on").check().run()
    assert at.session_state["pl.params"]["repetition_penalty"] == 1.0
    at.sidebar.selectbox(key="pl.honour.treat_as.Mine").set_value("ollama").run()
    assert "What the server honours" in [e.label for e in at.expander]
    assert "server default: 1 (forced by Ollama when omitted)" in captions(at)
