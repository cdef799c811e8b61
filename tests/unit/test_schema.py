"""The parameter schema: every bad value rejected with its field named, and nothing sent.

"Nothing sent" is checked against a real HTTP server on 127.0.0.1 that counts requests: the
request flow (build_body, then ChatClient.run) is followed exactly as the pages follow it.
"""
from __future__ import annotations

import json
import re

import pytest

from paramlab.request import schema
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint
from paramlab.request.schema import PARAMS, ValidationError, build_body, parse_logit_bias, validate_params

from support.fault_server import FaultServer

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]


@pytest.fixture(scope="module")
def counting_server():
    with FaultServer() as fs:
        yield fs


@pytest.fixture
def send(counting_server):
    """Validate then send, as the Playground does; returns the body the server received."""
    counting_server.reset()
    client = ChatClient(Endpoint(name="counting", base_url=counting_server.base_url))

    def _send(params, messages=MSGS, model="m"):
        body = build_body(model, messages, params)
        result = client.run(body)
        assert result.status == "ok", result.error
        return counting_server.requests[-1].json()

    _send.server = counting_server
    return _send


BAD = [
    ("temperature", -0.1), ("temperature", 2.01), ("temperature", float("nan")), ("top_p", float("inf")), ("temperature", "hot"), ("temperature", True),
    ("top_p", -0.01), ("top_p", 1.5), ("top_p", None and 0 or "1"),
    ("presence_penalty", -2.5), ("presence_penalty", 2.1), ("frequency_penalty", -3), ("frequency_penalty", 2.0001),
    ("n", 0), ("n", -1), ("n", 1.5), ("n", "2"),
    ("max_tokens", 0), ("max_tokens", -5), ("max_tokens", 10.0),
    ("max_completion_tokens", 0), ("max_completion_tokens", "many"),
    ("stop", ["a", "b", "c", "d", "e"]), ("stop", [""]), ("stop", ""), ("stop", ["ok", 3]), ("stop", 7),
    ("logit_bias", {"abc": 5}), ("logit_bias", {"-1": 5}), ("logit_bias", {"12": 101}),
    ("logit_bias", {"12": -100.5}), ("logit_bias", {12: "x"}), ("logit_bias", [1, 2]), ("logit_bias", {"1.5": 1}),
    ("seed", 1.5), ("seed", "42"), ("seed", True),
    ("logprobs", "yes"), ("user", 12),
    ("response_format", {"type": "xml"}), ("response_format", "json"), ("response_format", {}),
    ("response_format", {"type": "json_schema"}),
    ("response_format", {"type": "json_schema", "json_schema": {"name": "", "schema": {}}}),
    ("response_format", {"type": "json_schema", "json_schema": {"name": "x", "schema": "not a dict"}}),
    ("stream_options", {"include_usage": "yes"}), ("stream_options", {"other": True}),
]


@pytest.mark.parametrize("field, value", BAD, ids=[f"{f}={v!r}" for f, v in BAD])
def test_bad_value_named_and_nothing_sent(send, field, value):
    params = {field: value}
    if field == "stream_options":
        params["stream"] = True
    with pytest.raises(ValidationError) as ei:
        send(params)
    assert [re.split(r"[.\[]", e.field)[0] for e in ei.value.errors] == [field]  # the field, or a part of it
    assert field in str(ei.value)
    assert send.server.count == 0


@pytest.mark.parametrize("top_logprobs, logprobs", [(21, True), (-1, True), (5, None), (5, False), (2.5, True)])
def test_top_logprobs_range_and_needs_logprobs(send, top_logprobs, logprobs):
    with pytest.raises(ValidationError) as ei:
        send({"top_logprobs": top_logprobs, "logprobs": logprobs})
    assert {e.field for e in ei.value.errors} == {"top_logprobs"}
    assert send.server.count == 0


def test_stream_options_only_with_stream(send):
    with pytest.raises(ValidationError) as ei:
        send({"stream_options": {"include_usage": True}})
    assert [e.field for e in ei.value.errors] == ["stream_options"]
    assert send.server.count == 0


@pytest.mark.parametrize("messages, field", [
    ([{"role": "tool", "content": "x"}], "messages[0].tool_call_id"),  # a tool turn answers a call
    ([{"role": "function", "content": "x"}], "messages[0].role"),
    ([{"role": "user", "content": "ok"}, {"role": "bot", "content": "x"}], "messages[1].role"),
    ([{"role": "user", "content": None}], "messages[0].content"),
    ([{"role": "user"}], "messages[0].content"),
    (["hello"], "messages[0]"),
    ([], "messages"),
])
def test_bad_messages(send, messages, field):
    with pytest.raises(ValidationError) as ei:
        send({}, messages=messages)
    assert field in [e.field for e in ei.value.errors]
    assert send.server.count == 0


def test_unknown_param(send):
    with pytest.raises(ValidationError) as ei:
        send({"temprature": 0.5})
    assert [e.field for e in ei.value.errors] == ["temprature"]
    assert send.server.count == 0


def test_missing_model(send):
    with pytest.raises(ValidationError) as ei:
        send({}, model=" ")
    assert [e.field for e in ei.value.errors] == ["model"]
    assert send.server.count == 0


