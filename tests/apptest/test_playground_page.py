"""The Playground page under AppTest: every parameter control, every preset, the conversation
editor, sending with n choices side by side, validation errors that keep the draft."""
import json
import re
import shlex
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support.apptest import settle

from paramlab.request import presets
from paramlab.request import sessions
from paramlab.request import schema

PAGE = str(Path(__file__).resolve().parents[2] / "playground.py")

# control kind, widget getter, value to set, expected parameter value
CONTROLS = {
    "temperature": ("slider", 0.3, 0.3),
    "top_p": ("slider", 0.9, 0.9),
    "n": ("number_input", 2, 2),
    "max_tokens": ("number_input", 16, 16),
    "max_completion_tokens": ("number_input", 16, 16),
    "stop": ("text_area", "END\n\\n\\n", ["END", "\n\n"]),
    "presence_penalty": ("slider", 0.5, 0.5),
    "frequency_penalty": ("slider", -0.5, -0.5),
    "logit_bias": ("text_area", "17: -5\n28: 3", {17: -5.0, 28: 3.0}),
    "seed": ("number_input", 123, 123),
    "user": ("text_input", "alice", "alice"),
    "logprobs": ("radio", "true", True),
    "top_logprobs": ("number_input", 2, 2),
    "response_format": ("radio", "json_object", {"type": "json_object"}),
    "reasoning_effort": ("radio", "low", "low"),
    "verbosity": ("radio", "high", "high"),
    "service_tier": ("radio", "flex", "flex"),
    "store": ("radio", "false", False),
    "prompt_cache_key": ("text_input", "faq-v2", "faq-v2"),
    "prompt_cache_retention": ("radio", "24h", "24h"),
    "safety_identifier": ("text_input", "u-5f3a9c", "u-5f3a9c"),
    "prediction": ("text_area", "Hello world", {"type": "content", "content": "Hello world"}),
    "metadata": ("text_area", "project: paramlab\nrun: 7", {"project": "paramlab", "run": "7"}),
    "functions": ("text_area", '[{"name": "now", "parameters": {"type": "object"}}]',
                  [{"name": "now", "parameters": {"type": "object"}}]),
}
# Controls made of several widgets, or valid only together with another parameter, have their own
# tests: tests/apptest/test_new_params_apptest.py (and the tools editor in test_tools_apptest.py).
COMPOSITE = {"tools", "tool_choice", "parallel_tool_calls", "function_call", "modalities", "audio",
             "web_search_options"}


@pytest.fixture
def app(engine_endpoint):
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception
    return at


def widget(at, kind, key):
    return getattr(at, kind)(key=key)


def params(at):
    return at.session_state["pl.params"]


def curl_body(at) -> dict:
    """The JSON body of the curl snippet in View code."""
    snippet = next(c for c in codes(at) if c.startswith("curl"))
    args = shlex.split(snippet.replace("\\\n", " "))
    return json.loads(args[args.index("-d") + 1])


def codes(at):
    return [c.value for c in at.code]


def test_every_schema_parameter_has_a_control(app):
    assert set(CONTROLS) | COMPOSITE == set(schema.SAMPLING_NAMES)
    for name in CONTROLS:
        assert widget(app, "checkbox", f"pp.{name}.on") is not None


@pytest.mark.parametrize("name", list(CONTROLS))
def test_each_control_sets_sends_and_resets(app, name):
    kind, value, expected = CONTROLS[name]
    if name == "top_logprobs":  # needs logprobs on
        app.checkbox(key="pp.logprobs.on").check().run()
    app.checkbox(key=f"pp.{name}.on").check().run()
    widget(app, kind, f"pp.{name}.v").set_value(value).run()
    assert not app.exception
    assert params(app)[name] == expected
    # the next request (View code) carries it
    app.text_area(key="w.prompt").set_value("hi").run()
    sent = json.loads(json.dumps(schema.normalise({name: expected})[name]))
    assert curl_body(app)[name] == sent
    # reset: unticked and not sent
    app.button(key=f"pp.{name}.reset").click().run()
    assert params(app)[name] is None
    assert not app.checkbox(key=f"pp.{name}.on").value


