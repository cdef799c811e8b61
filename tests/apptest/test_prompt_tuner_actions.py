"""The prompt tuner's actions (issue 10, point 10) under AppTest: Regenerate, resend from a turn,
Undo for Clear, Retry after a failed send, words → token ids in the Playground, presets with a
system prompt; and the reply area after an error or an endpoint switch."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support.fault_server import Reply, Stream, chat_stream

PAGE = str(Path(__file__).resolve().parents[2] / "playground.py")
TURNS = [{"role": "user", "content": "first question"}, {"role": "assistant", "content": "first answer"},
         {"role": "user", "content": "second question"}, {"role": "assistant", "content": "the old reply, zq-17"}]


@pytest.fixture
def app(engine_endpoint):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    at.checkbox(key="pp.max_tokens.on").check().run()
    at.number_input(key="pp.max_tokens.v").set_value(6)
    at.session_state["pl.messages"] = [dict(t) for t in TURNS]
    at.run()
    assert not at.exception
    return at


def contents(at) -> list[str]:
    return [m["content"] for m in at.session_state["pl.messages"]]


def test_regenerate_replaces_the_last_reply_and_undo_brings_it_back(app):
    app.button(key="act.regenerate").click().run()
    assert not app.exception
    msgs = app.session_state["pl.messages"]
    assert contents(app)[:3] == ["first question", "first answer", "second question"] and len(msgs) == 4
    assert msgs[3]["role"] == "assistant" and msgs[3]["content"] != "the old reply, zq-17" and msgs[3]["result"]
    sent = app.session_state["pl.run"].bodies[0]["messages"]
    assert [m["content"] for m in sent[1:]] == ["first question", "first answer", "second question"]
    app.button(key="act.undo").click().run()
    assert contents(app) == [t["content"] for t in TURNS]


def test_resend_from_a_turn_drops_the_turns_after_it(app):
    app.button(key="resend.0").click().run()
    assert not app.exception
    assert contents(app)[0] == "first question" and len(contents(app)) == 2
    assert [m["content"] for m in app.session_state["pl.run"].bodies[0]["messages"][1:]] == ["first question"]
    assert app.button(key="act.undo").label == "Undo resend from turn 1"
    assert not any(b.key == "resend.1" for b in app.button)  # assistant turns are not resent


def test_clear_conversation_can_be_undone(app):
    app.button(key="clear").click().run()
    assert contents(app) == []
    app.button(key="act.undo").click().run()
    assert contents(app) == [t["content"] for t in TURNS]
    assert not [b for b in app.button if b.key == "act.undo"]  # one undo, then gone


def test_an_invalid_setting_blocks_regenerate_without_dropping_anything(app):
    app.checkbox(key="pp.top_logprobs.on").check().run()  # needs logprobs: invalid
    app.button(key="act.regenerate").click().run()
    assert contents(app) == [t["content"] for t in TURNS]
    assert any(e.value == "Not sent — top_logprobs: needs logprobs set to true" for e in app.error)


FAULT_DEFAULT = Stream([chat_stream(["Recovered ", "reply."])])  # for the shared `fs` fixture


def _add_endpoint(at: AppTest, base: str) -> None:
    inputs = {t.label: t for t in at.sidebar.text_input}
    inputs["Name"].set_value("Flaky")
    inputs["Base URL"].set_value(base)
    inputs["Model(s)"].set_value("fault-model")
    next(b for b in at.sidebar.button if b.label == "Add endpoint").click().run()


def test_a_failed_send_can_be_retried_and_shows_no_empty_reply(fs):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    _add_endpoint(at, fs.base_url)
    assert at.session_state["pl.endpoint"] == "Flaky"
    fs.script(Reply(400, {"error": {"message": "model is overloaded today", "type": "invalid_request_error"}}))
    at.text_area(key="w.prompt").set_value("hello?").run()
    at.button(key="send").click().run()
    assert any("model is overloaded today" in e.value for e in at.error)
    text = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert "(empty reply)" not in text and "finish_reason **missing**" not in text
    at.button(key="act.retry").click().run()
    assert contents(at) == ["hello?", "Recovered reply."]
    assert fs.requests[-1].json()["messages"] == fs.requests[-2].json()["messages"]  # the same request


def test_an_error_from_another_endpoint_is_not_shown_after_switching(fs):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    _add_endpoint(at, fs.base_url)
    fs.script(Reply(400, {"error": {"message": "flaky endpoint error"}}))
    at.text_area(key="w.prompt").set_value("hello?").run()
    at.button(key="send").click().run()
    assert any("flaky endpoint error" in e.value for e in at.error)
    at.sidebar.selectbox[0].set_value(at.sidebar.selectbox[0].options[0]).run()  # the embedded model
    assert at.session_state["pl.endpoint"] != "Flaky"
    assert not any("flaky endpoint error" in e.value for e in at.error)


def test_words_to_token_ids_in_the_playground(app):
    app.text_input(key="pg.w.bias_words").set_value("blue").run()
    app.button(key="pg.b.bias_add").click().run()
    assert not app.exception
    bias = app.session_state["pl.params"]["logit_bias"]
    assert isinstance(bias, dict) and bias and set(bias.values()) == {-100.0}
    assert app.checkbox(key="pp.logit_bias.on").value
    assert app.text_area(key="pp.logit_bias.v").value == "\n".join(f"{i}: -100" for i in bias)


def test_a_preset_with_a_system_prompt_sets_it_and_says_what_is_in_use(app):
    assert any(c.value == "No preset loaded." for c in app.sidebar.caption)
    app.selectbox(key="w.preset").set_value("Balanced").run()
    assert any(c.value == "No preset loaded: press Load preset to apply it." for c in app.sidebar.caption)
    app.selectbox(key="w.preset").set_value("Support agent (with system prompt)").run()
    app.button(key="preset.load").click().run()
    assert app.session_state["pl.system"].startswith("You are a friendly customer-support agent.")
    assert app.text_area(key="w.system").value == app.session_state["pl.system"]
    assert any(c.value == "In use: “Support agent (with system prompt)”." for c in app.sidebar.caption)
    app.slider(key="pp.temperature.v").set_value(0.9).run()
    assert any(c.value == "In use: “Support agent (with system prompt)”, then changed." for c in app.sidebar.caption)
