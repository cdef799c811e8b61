"""The relay's pure logic: who is admitted, what is validated, what passes through a stream, the
/chat-room contexts, the settings (the seed's CHAT_* names) and reopening a recorded request."""
from __future__ import annotations

import json

import orjson
import pytest

from paramlab.client.result import ChatResult, Choice, Usage
from paramlab.client.sse import iter_events
from paramlab.relay import chatroom
from paramlab.relay.access import Caller, Gate, bearer, bound_to_loopback, check_budget
from paramlab.relay.forward import Passthrough, completion_json, synthesized_stream, upstream_error, validate
from paramlab.relay.reopen import NotReopenable, from_row
from paramlab.relay.routing import Routes
from paramlab.relay.wire import RelayError
from paramlab.safety.redaction import Secret
from paramlab.settings import RelayKey, embedded_endpoint, load_settings, relay_settings

KEY = RelayKey("team", Secret("relay-key-0123456789"), daily_budget=1.0, monthly_budget=10.0)
MSG = [{"role": "user", "content": "hi"}]


# -- access -------------------------------------------------------------------------------------
def test_keys_mode_admits_the_right_key_only():
    gate = Gate([KEY, RelayKey("other", Secret("another-key-000"))], local_only=True)
    assert gate.mode == "keys"
    assert gate.admit("Bearer relay-key-0123456789", "10.0.0.5") == Caller("team", "10.0.0.5", KEY)
    assert gate.admit(None, "10.0.0.5", api_key_header="another-key-000").label == "other"
    for bad in (None, "Bearer wrong-key-00000", "Basic relay-key-0123456789", "Bearer "):
        with pytest.raises(RelayError) as e:
            gate.admit(bad, "127.0.0.1")
        assert e.value.status == 401 and e.value.code == "invalid_api_key"


def test_without_keys_the_relay_is_open_to_loopback_clients_only_when_bound_to_loopback():
    local = Gate([], local_only=bound_to_loopback("127.0.0.1"))
    assert local.mode == "local" and local.admit(None, "127.0.0.1").label == "local"
    assert local.admit("Bearer anything", "::1").label == "local"
    with pytest.raises(RelayError) as e:
        local.admit(None, "192.168.1.9")
    assert e.value.status == 403
    # the container listens on 0.0.0.0: with no key set, the relay is off for everyone
    for address in ("0.0.0.0", "", "::", "192.168.1.2"):
        off = Gate([], local_only=bound_to_loopback(address))
        assert off.mode == "off"
        with pytest.raises(RelayError) as e:
            off.admit(None, "127.0.0.1")
        assert e.value.status == 403 and e.value.code == "relay_off"


def test_bearer_parsing():
    assert bearer("Bearer abc") == "abc" and bearer("bearer  abc ") == "abc"
    assert bearer("Token abc") is None and bearer("") is None and bearer("Bearer") is None


def test_budget_429_when_spent_reaches_the_daily_or_monthly_budget_and_503_without_a_ledger():
    caller = Caller("team", "127.0.0.1", KEY)
    check_budget(caller, lambda label: (0.99, 9.0))
    for spent in ((1.0, 1.0), (0.5, 10.0)):
        with pytest.raises(RelayError) as e:
            check_budget(caller, lambda label, s=spent: s)
        assert e.value.status == 429 and e.value.code == "insufficient_quota" and e.value.type == "insufficient_quota"
    with pytest.raises(RelayError) as e:
        check_budget(caller, lambda label: None)
    assert e.value.status == 503
    check_budget(Caller("local", "127.0.0.1"), lambda label: None)  # no key, no budget: nothing to check


# -- validation and pass-through -------------------------------------------------------------------
def test_validation_names_the_field_in_openais_shape():
    for body, field, code in (({"model": "m", "messages": MSG, "top_p": 2}, "top_p", "invalid_value"),
                              ({"model": "m", "messages": []}, "messages", "invalid_value"),
                              ({"messages": MSG}, "model", "invalid_value"),
                              ({"model": "m", "messages": MSG, "bogus": 1}, "bogus", "unsupported_parameter")):
        with pytest.raises(RelayError) as e:
            validate(body)
        assert e.value.status == 400 and e.value.param == field and e.value.code == code
        assert e.value.body()["error"]["param"] == field


def test_a_stream_asks_for_usage_unless_the_client_did():
    p = validate({"model": "m", "messages": MSG, "stream": True})
    assert p.body["stream_options"] == {"include_usage": True} and not p.wants_usage
    p = validate({"model": "m", "messages": MSG, "stream": True, "stream_options": {"include_usage": True}})
    assert p.wants_usage
    p = validate({"model": "m", "messages": MSG, "stream": False, "temperature": 0.2})
    assert "stream_options" not in p.body and p.body["temperature"] == 0.2