def test_backend_and_interaction_warnings(app):
    app.checkbox(key="pp.temperature.on").check().run()
    app.slider(key="pp.temperature.v").set_value(0.5).run()
    app.checkbox(key="pp.top_p.on").check().run()
    app.slider(key="pp.top_p.v").set_value(0.5).run()
    assert any("Both temperature and top_p" in i.value for i in app.info)
    app.checkbox(key="pp.n.on").check().run()
    app.number_input(key="pp.n.v").set_value(6).run()
    assert any("at most n=4" in c.value for c in app.caption)  # the embedded engine's n_parallel


@pytest.mark.parametrize("preset", [p.name for p in presets.load_all().presets if p.builtin])
def test_each_preset_moves_the_controls(app, preset):
    app.selectbox(key="w.preset").set_value(preset).run()
    app.button(key="preset.load").click().run()
    assert not app.exception
    p = presets.load_all().get(preset)
    assert params(app) == p.apply()
    for name, value in p.params.items():
        assert app.checkbox(key=f"pp.{name}.on").value
        kind = CONTROLS[name][0]
        shown = widget(app, kind, f"pp.{name}.v").value
        if kind == "text_area":
            continue
        if kind == "radio":
            shown = shown == "true"
        assert shown == value, name
    assert any(p.description in c.value for c in app.caption)


def test_save_rename_delete_a_user_preset(app):
    app.checkbox(key="pp.temperature.on").check().run()
    app.slider(key="pp.temperature.v").set_value(0.4).run()
    app.text_input(key="w.preset.new").set_value("AppTest preset").run()
    app.text_input(key="w.preset.desc").set_value("made by a test").run()
    app.button(key="preset.save").click().run()
    assert app.selectbox(key="w.preset").value == "AppTest preset"
    assert presets.load_all().get("AppTest preset").params == {"temperature": 0.4}
    app.text_input(key="w.preset.rename").set_value("Renamed preset").run()
    app.button(key="preset.rename").click().run()
    assert presets.load_all().get("Renamed preset") is not None
    app.button(key="preset.delete").click().run()
    assert presets.load_all().get("Renamed preset") is None
    assert any("Deleted preset" in s.value for s in app.success)


def test_delete_acts_on_the_preset_picked_in_the_same_click(app):
    """A pick and a click that reach the server together (a quick user, a busy server): Delete
    removes the preset picked now. Its callback argument, bound when the page was last drawn,
    named the preset picked before, and deleted that one."""
    for name in ("Keep me", "Delete me"):
        app.text_input(key="w.preset.new").set_value(name).run()
        app.button(key="preset.save").click().run()
    assert app.selectbox(key="w.preset").value == "Delete me"
    app.selectbox(key="w.preset").set_value("Keep me").run()
    app.selectbox(key="w.preset").set_value("Delete me")
    app.button(key="preset.delete").click().run()  # the pick and the click in one run
    assert presets.load_all().get("Delete me") is None
    assert presets.load_all().get("Keep me") is not None


def test_open_acts_on_the_session_picked_in_the_same_click(app):
    """As for presets: Open reopens the session picked with the click, not the one picked before."""
    for system in ("You are session A.", "You are session B."):
        sessions.save(sessions.Session(system=system, params={}), system.split()[-1].rstrip("."))
    app.session_state["session-box"] = True  # the Session section, open
    app.run()
    picker = app.selectbox(key="w.session.pick")
    names = {o.rsplit("/", 1)[-1]: o for o in picker.options}
    picker.set_value(names["A.json"]).run()
    app.selectbox(key="w.session.pick").set_value(names["B.json"])
    app.button(key="session.open").click().run()  # the pick and the click in one run
    assert app.session_state["pl.system"] == "You are session B."


def test_conversation_editor_insert_edit_delete_clear(app):
    app.text_area(key="w.insert.text").set_value("first user turn").run()
    app.button(key="insert").click().run()
    app.radio(key="w.insert.role").set_value("assistant").run()
    app.text_area(key="w.insert.text").set_value("an assistant turn").run()
    app.button(key="insert").click().run()
    app.radio(key="w.insert.role").set_value("user").run()
    app.number_input(key="w.insert.pos").set_value(1).run()
    app.text_area(key="w.insert.text").set_value("inserted first").run()
    app.button(key="insert").click().run()
    msgs = app.session_state["pl.messages"]
    assert [(m["role"], m["content"]) for m in msgs] == [
        ("user", "inserted first"), ("user", "first user turn"), ("assistant", "an assistant turn")]
    app.button(key="edit.2").click().run()
    app.text_area(key="w.edit.2").set_value("edited reply").run()
    app.button(key="edit.save.2").click().run()
    assert app.session_state["pl.messages"][2]["content"] == "edited reply"
    app.button(key="del.0").click().run()
    assert [m["content"] for m in app.session_state["pl.messages"]] == ["first user turn", "edited reply"]
    app.button(key="insert").click().run()  # empty text: a clear error, nothing added
    assert any("content:" in e.value for e in app.error)
    app.button(key="clear").click().run()
    assert app.session_state["pl.messages"] == []


