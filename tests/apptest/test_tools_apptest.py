"""The tool workflow in the Playground under AppTest, against a scripted server: define a tool
from a template, receive two parallel tool calls (one with arguments that break the schema),
answer both (one typed, one mock) and get the final reply; the second request carries the
assistant turn with its tool calls and one tool turn per call. Plus structured-output verdicts
and the unsupported-parameter recovery on OpenAI's recorded 400 bodies."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support import apptest
from support.fault_server import Reply, completion
from support.scripted import text_stream, tool_call_stream

DATA = Path(__file__).resolve().parents[1] / "support" / "data"
CALLS = [("call_paris", "get_weather", '{"city": "Paris", "unit": "celsius"}'),
         ("call_tokyo", "get_weather", '{"city": "Tokyo"}')]  # no unit: fails the schema


@pytest.fixture
def make_app(fs, monkeypatch, tmp_path):
    def _make(model: str = "fault-model") -> AppTest:
        return apptest.playground(monkeypatch, fs.base_url, tmp_path, model=model)
    return _make


@pytest.fixture
def app(make_app):
    return make_app()


def send(at: AppTest, text: str) -> None:
    at.text_area(key="w.prompt").set_value(text)
    at.button(key="send").click().run()
    drain(at)


def drain(at: AppTest) -> None:
    for _ in range(5):
        if at.session_state["pl.live"] is None if "pl.live" in at.session_state else True:
            break
        at.run()
    assert not at.exception, at.exception


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]


def test_define_tool_answer_parallel_calls_and_continue(app, fs):
    app.checkbox(key="pp.tools.on").check().run()
    app.selectbox(key="pp.tools.v.template").set_value("get_weather").run()
    app.button(key="pp.tools.v.add").click().run()
    assert [t["function"]["name"] for t in app.session_state["pl.params"]["tools"]] == ["get_weather"]

    fs.script(tool_call_stream(CALLS), text_stream("Paris is mild and Tokyo is warm."))
    send(app, "Weather in Paris and Tokyo?")
    sent = fs.requests[0].json()
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    # one card per call, with the verdict of its arguments
    md = "\n".join(texts(app, "markdown"))
    assert md.count("🛠️ **get_weather**") == 2
    captions = "\n".join(texts(app, "caption"))
    assert "✓ arguments parse and match the tool's schema" in captions
    assert "✗ invalid: (root): 'unit' is a required property" in captions
    assert [json.loads(c) for c in texts(app, "code") if c.startswith("{\n  \"city\"")][:2] == [
        {"city": "Paris", "unit": "celsius"}, {"city": "Tokyo"}]
    # nothing joined the conversation yet: the calls wait for their answers
    assert [m["role"] for m in app.session_state["pl.messages"]] == ["user"]

    # answering with a result missing is refused, naming the call
    app.button(key="run.tc0.answer").click().run()
    assert any("call 1, 2 has no result" in e for e in texts(app, "error"))
    assert fs.count == 1

    app.text_area(key="run.tc0.result0").set_value('{"temperature": 14}')
    app.button(key="run.tc0.mock1").click().run()
    mock = app.text_area(key="run.tc0.result1").value
    assert json.loads(mock) == {"temperature": 18.5, "conditions": "light rain"}
    app.button(key="run.tc0.answer").click().run()
    drain(app)

    assert fs.count == 2
    second = fs.requests[1].json()["messages"]
    assert second[-3] == {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": CALLS[0][2]}},
        {"id": "call_tokyo", "type": "function", "function": {"name": "get_weather", "arguments": CALLS[1][2]}}]}
    assert second[-2] == {"role": "tool", "tool_call_id": "call_paris", "content": '{"temperature": 14}'}
    assert second[-1] == {"role": "tool", "tool_call_id": "call_tokyo", "content": mock}
    msgs = app.session_state["pl.messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "tool", "assistant"]
    assert msgs[-1]["content"] == "Paris is mild and Tokyo is warm."


def test_bad_tool_is_named_and_nothing_is_sent(app, fs):
    app.checkbox(key="pp.tools.on").check().run()
    app.button(key="pp.tools.v.add").click().run()
    rid = app.session_state["pp.tools.v.rows"][0]
    app.text_input(key=f"pp.tools.v.{rid}.name").set_value("get weather").run()
    assert any("tools[0].function.name: 'get weather' is not a valid function name" in e for e in texts(app, "error"))
    app.text_input(key=f"pp.tools.v.{rid}.name").set_value("get_weather").run()
    app.text_area(key=f"pp.tools.v.{rid}.params").set_value('{"type": "objekt"}').run()
    assert any(e.startswith("tools[0].function.parameters: not a valid JSON Schema") for e in texts(app, "error"))
    app.text_area(key="w.prompt").set_value("hi").run()
    assert app.button(key="send").disabled  # Send stays off while a field is invalid
    assert fs.count == 0


def test_structured_reply_is_validated(app, fs):
    app.checkbox(key="pp.response_format.on").check().run()
    app.radio(key="pp.response_format.v").set_value("json_schema").run()
    app.selectbox(key="pp.response_format.v.js.example").set_value("person").run()
    app.session_state["pl.stream"] = False
    fs.script(Reply(200, completion('{"name": "Ada", "age": 36}')), Reply(200, completion('{"name": "Ada"}')))
    send(app, "A person")
    assert fs.requests[0].json()["response_format"]["json_schema"]["name"] == "person"
    assert "Structured output: valid against the JSON schema." in texts(app, "success")
    send(app, "Another")
    assert "Structured output: schema mismatch — (root): 'age' is a required property" in texts(app, "error")


def recorded_400(name: str) -> tuple[dict, Reply]:
    """A real OpenAI 400 body (see the file's _source), replayed byte for byte."""
    rec = json.loads((DATA / "openai_errors.json").read_text())[name]
    return rec, Reply(rec["status"], rec["body"], content_type="application/json")


@pytest.mark.parametrize("recording, model, value", [
    ("openai-400-unsupported-value-temperature", "gpt-5-mini", 0.1),
    ("openai-400-unsupported-parameter-temperature", "o3-mini", 0.2),
    ("openai-400-unsupported-parameter-max-tokens", "gpt-5.1", None)])
def test_untick_and_resend_on_a_recorded_400(make_app, fs, recording, model, value):
    rec, reply = recorded_400(recording)
    param = json.loads(rec["body"])["error"]["param"]
    app = make_app(model)
    app.checkbox(key=f"pp.{param}.on").check().run()
    if value is not None:
        app.slider(key=f"pp.{param}.v").set_value(value).run()
    # the reasoning-model warning is there before sending
    assert any(f"{model} is a reasoning model" in w and param in w for w in texts(app, "warning"))
    fs.script(reply, text_stream("Fine."))
    send(app, "Hello")
    assert fs.count == 1 and param in fs.requests[0].json()
    assert any(json.loads(rec["body"])["error"]["message"] in e for e in texts(app, "error"))
    app.button(key=f"run.untick.{param}").click().run()
    drain(app)
    assert fs.count == 2
    assert param not in fs.requests[1].json()
    assert app.session_state["pl.params"][param] is None
    assert app.checkbox(key=f"pp.{param}.on").value is False
    assert app.session_state["pl.messages"][-1]["content"] == "Fine."


def test_a_recorded_stream_refusal_resends_without_streaming(make_app, fs):
    """o1's real 'stream does not support true': the offer turns the Stream toggle off (the panel
    has nothing to untick for it) and the same conversation goes again as one JSON reply."""
    _, reply = recorded_400("openai-400-unsupported-value-stream")
    app = make_app("o1-mini")
    fs.script(reply, Reply(200, completion("No stream needed.")))
    send(app, "Hello")
    assert fs.requests[0].json()["stream"] is True
    assert app.button(key="run.untick.stream").label == "Resend without streaming"
    app.button(key="run.untick.stream").click().run()
    drain(app)
    assert fs.count == 2
    again = fs.requests[1].json()
    assert "stream" not in again and "stream_options" not in again
    assert app.session_state["pl.stream"] is False and app.toggle(key="w.stream").value is False
    assert app.session_state["pl.messages"][-1]["content"] == "No stream needed."


def test_a_recorded_system_role_refusal_offers_no_untick(make_app, fs):
    """o1-mini's real refusal of messages[0].role 'system' names a turn, not a parameter: no
    'Untick messages' button, a note saying what to change, and nothing is resent."""
    _, reply = recorded_400("openai-400-unsupported-value-system-role")
    app = make_app("o1-mini")
    fs.script(reply)
    send(app, "Hello")
    assert not [b for b in app.button if str(b.key or "").startswith("run.untick")]
    assert any("The server refused **messages[0].role** (unsupported_value)" in i for i in texts(app, "info"))
    assert any("'messages[0].role' does not support 'system' with this model" in e for e in texts(app, "error"))
    assert fs.count == 1
    assert app.session_state["pl.messages"][-1] == {"role": "user", "content": "Hello"}  # nothing typed is lost


def test_reasoning_effort_with_a_recorded_reasoner_stream(make_app, fs):
    """reasoning_effort goes out; DeepSeek's recorded reasoner stream comes back with its thinking
    in the Thinking block and the reply apart, and the reasoning tokens in the usage."""
    from support.fault_server import Stream
    from support.recorded import CORPUS, load
    rec = load(CORPUS / "deepseek__stream-reasoner-reasoning-content.json")
    app = make_app("deepseek-reasoner")
    app.checkbox(key="pp.reasoning_effort.on").check().run()
    app.radio(key="pp.reasoning_effort.v").set_value("high").run()
    fs.script(Stream([rec["body"].encode()]))
    send(app, "Hello")
    assert fs.requests[0].json()["reasoning_effort"] == "high"
    reply = app.session_state["pl.messages"][-1]
    assert reply["content"] == rec["expect"]["choices"][0]["text"]
    choice = reply["result"].choices[0]
    assert choice.reasoning == rec["expect"]["choices"][0]["reasoning"]
    assert any(e.label.startswith("Thinking (") for e in app.expander)


def test_conversation_editor_writes_developer_assistant_tool_calls_and_tool_turns(app, fs):
    """Turns typed by hand: a developer turn, an assistant turn whose tool calls are edited as
    JSON (a typo is named, nothing changes), and the tool turn answering it; Send carries them."""
    def insert(role: str, text: str, tcid: str = "") -> None:
        app.radio(key="w.insert.role").set_value(role).run()
        if tcid:
            app.text_input(key="w.insert.tcid").set_value(tcid)
        app.text_area(key="w.insert.text").set_value(text)
        app.button(key="insert").click().run()
        assert not app.exception, app.exception

    insert("developer", "Answer in French.")
    insert("user", "Weather in Nice?")
    insert("assistant", "Checking.")
    app.button(key="edit.2").click().run()
    app.text_area(key="w.edit.tcs.2").set_value("[{not json").run()
    app.button(key="edit.save.2").click().run()
    assert any(e.value.startswith("messages[2].tool_calls: not valid JSON") for e in app.error)
    app.text_area(key="w.edit.tcs.2").set_value(
        '[{"id": "c7", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Nice\\"}"}}]')
    app.button(key="edit.save.2").click().run()
    insert("tool", '{"temperature": 21}', tcid="c7")
    fs.script(text_stream("Il fait 21 °C à Nice."))
    app.button(key="send").click().run()
    drain(app)
    sent = fs.requests[-1].json()["messages"]
    assert [m["role"] for m in sent] == ["system", "developer", "user", "assistant", "tool"]
    assert sent[3]["tool_calls"][0]["function"]["arguments"] == '{"city": "Nice"}'
    assert sent[4] == {"role": "tool", "tool_call_id": "c7", "content": '{"temperature": 21}'}
    assert app.session_state["pl.messages"][-1]["content"] == "Il fait 21 °C à Nice."


def test_openai_recorded_tool_call_stream_is_checked_and_answered(app, fs):
    """OpenAI's recorded tool-call stream (arguments in many small deltas) against the tool the
    recorded request defined: one card, valid, answered, conversation continued."""
    from support.fault_server import Stream
    from support.recorded import CORPUS, load
    rec = load(CORPUS / "openai__stream-tool-call-deltas.json")
    fn = rec["request"]["tools"][0]["function"]
    app.checkbox(key="pp.tools.on").check().run()
    app.button(key="pp.tools.v.add").click().run()
    rid = app.session_state["pp.tools.v.rows"][0]
    app.text_input(key=f"pp.tools.v.{rid}.name").set_value(fn["name"]).run()
    app.text_input(key=f"pp.tools.v.{rid}.desc").set_value(fn["description"]).run()
    app.text_area(key=f"pp.tools.v.{rid}.params").set_value(json.dumps(fn["parameters"])).run()
    app.checkbox(key=f"pp.tools.v.{rid}.strict").uncheck().run()
    fs.script(Stream([rec["body"].encode()]), text_stream("It is sunny in San Francisco."))
    send(app, rec["request"]["messages"][0]["content"])
    expected = rec["expect"]["choices"][0]["tool_calls"][0]
    assert fs.requests[0].json()["tools"] == rec["request"]["tools"]  # as the recorded request defined it
    assert ":green[✓ arguments parse and match the tool's schema]" in texts(app, "caption")
    assert json.loads(next(c for c in texts(app, "code") if "San Francisco" in c)) == json.loads(expected["arguments"])
    app.button(key="run.tc0.mock0").click().run()
    app.button(key="run.tc0.answer").click().run()
    drain(app)
    sent = fs.requests[1].json()["messages"]
    assert sent[-2]["tool_calls"][0]["id"] == expected["id"]
    assert sent[-1]["tool_call_id"] == expected["id"] and json.loads(sent[-1]["content"])["arguments"] == {
        "location": "San Francisco"}
    assert app.session_state["pl.messages"][-1]["content"] == "It is sunny in San Francisco."
