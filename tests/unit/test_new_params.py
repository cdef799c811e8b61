"""Today's parameters, messages, tools and structured outputs: every bad value is rejected with
the field named and nothing is sent (checked on a real HTTP server that counts requests), good
values go out exactly as given, and the pure helpers (tool-call checks, mocks, answers,
reasoning-model warnings, the unsupported-parameter offer) do what the pages rely on."""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from PIL import Image

from paramlab.client.chat import ChatClient
from paramlab.client.result import ChatResult
from paramlab.request import messages, reasoning_models, reply_audio, structured
from paramlab.request import tools as toolslib
from paramlab.request.schema import PARAMS, ValidationError, build_body
from paramlab.settings import Endpoint

from support.fault_server import FaultServer

DATA = Path(__file__).resolve().parents[1] / "support" / "data"
MSGS = [{"role": "user", "content": "Hi"}]
WEATHER = toolslib.TEMPLATES["get_weather"]


def png(size=(4, 4)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


PNG_URL = "data:image/png;base64," + base64.b64encode(png()).decode()


@pytest.fixture(scope="module")
def server():
    with FaultServer() as fs:
        yield fs


@pytest.fixture
def send(server):
    server.reset()
    client = ChatClient(Endpoint(name="counting", base_url=server.base_url))

    def _send(params, msgs=MSGS):
        body = build_body("m", msgs, params)
        result = client.run(body)
        assert result.status == "ok", result.error
        return server.requests[-1].json()

    _send.server = server
    return _send


BAD = [  # (params, the field named)
    ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
    ({"metadata": {"k" * 65: "v"}}, "metadata.kkkkkkkkkkkkkkkkkkkk…"),
    ({"metadata": {"k": "v" * 513}}, "metadata.k"),
    ({"metadata": {"k": 5}}, "metadata.k"),
    ({"metadata": ["a"]}, "metadata"),
    ({"safety_identifier": "x" * 65}, "safety_identifier"),
    ({"prompt_cache_key": 7}, "prompt_cache_key"),
    ({"reasoning_effort": "extreme"}, "reasoning_effort"),
    ({"verbosity": "loud"}, "verbosity"),
    ({"service_tier": "gold"}, "service_tier"),
    ({"prompt_cache_retention": "in-memory"}, "prompt_cache_retention"),  # the API spells it in_memory
    ({"store": "yes"}, "store"),
    ({"prediction": {"type": "text", "content": "x"}}, "prediction"),
    ({"prediction": {"type": "content", "content": ""}}, "prediction.content"),
    ({"web_search_options": {"search_context_size": "huge"}}, "web_search_options.search_context_size"),
    ({"web_search_options": {"user_location": {"type": "exact"}}}, "web_search_options.user_location"),
    ({"web_search_options": {"user_location": {"type": "approximate", "approximate": {"country": "France"}}}},
     "web_search_options.user_location.approximate.country"),
    ({"modalities": ["audio"]}, "modalities"),
    ({"modalities": ["text", "audio"]}, "audio"),  # audio settings missing
    ({"audio": {"voice": "alloy", "format": "wav"}}, "audio"),  # without modalities
    ({"modalities": ["text", "audio"], "audio": {"voice": "robot", "format": "wav"}}, "audio.voice"),
    ({"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "ogg"}}, "audio.format"),
    ({"tools": [{"type": "function", "function": {"name": "bad name"}}]}, "tools[0].function.name"),
    ({"tools": [{"type": "function", "function": {"name": "x" * 65}}]}, "tools[0].function.name"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "objekt"}}}]},
     "tools[0].function.parameters"),
    ({"tools": [{"type": "function", "function": {"name": "f", "parameters": "not a schema"}}]},
     "tools[0].function.parameters"),
    ({"tools": [WEATHER, WEATHER]}, "tools[1].function.name"),  # names unique
    ({"tools": [{"type": "retrieval"}]}, "tools[0].type"),
    ({"tools": [{"type": "function", "function": {"name": "f", "strict": "yes"}}]}, "tools[0].function.strict"),
    ({"tool_choice": "required"}, "tool_choice"),  # no tools
    ({"tools": [WEATHER], "tool_choice": "sometimes"}, "tool_choice"),
    ({"tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "tool_choice"),
    ({"parallel_tool_calls": True}, "parallel_tool_calls"),  # no tools
    ({"functions": [{"name": "a b"}]}, "functions[0].name"),
    ({"function_call": "auto"}, "function_call"),  # no functions
    ({"functions": [{"name": "f"}], "function_call": {"name": "g"}}, "function_call"),
    ({"functions": [{"name": "f"}], "tools": [WEATHER]}, "functions"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "has space", "schema": {}}}},
     "response_format.json_schema.name"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": 12}}}},
     "response_format.json_schema.schema"),
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": {}, "strict": 1}}},
     "response_format.json_schema.strict"),
    ({"stream": True, "stream_options": {"include_obfuscation": "no"}}, "stream_options"),
    ({"top_logprobs": 3}, "top_logprobs"),  # without logprobs
]