def test_send_n3_shows_three_panes_and_continue(app):
    app.checkbox(key="pp.n.on").check().run()
    app.number_input(key="pp.n.v").set_value(3).run()
    app.checkbox(key="pp.max_tokens.on").check().run()
    app.number_input(key="pp.max_tokens.v").set_value(12).run()
    app.text_area(key="w.prompt").set_value("Name a fruit.").run()
    app.button(key="send").click()
    settle(app)
    assert not app.exception
    run = app.session_state["pl.run"]
    assert run.n == 3 and len(run.slots) == 3 and all(s.text for s in run.slots)
    assert sum("finish_reason" in c.value for c in app.caption) >= 3
    assert sum("TTFT" in c.value for c in app.caption) >= 3
    req = [c for c in codes(app) if '"messages"' in c and c.lstrip().startswith("{")]
    assert req and json.loads(req[0])["n"] == 3  # the inspector shows the sent JSON
    assert any("chatcmpl" in c.value or "system_fingerprint" in c.value for c in app.markdown)
    app.button(key="run.cont1").click().run()
    msgs = app.session_state["pl.messages"]
    assert msgs[-1]["role"] == "assistant" and msgs[-1]["content"] == run.slots[1].text
    assert app.text_area(key="w.prompt").value == ""


def test_n_above_n_parallel_is_split_and_said(app):
    app.checkbox(key="pp.n.on").check().run()
    app.number_input(key="pp.n.v").set_value(5).run()
    app.checkbox(key="pp.max_tokens.on").check().run()
    app.number_input(key="pp.max_tokens.v").set_value(4).run()
    app.text_area(key="w.prompt").set_value("Hi").run()
    app.button(key="send").click()
    settle(app)
    run = app.session_state["pl.run"]
    assert len(run.slots) == 5 and all(s.status == "ok" for s in run.slots)
    assert any("n_parallel" in i.value for i in app.info)


def test_single_reply_joins_the_conversation_with_metrics(app):
    app.checkbox(key="pp.max_tokens.on").check().run()
    app.number_input(key="pp.max_tokens.v").set_value(16).run()
    app.text_area(key="w.prompt").set_value("Say hi").run()
    app.button(key="send").click()
    settle(app)
    msgs = app.session_state["pl.messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant"] and msgs[1]["content"]
    assert any("TTFT" in c.value for c in app.caption)
    # the embedded engine reports its context window, so the meter is a progress bar
    meters = [p.proto.text for p in app.get("progress")]
    assert len(meters) == 1 and re.fullmatch(r"Context: [\d,]+ of [\d,]+ tokens \(.+\)", meters[0]), meters


def test_invalid_request_is_not_sent_and_the_draft_is_kept(app):
    app.checkbox(key="pp.top_logprobs.on").check().run()  # without logprobs: invalid
    app.text_area(key="w.prompt").set_value("my carefully typed message").run()
    assert app.button(key="send").disabled
    assert [e.value for e in app.sidebar.error] == ["top_logprobs: needs logprobs set to true"]
    assert app.text_area(key="w.prompt").value == "my carefully typed message"
    assert app.session_state["pl.messages"] == []


def test_logprobs_reply_shows_probabilities(app):
    app.selectbox(key="w.preset").set_value("Inspect token probabilities").run()
    app.button(key="preset.load").click().run()
    app.number_input(key="pp.max_tokens.v").set_value(5).run()
    app.checkbox(key="pp.n.on").check().run()
    app.number_input(key="pp.n.v").set_value(2).run()
    app.text_area(key="w.prompt").set_value("Hi").run()
    app.button(key="send").click()
    settle(app)
    assert not app.exception
    run = app.session_state["pl.run"]
    assert all(len(s.logprobs) == s.completion_tokens for s in run.slots)
    app.button(key="run.cont0").click().run()  # the chosen reply keeps its probabilities in the history
    assert app.session_state["pl.messages"][-1]["result"].choices[0].logprobs
