"""The panel's composite controls under AppTest against a scripted server: each is set through
its widgets and the request carries exactly the value shown; a half-set combination is refused
with the field named and nothing is sent."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from support import apptest


@pytest.fixture
def app(fs, monkeypatch, tmp_path):
    at = apptest.playground(monkeypatch, fs.base_url, tmp_path)
    at.session_state["pl.stream"] = False
    return at


def send(at: AppTest) -> bool | None:
    """Send "hi": True once sent, None when Send is disabled (nothing sent)."""
    at.text_area(key="w.prompt").set_value("hi").run()
    if at.button(key="send").disabled:
        return None
    n = len(at.session_state["pl.messages"])
    at.button(key="send").click().run()
    assert not at.exception, at.exception
    assert len(at.session_state["pl.messages"]) > n
    return True


def errors(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in at.error)


def test_tool_choice_names_a_tool_and_parallel_calls(app, fs):
    app.checkbox(key="pp.tool_choice.on").check().run()
    assert "tool_choice: needs at least one tool in tools" in errors(app)
    assert send(app) is None and fs.count == 0
    app.checkbox(key="pp.tools.on").check().run()
    app.selectbox(key="pp.tools.v.template").set_value("calculator").run()
    app.button(key="pp.tools.v.add").click().run()
    app.radio(key="pp.tool_choice.v").set_value("function: calculator").run()
    app.checkbox(key="pp.parallel_tool_calls.on").check().run()
    app.radio(key="pp.parallel_tool_calls.v").set_value("false").run()
    assert send(app)
    body = fs.requests[-1].json()
    assert body["tool_choice"] == {"type": "function", "function": {"name": "calculator"}}
    assert body["parallel_tool_calls"] is False
    assert body["tools"][0]["function"]["name"] == "calculator"


def test_audio_needs_modalities_and_both_are_sent(app, fs):
    app.checkbox(key="pp.audio.on").check().run()
    assert 'audio: only with modalities ["text", "audio"]' in errors(app)
    assert send(app) is None and fs.count == 0
    app.checkbox(key="pp.modalities.on").check().run()
    app.radio(key="pp.modalities.v").set_value("text+audio").run()
    app.selectbox(key="pp.audio.v.voice").set_value("coral").run()
    app.radio(key="pp.audio.v.format").set_value("mp3").run()
    assert send(app)
    body = fs.requests[-1].json()
    assert body["modalities"] == ["text", "audio"] and body["audio"] == {"voice": "coral", "format": "mp3"}


def test_web_search_options(app, fs):
    app.checkbox(key="pp.web_search_options.on").check().run()
    app.radio(key="pp.web_search_options.v.size").set_value("high").run()
    app.text_input(key="pp.web_search_options.v.country").set_value("France").run()
    assert "web_search_options.user_location.approximate.country: a two-letter ISO country code" in errors(app)
    assert send(app) is None
    app.text_input(key="pp.web_search_options.v.country").set_value("FR").run()
    app.text_input(key="pp.web_search_options.v.city").set_value("Lyon").run()
    assert send(app)
    assert fs.requests[-1].json()["web_search_options"] == {
        "search_context_size": "high", "user_location": {"type": "approximate",
                                                         "approximate": {"city": "Lyon", "country": "FR"}}}


def test_function_call_with_functions(app, fs):
    app.checkbox(key="pp.function_call.on").check().run()
    assert "function_call: needs at least one function in functions" in errors(app)
    app.checkbox(key="pp.functions.on").check().run()
    app.text_area(key="pp.functions.v").set_value('[{"name": "now", "parameters": {"type": "object"}}]').run()
    app.radio(key="pp.function_call.v").set_value("now").run()
    assert any("Deprecated — use **tools**" in str(c.value) for c in app.caption)
    assert send(app)
    body = fs.requests[-1].json()
    assert body["function_call"] == {"name": "now"} and body["functions"][0]["name"] == "now"


def test_metadata_limits_named_before_sending(app, fs):
    app.checkbox(key="pp.metadata.on").check().run()
    app.text_area(key="pp.metadata.v").set_value("\n".join(f"k{i}: v" for i in range(17))).run()
    assert "metadata: at most 16 pairs, got 17" in errors(app)
    app.text_area(key="pp.metadata.v").set_value("k" * 65 + ": v").run()
    assert "key is 65 characters; at most 64" in errors(app)
    assert send(app) is None and fs.count == 0


def test_a_spoken_reply_plays_with_its_transcript(app, fs):
    import base64
    import io
    import wave

    from support.fault_server import Reply, completion
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(24_000)
        w.writeframes(b"\0\0" * 2400)
    body = completion("")
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "audio": {
        "id": "audio_1", "expires_at": 1700003600, "data": base64.b64encode(buf.getvalue()).decode(),
        "transcript": "Hello from the audio model."}}
    fs.script(Reply(200, body))
    app.checkbox(key="pp.modalities.on").check().run()
    app.radio(key="pp.modalities.v").set_value("text+audio").run()
    app.checkbox(key="pp.audio.on").check().run()
    app.text_area(key="w.prompt").set_value("Say hello").run()
    app.button(key="send").click().run()
    assert not app.exception, app.exception
    assert fs.requests[-1].json()["modalities"] == ["text", "audio"]
    assert len(app.get("audio")) == 1
    assert "Hello from the audio model." in [str(m.value) for m in app.markdown]


def test_include_obfuscation_toggle(app, fs):
    from support.scripted import text_stream
    app.session_state["pl.stream"] = True
    app.run()
    app.toggle(key="w.no_obfuscation").set_value(True).run()
    fs.script(text_stream("ok then"))
    assert send(app)
    assert fs.requests[-1].json()["stream_options"] == {"include_usage": True, "include_obfuscation": False}


def test_a_preset_with_tools_and_a_schema_fills_the_editors(app, fs, tmp_path):
    from paramlab.request import presets, structured
    from paramlab.request import tools as toolslib
    folder = tmp_path / "presets"
    folder.mkdir(exist_ok=True)
    params = {"tools": [toolslib.TEMPLATES["calculator"]], "tool_choice": "required",
              "response_format": {"type": "json_schema", "json_schema": structured.EXAMPLES["sentiment"]}}
    (folder / "agent.yaml").write_text(presets.dump("Agent", "a calculator and a schema", params))
    at = AppTest.from_file(apptest.PLAYGROUND, default_timeout=60)
    at.run()
    at.selectbox(key="w.preset").set_value("Agent").run()
    at.button(key="preset.load").click().run()
    assert not at.exception, at.exception
    rid = at.session_state["pp.tools.v.rows"][0]
    assert at.text_input(key=f"pp.tools.v.{rid}.name").value == "calculator"
    assert at.radio(key="pp.tool_choice.v").value == "required"
    assert at.text_input(key="pp.response_format.v.js.name").value == "sentiment"
    at.text_area(key="w.prompt").set_value("2+2?").run()
    at.session_state["pl.stream"] = False
    at.button(key="send").click().run()
    body = fs.requests[-1].json()
    assert body["tools"] == params["tools"] and body["tool_choice"] == "required"
    assert body["response_format"] == params["response_format"]