@pytest.mark.parametrize("params, field", BAD, ids=[f for _, f in BAD])
def test_bad_values_named_and_nothing_sent(send, params, field):
    with pytest.raises(ValidationError) as ei:
        send(params)
    assert field in [e.field for e in ei.value.errors], ei.value
    assert send.server.count == 0


BAD_MESSAGES = [
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,"
                                                                          + base64.b64encode(b"not an image").decode()}}]}],
     "messages[0].content[0].image_url.url"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,%%%"}}]}],
     "messages[0].content[0].image_url.url"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}]}],
     "messages[0].content[0].image_url.url"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": PNG_URL, "detail": "max"}}]}],
     "messages[0].content[0].image_url.detail"),
    ([{"role": "system", "content": [{"type": "image_url", "image_url": {"url": PNG_URL}}]}],
     "messages[0].content[0].type"),  # images only in user turns
    ([{"role": "user", "content": "q"}, {"role": "tool", "tool_call_id": "call_9", "content": "r"}],
     "messages[1].tool_call_id"),  # answers no call
    ([{"role": "assistant", "content": None, "tool_calls": [{"type": "function",
                                                              "function": {"name": "f", "arguments": "{}"}}]}],
     "messages[0].tool_calls[0].id"),
    ([{"role": "assistant", "content": None, "tool_calls": [{"id": "c", "type": "function",
                                                              "function": {"name": "f", "arguments": {}}}]}],
     "messages[0].tool_calls[0].function.arguments"),
    ([{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "ogg"}}]}],
     "messages[0].content[0].input_audio.format"),
    ([{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "%%%", "format": "wav"}}]}],
     "messages[0].content[0].input_audio.data"),
    ([{"role": "user", "content": [{"type": "file", "file": {"filename": "a.pdf"}}]}],
     "messages[0].content[0].file"),
    ([{"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": PNG_URL}}]}],
     "messages[0].content[0].type"),  # an assistant turn holds text and refusal parts only
    ([{"role": "user", "content": [{"type": "refusal", "refusal": "no"}]}],
     "messages[0].content[0].type"),
]


def test_every_content_part_of_the_reference_is_accepted_and_sent_exactly(send):
    """Parts a real application sends (the relay validates its traffic through the same schema)."""
    msgs = [{"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
            {"role": "user", "content": [
                {"type": "text", "text": "Transcribe and summarise."},
                {"type": "input_audio", "input_audio": {"data": base64.b64encode(b"RIFF....WAVE").decode(),
                                                        "format": "wav"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0xLjc=",
                                          "filename": "notes.pdf"}},
                {"type": "file", "file": {"file_id": "file-abc123"}}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Partly: "},
                                              {"type": "refusal", "refusal": "I cannot read the PDF."}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "{\"ok\": true}"}]},
            {"role": "user", "content": "Thanks."}]
    assert send({}, msgs)["messages"] == msgs


@pytest.mark.parametrize("msgs, field", BAD_MESSAGES, ids=[f for _, f in BAD_MESSAGES])
def test_bad_messages_named_and_nothing_sent(send, msgs, field):
    with pytest.raises(ValidationError) as ei:
        send({}, msgs)
    assert field in [e.field for e in ei.value.errors], ei.value
    assert send.server.count == 0