def test_passthrough_strips_only_the_usage_the_relay_asked_for():
    usage_only = json.dumps({"id": "x", "choices": [], "usage": {"prompt_tokens": 1}})
    on_finish = json.dumps({"id": "x", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": 1}})
    text = json.dumps({"id": "x", "choices": [{"index": 0, "delta": {"content": "usage"}}]})
    strip = Passthrough(strip_usage=True)
    assert strip(None, usage_only) is None
    assert "usage" not in orjson.loads(strip(None, on_finish)[6:])
    assert strip(None, text) == f"data: {text}\n\n".encode()  # the word "usage" in text is not usage
    assert strip(None, "[DONE]") == b"data: [DONE]\n\n"
    assert strip("error", '{"a":\n1}') == b"event: error\ndata: {\"a\":\ndata: 1}\n\n"
    keep = Passthrough(strip_usage=False)
    assert keep(None, usage_only) == f"data: {usage_only}\n\n".encode()


def _by_events(body: bytes, strip: bool) -> tuple[bytes, list[bytes], int]:
    p = Passthrough(strip_usage=strip)
    out = b""
    for ev in iter_events([body]):
        out += p.pass_on(ev.event, ev.data) or b""
        if p.ended:
            break
    return out, p.held, p.sent


_CHUNK = json.dumps({"id": "x", "choices": [{"index": 0, "delta": {"content": "a \"usage\" word"}}]})
_USAGE = json.dumps({"id": "x", "choices": [], "usage": {"prompt_tokens": 1}})
_ERROR = json.dumps({"error": {"message": "crashed", "type": "server_error"}})
_STREAMS = {
    "plain": f"data: {_CHUNK}\n\ndata: {_CHUNK}\n\ndata: {_USAGE}\n\ndata: [DONE]\n\n",
    "crlf": f"data: {_CHUNK}\r\n\r\ndata: {_USAGE}\r\n\r\ndata: [DONE]\r\n\r\n",
    "bom": f"\ufeffdata: {_CHUNK}\n\ndata: [DONE]\n\n",
    "fields": f": keep-alive\n\nid: 1\ndata: {_CHUNK}\n\ndata:{_CHUNK}\n\n\n\nevent: note\ndata: x\ndata: y\n\n"
              f"data: {_CHUNK}\n\n",
    "error mid-way": f"data: {_CHUNK}\n\ndata: {_ERROR}\n\ndata: {_CHUNK}\n\n",
    "error event": f"data: {_CHUNK}\n\nevent: error\ndata: not json\n\ndata: {_CHUNK}\n\n",
    "after done": f"data: {_CHUNK}\n\ndata: [DONE]\n\ndata: {_CHUNK}\n\n",
    "unterminated end": f"data: {_CHUNK}\n\ndata: {_CHUNK}",
}


@pytest.mark.parametrize("name", sorted(_STREAMS))
@pytest.mark.parametrize("strip", [True, False])
def test_passing_bytes_on_sends_what_passing_decoded_events_on_sends(name, strip):
    """The event loop's feed() (the upstream's own bytes for plain frames) against pass_on per decoded
    event, the body cut into pieces at every size: the same bytes, the same end held back."""
    body = _STREAMS[name].encode()
    want = _by_events(body, strip)
    for size in (1, 2, 3, 5, 7, 16, 61, len(body)):
        p = Passthrough(strip_usage=strip)
        out = b"".join(p.feed(body[i:i + size]) for i in range(0, len(body), size)) + p.close()
        assert (out, p.held, p.sent) == want, (name, size)


def test_json_answer_to_a_stream_request_becomes_a_stream():
    r = ChatResult(choices=[Choice(0, "Hi.", finish_reason="stop")], usage=Usage(3, 2, 5), id="c1", model="m",
                   request={"model": "m"})
    frames = synthesized_stream(r, include_usage=True)
    chunks = [orjson.loads(f[6:]) for f in frames[:-1]]
    assert chunks[0]["choices"][0]["delta"]["content"] == "Hi." and chunks[1]["usage"]["total_tokens"] == 5
    assert frames[-1] == b"data: [DONE]\n\n"


def test_completion_json_carries_the_exact_usage_the_ledger_has():
    raw = {"id": "c", "choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8,
                                               "prompt_tokens_details": {"cached_tokens": 0}}}
    r = ChatResult(raw=raw, usage=Usage(5, 7, 12))
    out = completion_json(r)
    assert out["usage"]["completion_tokens"] == 7 and out["usage"]["prompt_tokens_details"] == {"cached_tokens": 0}
    assert raw["usage"]["completion_tokens"] == 3  # the result is not changed


def test_upstream_errors_keep_their_status_and_message():
    r = ChatResult(status="error", error="HTTP 429: slow down", error_class="RateLimitError",
                   error_info={"status": 429, "message": "slow down", "type": "requests", "code": "rate_limit",
                               "param": None})
    e = upstream_error(r)
    assert (e.status, e.message, e.code) == (429, "slow down", "rate_limit")
    assert upstream_error(ChatResult(status="error", error="x", error_class="APITimeoutError")).status == 504
    assert upstream_error(ChatResult(status="error", error="refused", error_class="APIConnectionError",
                                     error_info={"status": None, "message": "refused"})).status == 502


# -- routing and /chat-room -------------------------------------------------------------------------
def test_routes_by_model_name_with_the_relays_own_map_first():
    emb = embedded_endpoint()
    routes = Routes([emb], {"alias": emb.name, "lost": "No Such Endpoint"})
    assert routes.endpoint_for("smollm2-135m-instruct") is emb and routes.endpoint_for("alias") is emb
    assert routes.errors == ["relay.models: 'lost' names no configured endpoint 'No Such Endpoint'"]
    with pytest.raises(RelayError) as e:
        routes.endpoint_for("gpt-9")
    assert e.value.status == 404 and e.value.code == "model_not_found"
    assert routes.first_model() == "smollm2-135m-instruct"


def test_rooms_keep_a_bounded_context_per_client_and_reset_one():
    rooms = chatroom.Rooms(keep=4)
    a, b = Caller("k", "10.0.0.1"), Caller("k", "10.0.0.2")
    for i in range(3):
        rooms.remember(a, {"role": "user", "content": f"a{i}"}, f"ra{i}")
    rooms.remember(b, {"role": "user", "content": "b0"}, "rb0")
    assert [m["content"] for m in rooms.history(a)] == ["a1", "ra1", "a2", "ra2"]
    assert rooms.reset(a) == 4 and rooms.history(a) == [] and len(rooms.history(b)) == 2
    body = chatroom.request_body({"system_prompt": "S", "temperature": 0.3}, "m", rooms.history(b),
                                 {"role": "user", "content": "next"}, stream=True)
    assert body["messages"][0] == {"role": "system", "content": "S"} and body["temperature"] == 0.3
    assert body["stream"] is True and len(body["messages"]) == 4
    with pytest.raises(RelayError):
        chatroom.user_message({"role": "assistant", "content": "x"})


# -- settings -----------------------------------------------------------------------------------------
def test_relay_settings_from_env_and_file_with_errors_naming_the_field(tmp_path):
    cfg = tmp_path / "p.yaml"
    cfg.write_text("""
relay:
  keys:
    - {label: a, key: aaaaaaaaaa, daily_budget: 2}
    - {label: b, key_env: B_KEY, monthly_budget: 20}
    - {label: short, key: abc}
    - {key: nolabel123}
  models: {alias: Whatever}
chat_room: {system_prompt: From the file, temperature: 0.9}
""")
    env = {"CHAT_CONFIG": str(cfg), "B_KEY": "bbbbbbbbbb", "CHAT_RELAY_KEY": "envkey-123456",
           "CHAT_RELAY_BUDGET_DAILY": "0.5", "CHAT_TEMPERATURE": "0.2", "CHAT_MAX_TOKENS": "64",
           "CHAT_TOP_P": "0.8", "CHAT_PRESENCE_PENALTY": "-0.5", "CHAT_FREQUENCY_PENALTY": "nope"}
    s = load_settings(env)
    r = s.relay
    assert [k.label for k in r.keys] == ["CHAT_RELAY_KEY", "a", "b"]
    assert r.keys[0].daily_budget == 0.5 and r.keys[1].daily_budget == 2 and r.keys[2].monthly_budget == 20
    assert r.keys[2].key.reveal() == "bbbbbbbbbb" and "bbbbbbbbbb" not in repr(r)
    assert r.chat_room == {"system_prompt": "From the file", "temperature": 0.2, "max_tokens": 64, "top_p": 0.8,
                           "presence_penalty": -0.5}
    assert any("relay.keys[2].key" in e for e in s.errors) and any("relay.keys[3].label" in e for e in s.errors)
    assert any(e.startswith("CHAT_FREQUENCY_PENALTY") for e in s.errors)
    assert relay_settings({}, {}).keys == ()


# -- reopening a recorded request ----------------------------------------------------------------
def test_a_recorded_request_reopens_with_its_messages_and_parameters():
    row = {"id": 3, "endpoint": "OpenAI", "model": "gpt-4o-mini", "stream": True,
           "params": json.dumps({"model": "gpt-4o-mini", "temperature": 0.4, "logit_bias": {"50256": -100},
                                 "stream": True, "stream_options": {"include_usage": True}, "x_vendor_knob": 1}),
           "messages": json.dumps([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                                   {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Again"}])}
    r = from_row(row)
    assert (r.endpoint, r.model, r.system) == ("OpenAI", "gpt-4o-mini", "Be brief.")
    assert [m["content"] for m in r.messages] == ["Hi", "Hello", "Again"]
    assert r.params["temperature"] == 0.4 and r.params["logit_bias"] == {50256: -100} and r.params["top_p"] is None
    assert r.stream and r.include_usage and r.dropped == ["x_vendor_knob"]
    with pytest.raises(NotReopenable):
        from_row({**row, "messages": None})


def test_backend_extensions_go_to_backends_that_take_them_and_are_refused_elsewhere():
    body = {"model": "m", "messages": MSG, "top_k": 5, "min_p": 0.1}
    assert validate(body, "embedded").body["top_k"] == 5
    for backend in ("openai", None):
        with pytest.raises(RelayError) as e:
            validate(body, backend)
        assert e.value.status == 400 and e.value.code == "unsupported_parameter" and e.value.param in body
    with pytest.raises(RelayError) as e:
        validate({**body, "min_p": None}, "openai")
    assert e.value.message == ("top_k: the upstream for this model (OpenAI) does not take this parameter; "
                               "it is an extension of vLLM, llama.cpp, llama.cpp (embedded engine), LM Studio")
    with pytest.raises(RelayError) as e:  # a llama.cpp sampler vLLM does not have
        validate({"model": "m", "messages": MSG, "mirostat": 2}, "vllm")
    assert e.value.param == "mirostat" and "(vLLM)" in e.value.message


def test_an_auto_endpoint_is_validated_for_the_backend_the_registry_finds(tmp_path, monkeypatch):
    """An endpoint left on backend "auto" (the default) is relayed as what its URL or a probe says it
    is: llama.cpp on its default port takes top_k and min_p; OpenAI's API does not."""
    from paramlab.backends import registry
    from paramlab.relay.service import Relay
    cfg = tmp_path / "paramlab.yaml"
    cfg.write_text("""
endpoints:
  - {name: Local, base_url: "http://127.0.0.1:8080/v1", models: [local-model]}
  - {name: Probed, base_url: "http://127.0.0.1:9123/v1", models: [probed-model]}
  - {name: OpenAI, base_url: "https://api.openai.com/v1", api_key: sk-test-0000000000, models: [gpt-4o-mini]}
""")
    relay = Relay(load_settings({"CHAT_CONFIG": str(cfg), "CHAT_ALLOW_PRIVATE": "1"}), local_only=True,
                  resolve=lambda e: e)
    assert relay.client_for("local-model").endpoint.backend == "auto"
    ext = {"messages": MSG, "top_k": 5, "min_p": 0.1}
    prep, _ = relay.prepare(json.dumps({"model": "local-model", **ext}).encode())
    assert (prep.body["top_k"], prep.body["min_p"]) == (5, 0.1)
    with pytest.raises(RelayError) as e:
        relay.prepare(json.dumps({"model": "gpt-4o-mini", **ext}).encode())
    assert e.value.status == 400 and e.value.param == "min_p" and "(OpenAI)" in e.value.message
    with pytest.raises(RelayError):  # nothing in this URL says what it is...
        relay.prepare(json.dumps({"model": "probed-model", **ext}).encode())
    # ...until a probe found vLLM there (what registry.remember keeps, undone after the test)
    monkeypatch.setitem(registry._detected, "http://127.0.0.1:9123/v1", registry.Detection("vllm", "owned_by vllm"))
    prep, _ = relay.prepare(json.dumps({"model": "probed-model", **ext}).encode())
    assert (prep.body["top_k"], prep.body["min_p"]) == (5, 0.1)


def test_nodelay_is_set_on_a_listening_socket_bound_like_streamlits():
    import socket
    import sys

    from paramlab.relay.http import nodelay_listeners
    if not sys.platform.startswith("linux"):
        pytest.skip("finds listening sockets through /proc")
    with socket.socket(family=socket.AF_INET) as listener:  # protocol 0, as Streamlit binds it
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert nodelay_listeners(port) == 1
        with socket.create_connection(("127.0.0.1", port)):
            conn, _ = listener.accept()
            with conn:
                assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