def test_every_error_reported_at_once(send):
    with pytest.raises(ValidationError) as ei:
        send({"temperature": 3, "top_p": 2, "n": 0, "stop": ["a"] * 5})
    assert {e.field for e in ei.value.errors} == {"temperature", "top_p", "n", "stop"}
    assert send.server.count == 0


# -- good values --------------------------------------------------------------------------------
GOOD = [
    ("temperature", 0), ("temperature", 2), ("temperature", 0.7), ("top_p", 0), ("top_p", 1),
    ("presence_penalty", -2), ("presence_penalty", 2), ("frequency_penalty", 1.5), ("n", 1), ("n", 3),
    ("max_tokens", 1), ("max_completion_tokens", 4096), ("stop", "END"), ("stop", ["a", "b", "c", "d"]),
    ("seed", 0), ("seed", -7), ("seed", 2**40), ("user", "u-1"), ("logprobs", True), ("logprobs", False),
    ("response_format", {"type": "json_object"}), ("response_format", {"type": "text"}),
    ("response_format", {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}}}),
]


@pytest.mark.parametrize("field, value", GOOD, ids=[f"{f}={v!r}" for f, v in GOOD])
def test_good_value_sent_as_is(send, field, value):
    received = send({field: value})
    assert received[field] == value
    assert send.server.count == 1


def test_edges_of_logit_bias_and_logprobs_sent(send):
    received = send({"logit_bias": {"42": -100, 7: 100}, "logprobs": True, "top_logprobs": 20})
    assert received["logit_bias"] == {"42": -100, "7": 100}  # keys as strings, as JSON needs
    assert received["top_logprobs"] == 20 and received["logprobs"] is True
    received = send({"logprobs": True, "top_logprobs": 0})
    assert received["top_logprobs"] == 0


def test_unset_params_left_out_not_null(send, counting_server):
    params = schema.defaults()
    params["temperature"] = 0.3
    received = send(params)
    assert set(received) == {"model", "messages", "temperature"}
    raw = counting_server.requests[-1].body
    assert b"null" not in raw
    assert received["messages"] == MSGS


def test_empty_stop_list_and_empty_logit_bias_left_out(send):
    received = send({"stop": [], "logit_bias": {}})
    assert "stop" not in received and "logit_bias" not in received


def test_stream_with_usage_sent(send, counting_server):
    from support.fault_server import Stream, chat_stream
    counting_server.script(Stream([chat_stream(["hi"])]))
    received = send({"stream": True, "stream_options": {"include_usage": True}})
    assert received["stream"] is True and received["stream_options"] == {"include_usage": True}


def test_build_body_does_not_mutate_input():
    params = {"logit_bias": {1: 5}, "temperature": None}
    snapshot = json.dumps(params, sort_keys=True)
    build_body("m", MSGS, params)
    assert json.dumps(params, sort_keys=True) == snapshot


def test_validate_params_returns_field_errors():
    errs = validate_params({"temperature": 9})
    assert len(errs) == 1 and errs[0].field == "temperature" and "between 0 and 2" in errs[0].message


# -- the schema itself --------------------------------------------------------------------------
def test_schema_covers_every_parameter_with_help():
    expected = {"temperature", "top_p", "n", "max_tokens", "max_completion_tokens", "stop", "presence_penalty",
                "frequency_penalty", "logit_bias", "seed", "user", "logprobs", "top_logprobs",
                "response_format", "stream", "stream_options"}
    assert expected <= set(PARAMS)
    for p in PARAMS.values():
        assert p.short and p.long and p.short != p.long, p.name
    assert (PARAMS["temperature"].min, PARAMS["temperature"].max) == (0, 2)
    assert (PARAMS["top_p"].min, PARAMS["top_p"].max) == (0, 1)
    assert (PARAMS["top_logprobs"].min, PARAMS["top_logprobs"].max) == (0, 20)


def test_ignored_params_by_backend():
    ignored = schema.ignored_params({"n": 2, "logit_bias": {"1": 1}, "temperature": 1, "user": None}, "ollama")
    assert set(ignored) == {"n", "logit_bias"}
    assert schema.ignored_params({"n": 2}, "openai") == {}


# -- parse_logit_bias ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("", {}),
    ("   ", {}),
    ('{"50256": -100}', {50256: -100.0}),
    ('{"1": 5, "2": -5.5}', {1: 5.0, 2: -5.5}),
    ("50256: -100", {50256: -100.0}),
    ("1: 5, 2: -5", {1: 5.0, 2: -5.0}),
    ("1: 5\n2: -5\n", {1: 5.0, 2: -5.0}),
    (" 7 :  100 ", {7: 100.0}),
])
def test_parse_logit_bias_forms(text, expected):
    assert parse_logit_bias(text) == expected


@pytest.mark.parametrize("text", ["abc", "1 5", "x: 5", "1: lots", "-1: 5", "1: 101", "1: -101", '{"a": 1}',
                                  "{not json", '{"1": "x"}'])
def test_parse_logit_bias_errors_name_the_field(text):
    with pytest.raises(ValidationError) as ei:
        parse_logit_bias(text)
    assert [e.field for e in ei.value.errors] and all(e.field == "logit_bias" for e in ei.value.errors)