def test_good_values_are_sent_exactly(send):
    params = {"reasoning_effort": "low", "verbosity": "high", "service_tier": "flex", "store": True,
              "metadata": {"project": "paramlab"}, "prompt_cache_key": "faq", "safety_identifier": "u-1f",
              "prompt_cache_retention": "24h",
              "prediction": {"type": "content", "content": "Hello"},
              "web_search_options": {"search_context_size": "low", "user_location": {
                  "type": "approximate", "approximate": {"country": "FR", "city": "Lyon"}}},
              "modalities": ["text", "audio"], "audio": {"voice": "coral", "format": "mp3"},
              "tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
              "parallel_tool_calls": False, "stream": True,
              "stream_options": {"include_usage": True, "include_obfuscation": False}}
    msgs = [{"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                         {"type": "image_url", "image_url": {"url": PNG_URL, "detail": "low"}}]},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "{\"t\": 3}"}]
    got = send(params, msgs)
    for k, v in params.items():
        assert got[k] == v, k
    assert got["messages"] == msgs


def test_every_new_parameter_has_help_in_the_schema():
    for name in ("reasoning_effort", "verbosity", "tools", "tool_choice", "parallel_tool_calls", "service_tier",
                 "store", "metadata", "prediction", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
                 "web_search_options", "modalities", "audio", "functions", "function_call"):
        assert PARAMS[name].short and PARAMS[name].long, name
    assert PARAMS["max_tokens"].replaced_by == "max_completion_tokens"
    assert PARAMS["user"].replaced_by == "safety_identifier / prompt_cache_key"
    assert PARAMS["functions"].replaced_by == "tools" and PARAMS["function_call"].replaced_by == "tool_choice"
    assert PARAMS["reasoning_effort"].choices == ("none", "minimal", "low", "medium", "high", "xhigh", "max")
    assert PARAMS["service_tier"].choices == ("auto", "default", "flex", "priority", "scale")
    assert PARAMS["prompt_cache_retention"].choices == ("in_memory", "24h")


# -- images -----------------------------------------------------------------------------------
def test_upload_becomes_a_data_url_and_non_images_are_refused():
    assert messages.image_data_url(png()).startswith("data:image/png;base64,")
    with pytest.raises(ValidationError) as ei:
        messages.image_data_url(b"%PDF-1.7 not an image", field="image 'cv.png'")
    assert str(ei.value) == "image 'cv.png': is not a PNG, JPEG, GIF or WebP image"
    with pytest.raises(ValidationError) as ei:
        messages.image_data_url(b"\0" * (messages.MAX_IMAGE_BYTES + 1))
    assert "over the 20 MiB limit" in str(ei.value)


# -- tool calls -------------------------------------------------------------------------------
def test_check_call_in_both_shapes():
    tools = [WEATHER]
    ok = toolslib.check_call({"id": "a", "type": "function", "function": {
        "name": "get_weather", "arguments": '{"city": "Paris", "unit": "celsius"}'}}, tools)
    assert ok.valid and ok.pretty == '{\n  "city": "Paris",\n  "unit": "celsius"\n}'
    flat = toolslib.check_call({"id": "b", "type": "function", "name": "get_weather",
                                "arguments": '{"city": "Paris", "unit": "kelvin"}'}, tools)
    assert not flat.valid and flat.error == "unit: 'kelvin' is not one of ['celsius', 'fahrenheit']"
    broken = toolslib.check_call({"id": "c", "name": "get_weather", "arguments": '{"city": "Par'}, tools)
    assert not broken.parses and broken.verdict == "not JSON" and broken.error.startswith("arguments are not JSON")
    unknown = toolslib.check_call({"id": "d", "name": "launch", "arguments": "{}"}, tools)
    assert unknown.verdict == "unknown tool"
    assert toolslib.count_valid([{"name": "get_weather", "arguments": '{"city": "P", "unit": "celsius"}'},
                                 {"name": "get_weather", "arguments": "{}"}], tools) == (1, 2)


def test_mock_results_and_answer_turns():
    mock = json.loads(toolslib.mock_result({"name": "get_weather", "arguments": "{}"}))
    assert mock == {"temperature": 18.5, "conditions": "light rain"}
    echo = json.loads(toolslib.mock_result({"name": "custom", "arguments": '{"q": 1}'}))
    assert echo["arguments"] == {"q": 1} and echo["tool"] == "custom"
    calls = [{"id": "a", "name": "f", "arguments": "{}"}, {"id": "", "function": {"name": "g", "arguments": "{}"}}]
    turns = toolslib.answer_turns(None, calls, ["r1", "r2"])
    assert turns[0]["tool_calls"][1]["id"] == "call_1"  # an id made up where the server sent none
    assert turns[1:] == [{"role": "tool", "tool_call_id": "a", "content": "r1"},
                         {"role": "tool", "tool_call_id": "call_1", "content": "r2"}]
    assert messages.validate(turns) == []
    with pytest.raises(ValidationError):
        toolslib.answer_turns(None, calls, ["only one"])


def test_tools_import_export_round_trip():
    text = toolslib.export_json([WEATHER, toolslib.TEMPLATES["calculator"]])
    assert toolslib.import_json(text) == [WEATHER, toolslib.TEMPLATES["calculator"]]
    assert toolslib.import_json(json.dumps({"name": "bare", "parameters": {"type": "object"}}))[0]["type"] == "function"
    with pytest.raises(ValidationError) as ei:
        toolslib.import_json("[{\"type\": \"function\", \"function\": {\"name\": \"a b\"}}]")
    assert ei.value.errors[0].field == "tools[0].function.name"
    with pytest.raises(ValidationError):
        toolslib.import_json("not json")


# -- structured outputs -----------------------------------------------------------------------
def test_reply_verdicts():
    rf = {"type": "json_schema", "json_schema": structured.EXAMPLES["person"]}
    assert structured.check_reply('{"name": "Ada", "age": 36}', rf).valid
    v = structured.check_reply('{"name": "Ada", "age": -1}', rf)
    assert not v.valid and v.parses and v.error == "age: -1 is less than the minimum of 0"
    v = structured.check_reply('{"name": "Ada"', rf)
    assert not v.parses and v.label == "not JSON"
    assert structured.check_reply("[1]", {"type": "json_object"}).error == "JSON, but not an object"
    assert structured.check_reply("hello", {"type": "text"}) is None


# -- reasoning models -------------------------------------------------------------------------
@pytest.mark.parametrize("model, reasoning", [("o3-mini", True), ("o1", True), ("gpt-5", True), ("gpt-5-mini", True),
                                              ("gpt-5.1", True), ("openai/o4-mini", True), ("deepseek-reasoner", True),
                                              ("gpt-5-chat-latest", False), ("gpt-4o", False), ("omni", False),
                                              ("smollm2-135m-instruct", False)])
def test_reasoning_model_families(model, reasoning):
    assert reasoning_models.is_reasoning_model(model) is reasoning


def test_warnings_before_sending():
    w = reasoning_models.warnings("o3-mini", {"temperature": 0.2, "max_tokens": 10, "seed": 1, "top_p": None})
    assert set(w) == {"temperature", "max_tokens"} and "max_completion_tokens" in w["max_tokens"]
    assert reasoning_models.warnings("o3-mini", {"temperature": 1.0}) == {}  # the default is accepted
    assert reasoning_models.warnings("gpt-5.1", {"temperature": 0.2, "reasoning_effort": "none"}) == {}
    assert "temperature" in reasoning_models.warnings("gpt-5.1", {"temperature": 0.2, "reasoning_effort": "low"})
    assert "ignores" in reasoning_models.warnings("deepseek-reasoner", {"temperature": 0.2})["temperature"]
    assert reasoning_models.warnings("gpt-4o", {"temperature": 0.2}) == {}


RECORDED_400 = {  # recording -> (the field it names, what the reply pane offers)
    "openai-400-unsupported-parameter-max-tokens": ("max_tokens", "Untick max_tokens and resend"),
    "openai-400-unsupported-parameter-temperature": ("temperature", "Untick temperature and resend"),
    "openai-400-unsupported-value-temperature": ("temperature", "Untick temperature and resend"),
    "openai-400-unsupported-value-stream": ("stream", "Resend without streaming"),
    "openai-400-unsupported-value-system-role": ("messages[0].role", None),  # nothing to untick
}


def recorded_400(name: str):
    from support.fault_server import Reply
    rec = json.loads((DATA / "openai_errors.json").read_text())[name]
    return rec, Reply(rec["status"], rec["body"], content_type="application/json")


def test_every_recorded_400_is_listed():
    names = set(json.loads((DATA / "openai_errors.json").read_text())) - {"_source"}
    assert names == set(RECORDED_400)


@pytest.mark.parametrize("name", sorted(RECORDED_400))
def test_recorded_400_names_the_field_through_the_client(name):
    """Each real body, replayed byte for byte over HTTP: the client keeps code and param, and the
    recovery offers the right thing for it."""
    rec, reply = recorded_400(name)
    field, remedy = RECORDED_400[name]
    with FaultServer(reply) as fs:
        result = ChatClient(Endpoint(name="fs", base_url=fs.base_url)).run({"model": "gpt-5", "messages": MSGS})
    assert result.status == "error" and result.error_info["status"] == 400
    u = reasoning_models.unsupported_in(result.to_dict())
    assert u is not None and u.field == field and u.code == json.loads(rec["body"])["error"]["code"]
    assert u.param == field.split("[")[0] and u.remedy == remedy
    assert reasoning_models.unsupported(json.loads(rec["body"])) == u
    assert u.message in result.error  # the server's own words reach the page


def test_unticking_logprobs_unticks_top_logprobs():
    assert reasoning_models.without({"logprobs": True, "top_logprobs": 3}, "logprobs") == {
        "logprobs": None, "top_logprobs": None}


def test_other_errors_offer_nothing():
    assert reasoning_models.unsupported({"error": {"message": "bad key", "code": "invalid_api_key"}}) is None
    assert reasoning_models.unsupported_in({"error_info": {"status": 429, "code": "unsupported_value",
                                                           "param": "x"}}) is None


# -- audio replies ----------------------------------------------------------------------------
@pytest.mark.parametrize("stream", [False, True])
def test_a_spoken_reply_is_assembled_with_its_transcript(stream):
    """Through the client over HTTP: an audio-only reply (JSON, or streamed in pieces each base64 on
    its own) becomes Choice.audio with every byte and the whole transcript, playable as WAV."""
    from support.scripted import audio_reply, audio_stream, pcm16
    pcm = pcm16()
    reply = audio_stream(pcm, "Hello from the audio model.", pieces=4) if stream else audio_reply(
        pcm, "Hello from the audio model.")
    body = {"model": "gpt-4o-audio-preview", "messages": MSGS, "modalities": ["text", "audio"],
            "audio": {"voice": "alloy", "format": "pcm16"}, "stream": stream}
    heard = []
    with FaultServer(reply) as fs:
        result = ChatClient(Endpoint(name="fs", base_url=fs.base_url)).run(body, on_delta=heard.append)
    assert result.status == "ok", result.error
    c = result.choices[0]
    assert c.text == "" and c.audio["id"] == "audio_scripted"
    if stream:  # the transcript arrives piece by piece, for the live pane
        assert [d.spoken for d in heard if d.spoken] == ["Hello from ", "the audio ", "model."]
        assert all(d.text == "" for d in heard)
    a = reply_audio.of_choice(c.audio, reply_audio.requested_format(body))
    assert a.transcript == "Hello from the audio model." and a.data == pcm
    assert a.playable()[:4] == b"RIFF" and a.mime == "audio/wav"
    assert ChatResult.from_dict(result.to_dict()).choices[0].audio == c.audio  # kept by runs and sessions
    assert reply_audio.requested_format({"modalities": ["text"]}) is None
    assert reply_audio.of_choice(None) is None


# -- presets and sessions carry them ----------------------------------------------------------
def test_preset_with_tools_and_a_schema_round_trips():
    from paramlab.request import presets
    params = {"tools": [WEATHER], "tool_choice": "required", "reasoning_effort": "low",
              "metadata": {"team": "docs"}, "response_format": {"type": "json_schema",
                                                                 "json_schema": structured.EXAMPLES["person"]}}
    text = presets.dump("Agent", "tools on", params)
    p = presets.parse(text, "agent.yaml")
    assert {k: v for k, v in p.params.items() if v is not None} == params


def test_preset_with_a_bad_tool_names_file_and_field():
    from paramlab.request import presets
    bad = "name: Bad\ndescription: x\nparams:\n  tools: [{type: function, function: {name: 'bad name'}}]\n"
    with pytest.raises(presets.PresetInvalid) as ei:
        presets.parse(bad, "bad.yaml")
    assert [(e.file, e.field) for e in ei.value.errors] == [("bad.yaml", "params.tools[0].function.name")]


def test_session_keeps_tool_turns_images_and_developer_role():
    from paramlab.request import sessions
    turns = [{"role": "developer", "content": "Be brief."},
             {"role": "user", "content": [{"type": "text", "text": "Look"},
                                          {"type": "image_url", "image_url": {"url": PNG_URL, "detail": "low"}}]},
             {"role": "assistant", "content": None, "tool_calls": [
                 {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]},
             {"role": "tool", "tool_call_id": "c1", "content": "{}"},
             {"role": "bot", "content": "dropped"}]
    s, warnings = sessions.from_json(sessions.to_json(sessions.Session(messages=turns, params={"tools": [WEATHER]})))
    assert s.messages == turns[:4]
    assert warnings == ["messages[4]: role must be one of developer, system, user, assistant, tool, got 'bot'; skipped"]
    assert s.params["tools"] == [WEATHER]


def test_reports_and_counts_read_turns_with_images_and_tool_calls():
    from paramlab.experiments.compare import to_markdown
    from paramlab.request.context import count
    turns = [{"role": "user", "content": [{"type": "text", "text": "Look at this"},
                                          {"type": "image_url", "image_url": {"url": PNG_URL}}]},
             {"role": "assistant", "content": None, "tool_calls": [
                 {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"}}]},
             {"role": "tool", "tool_call_id": "c1", "content": "{\"t\": 3}"}]
    md = to_markdown([], turns)
    assert "Look at this\n[image: data:image/png;base64," in md
    assert '[tool call get_weather({"city": "Oslo"})]' in md and "[result of c1]\n{\"t\": 3}" in md
    assert count(turns, None, None).prompt_tokens > 0
