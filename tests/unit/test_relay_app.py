"""The relay on a running ParamLab, driven by the openai SDK and the seed's /chat-room clients: the
embedded model and a fault server behind it, the ledger read back after every request."""
from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import openai
import pytest
import requests
from support import fault_server as fsv
from support.relay_support import (CAPPED_KEY, ORG, PRICED_MODEL, TEAM_B_KEY, TEAM_KEY, UPSTREAM_KEY, VLLM_MODEL,
                                   LedgerReader, params, relay_app)

pytestmark = pytest.mark.engine
EMBEDDED = "smollm2-135m-instruct"
HELLO = [{"role": "user", "content": "Say hello in three words."}]


@pytest.fixture(scope="module")
def fault():
    with fsv.FaultServer() as fs:
        yield fs


@pytest.fixture(scope="module")
def app(tmp_path_factory, fault):
    data = tmp_path_factory.mktemp("relay-app")
    with relay_app(data, fault.base_url) as url:
        requests.get(url + "/v1/models", headers={"Authorization": f"Bearer {TEAM_KEY}"}, timeout=60)
        yield url, LedgerReader.in_dir(data), data


@pytest.fixture
def url(app):
    return app[0]


@pytest.fixture
def ledger(app):
    return app[1]


@pytest.fixture(autouse=True)
def _fresh_fault(fault):
    fault.reset()
    fault.default = fsv.Reply(200, fsv.completion())


def sdk(url: str, key: str = TEAM_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=120)


# -- the OpenAI-compatible API -------------------------------------------------------------------
def test_non_streaming_reply_and_exactly_one_ledger_row_with_its_usage(url, ledger):
    before = ledger.last_id()
    r = sdk(url).chat.completions.create(model=EMBEDDED, messages=HELLO, max_tokens=16, temperature=0)
    assert r.choices[0].message.content.strip()
    rows = ledger.rows(before)
    assert len(rows) == 1
    row = rows[0]
    assert (row["page"], row["label"], row["session_id"]) == ("relay", "team-a", "127.0.0.1")
    assert (row["prompt_tokens"], row["completion_tokens"]) == (r.usage.prompt_tokens, r.usage.completion_tokens)
    assert row["estimated"] in (0, False) and row["status"] == "ok" and row["stream"] in (0, False)
    assert json.loads(row["messages"]) == HELLO
    assert params(row) == {"model": EMBEDDED, "max_tokens": 16, "temperature": 0}


def test_streaming_passes_events_through_and_strips_the_usage_it_asked_for(url, ledger):
    kw = dict(model=EMBEDDED, messages=HELLO, max_tokens=12, temperature=0, seed=7, stream=True)
    before = ledger.last_id()
    chunks = list(sdk(url).chat.completions.create(**kw))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert all(c.usage is None for c in chunks)  # the client did not ask for usage: it gets none
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
    (row,) = ledger.rows(before)
    assert row["stream"] in (1, True) and row["estimated"] in (0, False)
    assert json.loads(row["replies"]) == [text]
    # the same greedy request, now asking for usage: the client's figures are the ones recorded before
    again = list(sdk(url).chat.completions.create(stream_options={"include_usage": True}, **kw))
    usage = [c.usage for c in again if c.usage]
    assert len(usage) == 1 and again[-1].choices == []
    first, second = ledger.rows(before)
    for r in (first, second):
        assert (r["prompt_tokens"], r["completion_tokens"]) == (usage[0].prompt_tokens, usage[0].completion_tokens)


@pytest.mark.parametrize("stream", [False, True])
def test_n_2_gives_two_choices_and_one_row_with_both_choices_tokens(url, ledger, stream):
    before = ledger.last_id()
    kw = dict(model=EMBEDDED, messages=HELLO, max_tokens=10, temperature=1.0, n=2)
    if stream:
        chunks = list(sdk(url).chat.completions.create(stream=True, stream_options={"include_usage": True}, **kw))
        got = {ch.index for c in chunks for ch in c.choices}
        usage = [c.usage for c in chunks if c.usage]
        completion = sum(u.completion_tokens for u in usage)  # llama.cpp: one usage chunk per choice
    else:
        r = sdk(url).chat.completions.create(**kw)
        got = {c.index for c in r.choices}
        completion = r.usage.completion_tokens
    assert got == {0, 1}
    (row,) = ledger.rows(before)
    assert row["n"] == 2 and row["completion_tokens"] == completion and row["estimated"] in (0, False)
    assert len(json.loads(row["replies"])) == 2


def test_the_upstreams_request_id_and_rate_limit_headers_reach_the_client(url, fault):
    fault.script(fsv.Reply(200, fsv.completion(), headers={"x-request-id": "req-upstream-42",
                                                          "x-ratelimit-remaining-requests": "99"}))
    raw = sdk(url).chat.completions.with_raw_response.create(model="fault-model", messages=HELLO)
    assert raw.headers["x-request-id"] == "req-upstream-42"
    assert raw.headers["x-ratelimit-remaining-requests"] == "99"


def test_upstream_key_and_organization_are_used_upstream_and_the_relay_key_never_is(url, fault):
    sdk(url).chat.completions.create(model="fault-model", messages=HELLO)
    (req,) = fault.requests
    assert req.headers["Authorization"] == f"Bearer {UPSTREAM_KEY}" and req.headers["OpenAI-Organization"] == ORG
    sent = json.dumps(req.headers) + req.body.decode()
    assert TEAM_KEY not in sent


def test_each_relayed_request_is_a_request_log_line_without_any_key(app, fault):
    url, _, data = app
    log = data / "logs" / "requests.jsonl"
    before = log.read_text().count("\n") if log.exists() else 0
    sdk(url, TEAM_B_KEY).chat.completions.create(model="fault-model", messages=HELLO)
    deadline = time.monotonic() + 10
    while (log.read_text().count("\n") if log.exists() else 0) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    line = json.loads(text.splitlines()[before])
    assert (line["page"], line["session_id"], line["model"], line["status"]) == ("relay", "127.0.0.1", "fault-model", "ok")
    for secret in (TEAM_KEY, TEAM_B_KEY, CAPPED_KEY, UPSTREAM_KEY):
        assert secret not in text


def test_events_reach_the_client_as_the_upstream_sends_them(url, fault):
    parts = [fsv.sse(fsv.chunk(role="assistant", content=""), done=False)]
    parts += [fsv.sse(fsv.chunk(w), done=False) for w in ("one", " two", " three", " four")]
    parts += [fsv.sse(fsv.chunk(finish="stop"))]
    fault.script(fsv.Stream(parts, pause=0.4))
    stamps = []
    t0 = time.monotonic()
    for c in sdk(url).chat.completions.create(model="fault-model", messages=HELLO, stream=True):
        if c.choices and c.choices[0].delta.content:
            stamps.append(time.monotonic() - t0)
    assert len(stamps) == 4
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert stamps[0] < 1.2 and all(g > 0.25 for g in gaps)  # each word when it was sent, not all at the end


@pytest.mark.parametrize("stream", [False, True])
def test_upstream_error_reaches_the_client_with_its_status_and_message(url, ledger, fault, stream):
    fault.script(fsv.Reply(400, {"error": {"message": "This model's maximum context length is 9 tokens.",
                                           "type": "invalid_request_error", "param": "messages",
                                           "code": "context_length_exceeded"}}),
                 fsv.Reply(503, {"error": {"message": "The upstream is overloaded, try later.", "type": "server_error"}}))
    before = ledger.last_id()
    with pytest.raises(openai.BadRequestError) as e:
        sdk(url).chat.completions.create(model="fault-model", messages=HELLO, stream=stream)
    assert e.value.status_code == 400 and "maximum context length is 9 tokens" in e.value.message
    assert e.value.code == "context_length_exceeded" and e.value.param == "messages"
    with pytest.raises(openai.InternalServerError) as e:
        sdk(url).chat.completions.create(model="fault-model", messages=HELLO, stream=stream)
    assert e.value.status_code == 503 and "The upstream is overloaded" in e.value.message
    rows = ledger.rows(before)
    assert [r["status"] for r in rows] == ["error", "error"]
    assert [r["error_class"] for r in rows] == ["BadRequestError", "InternalServerError"]


def test_an_error_event_mid_stream_reaches_the_client_after_the_text_so_far(url, fault):
    fault.script(fsv.Stream([fsv.sse(fsv.chunk(role="assistant", content="Half a "), fsv.chunk("reply"),
                                     {"error": {"message": "upstream crashed mid-way", "type": "server_error"}},
                                     done=False)]))
    stream = sdk(url).chat.completions.create(model="fault-model", messages=HELLO, stream=True)
    text = ""
    with pytest.raises(openai.APIError, match="upstream crashed mid-way"):
        for c in stream:
            text += c.choices[0].delta.content or ""
    assert text == "Half a reply"


def test_usage_the_upstream_sends_is_recorded_exactly_when_the_client_did_not_ask(url, ledger, fault):
    fault.script(fsv.Stream([fsv.chat_stream(["Hi", " there"], usage={"prompt_tokens": 11, "completion_tokens": 2,
                                                                      "total_tokens": 13})]))
    before = ledger.last_id()
    chunks = list(sdk(url).chat.completions.create(model="fault-model", messages=HELLO, stream=True))
    assert all(c.usage is None for c in chunks) and all(c.choices for c in chunks)
    assert json.loads(fault.requests[0].body)["stream_options"] == {"include_usage": True}
    (row,) = ledger.rows(before)
    assert (row["prompt_tokens"], row["completion_tokens"], row["estimated"]) in ((11, 2, 0), (11, 2, False))


def test_models_lists_every_routed_model(url):
    ids = {m.id for m in sdk(url).models.list()}
    assert {EMBEDDED, "fault-model", PRICED_MODEL} <= ids


# -- refused requests: nothing is sent upstream, nothing recorded ----------------------------------
def test_what_is_not_a_relay_route_is_still_streamlits(url):
    """The relay's routes are served ahead of Streamlit's middleware; everything else goes on to it."""
    assert requests.get(url + "/_stcore/health", timeout=30).text == "ok"
    page = requests.get(url + "/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_missing_or_wrong_relay_key_is_401_in_openai_shape(url, ledger, fault):
    before = ledger.last_id()
    r = requests.post(url + "/v1/chat/completions", json={"model": "fault-model", "messages": HELLO}, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        sdk(url, key="relay-key-wrong-0000").chat.completions.create(model="fault-model", messages=HELLO)
    assert fault.count == 0 and ledger.rows(before) == []


def test_bad_value_is_400_naming_the_field(url, fault):
    with pytest.raises(openai.BadRequestError) as e:
        sdk(url).chat.completions.create(model="fault-model", messages=HELLO, temperature=3.5)
    assert e.value.param == "temperature" and "between 0 and 2" in e.value.message
    r = requests.post(url + "/v1/chat/completions", data=b"{not json", timeout=30,
                      headers={"Authorization": f"Bearer {TEAM_KEY}"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]["message"]
    assert fault.count == 0


def test_extension_samplers_reach_backends_that_take_them_and_others_refuse_them_by_name(url, fault):
    """A client's extra_body samplers go upstream as sent where the backend takes them (vLLM's
    top_k, min_p, repetition_penalty; llama.cpp's on the embedded engine), and are a 400 naming
    the parameter, with nothing sent, where it does not."""
    client = sdk(url)
    client.chat.completions.create(model=VLLM_MODEL, messages=HELLO,
                                   extra_body={"top_k": 5, "min_p": 0.1, "repetition_penalty": 1.1})
    sent = fault.requests[-1].json()
    assert (sent["top_k"], sent["min_p"], sent["repetition_penalty"]) == (5, 0.1, 1.1)
    fault.reset()
    for model, extra, name in (("fault-model", {"top_k": 5}, "top_k"), (VLLM_MODEL, {"mirostat": 2}, "mirostat")):
        with pytest.raises(openai.BadRequestError) as e:
            client.chat.completions.create(model=model, messages=HELLO, extra_body=extra)
        assert e.value.param == name and e.value.code == "unsupported_parameter"
        assert f"{name}: the upstream for this model" in e.value.message
    assert fault.count == 0
    # top_k 1 on the engine: only the most likely token can be drawn, so two replies agree
    replies = [client.chat.completions.create(model=EMBEDDED, messages=HELLO, max_tokens=8, temperature=1.5,
                                              extra_body={"top_k": 1, "min_p": 0.05}).choices[0].message.content
               for _ in range(2)]
    assert replies[0] == replies[1] and replies[0]


def test_unknown_model_is_404_model_not_found(url):
    with pytest.raises(openai.NotFoundError) as e:
        sdk(url).chat.completions.create(model="no-such-model", messages=HELLO)
    assert e.value.code == "model_not_found"


def test_body_over_the_size_limit_is_413(url, fault):
    big = {"model": "fault-model", "messages": [{"role": "user", "content": "x" * (5 * 1024 * 1024)}]}
    r = requests.post(url + "/v1/chat/completions", json=big, headers={"Authorization": f"Bearer {TEAM_KEY}"},
                      timeout=60)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large"
    assert fault.count == 0


def test_a_key_past_its_budget_gets_429_insufficient_quota(url, ledger, fault):
    client = sdk(url, CAPPED_KEY)
    before = ledger.last_id()
    for _ in range(2):  # 8 tokens at $1000 per million = $0.008 each; the budget is $0.01
        client.chat.completions.create(model=PRICED_MODEL, messages=HELLO)
    with pytest.raises(openai.RateLimitError) as e:
        client.chat.completions.create(model=PRICED_MODEL, messages=HELLO)
    assert e.value.code == "insufficient_quota" and "daily budget" in e.value.message
    rows = ledger.rows(before)
    assert [r["label"] for r in rows] == ["capped", "capped"] and sum(r["cost"] for r in rows) == pytest.approx(0.016)
    sdk(url).chat.completions.create(model=PRICED_MODEL, messages=HELLO)  # other keys are not affected


# -- the seed's /chat-room API ----------------------------------------------------------------------
def room(url: str, body: dict, source: str, path: str = "/chat-room", key: str = TEAM_KEY) -> tuple[int, bytes]:
    """POST from a given loopback address, as a separate client machine would."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60, source_address=(source, 0))
    try:
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_chat_room_keeps_a_context_per_client_and_reset_clears_one(url, ledger, fault):
    fault.default = fsv.Reply(200, fsv.completion("Noted."))
    a, b = "127.0.0.2", "127.0.0.3"
    before = ledger.last_id()
    status, body = room(url, {"role": "user", "content": "I am client A."}, a)
    assert status == 200 and json.loads(body) == {"code": 200, "msg": "success", "data": "Noted."}
    room(url, {"role": "user", "content": "I am client B."}, b)
    room(url, {"role": "user", "content": "Who am I?"}, a)
    room(url, {"role": "user", "content": "And me?"}, b)
    sent = [r.json() for r in fault.requests]
    system = {"role": "system", "content": "You are the seed's assistant."}
    assert sent[2]["messages"] == [system, {"role": "user", "content": "I am client A."},
                                   {"role": "assistant", "content": "Noted."}, {"role": "user", "content": "Who am I?"}]
    assert sent[3]["messages"] == [system, {"role": "user", "content": "I am client B."},
                                   {"role": "assistant", "content": "Noted."}, {"role": "user", "content": "And me?"}]
    # the seed's CHAT_* names set the model and its parameters
    assert (sent[0]["model"], sent[0]["temperature"], sent[0]["max_tokens"]) == ("fault-model", 0.3, 50)
    status, body = room(url, {}, a, "/chat-room/reset")
    assert status == 200 and json.loads(body)["code"] == 200
    room(url, {"role": "user", "content": "Fresh start."}, a)
    room(url, {"role": "user", "content": "Still me."}, b)
    sent = [r.json() for r in fault.requests]
    assert sent[4]["messages"] == [system, {"role": "user", "content": "Fresh start."}]
    assert len(sent[5]["messages"]) == 6  # B kept its whole conversation
    rows = ledger.rows(before)  # each turn recorded once, under the key and the client's own address
    assert [r["session_id"] for r in rows] == [a, b, a, b, a, b]
    assert {(r["page"], r["label"]) for r in rows} == {("relay", "team-a")}


def test_chat_room_stream_streams_the_reply_text_and_remembers_it(url, fault):
    fault.script(fsv.Stream([fsv.chat_stream(["Once", " upon", " a", " time."])], pause=0.05),
                 fsv.Reply(200, fsv.completion("The end.")))
    status, body = room(url, {"role": "user", "content": "Tell a story."}, "127.0.0.4", "/chat-room/stream")
    assert status == 200 and body.decode() == "Once upon a time."
    room(url, {"role": "user", "content": "Go on."}, "127.0.0.4")
    assert fault.requests[1].json()["messages"][-2:] == [{"role": "assistant", "content": "Once upon a time."},
                                                         {"role": "user", "content": "Go on."}]


def test_chat_room_errors_use_the_seed_shape(url, fault):
    status, body = room(url, {"role": "user", "content": ""}, "127.0.0.5")
    assert status == 400 and json.loads(body)["code"] == 400 and "content" in json.loads(body)["msg"]
    status, body = room(url, {"role": "user", "content": "hi"}, "127.0.0.5", key="relay-key-wrong-0000")
    assert status == 401 and json.loads(body)["data"] is None
    assert fault.count == 0


# -- load: 8 clients × 5 streamed requests at once ----------------------------------------------------
def test_eight_clients_five_streams_each_all_answered_and_recorded_once(url, ledger):
    before = ledger.last_id()
    replies: list[tuple[str, str | None]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        c = sdk(url, TEAM_KEY if i % 2 else TEAM_B_KEY)
        try:
            for j in range(5):
                text, finish = "", None
                for ch in c.chat.completions.create(model=EMBEDDED, max_tokens=12, stream=True, messages=[
                        {"role": "user", "content": f"Client {i}, request {j}: name a colour."}]):
                    if ch.choices:
                        text += ch.choices[0].delta.content or ""
                        finish = ch.choices[0].finish_reason or finish
                with lock:
                    replies.append((text, finish))
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert errors == []
    assert len(replies) == 40 and all(text.strip() and finish in ("stop", "length") for text, finish in replies)
    rows = ledger.rows(before)
    assert len(rows) == 40 and all(r["status"] == "ok" and r["estimated"] in (0, False) for r in rows)
    assert sorted(json.loads(r["replies"])[0] for r in rows) == sorted(text for text, _ in replies)


def test_a_client_that_leaves_mid_stream_stops_the_upstream_request_and_the_ledger_keeps_it(url, ledger, fault):
    words = [f" w{i}" for i in range(60)]
    fault.script(fsv.Stream([fsv.sse(fsv.chunk(role="assistant", content="Start"), done=False)]
                            + [fsv.sse(fsv.chunk(w), done=False) for w in words] + [fsv.sse(fsv.chunk(finish="stop"))],
                            pause=0.1))  # six seconds of stream
    before = ledger.last_id()
    t0 = time.monotonic()
    with requests.post(url + "/v1/chat/completions", stream=True, timeout=30,
                       headers={"Authorization": f"Bearer {TEAM_KEY}"},
                       json={"model": "fault-model", "messages": HELLO, "stream": True}) as r:
        first = next(r.iter_lines())
        assert b"Start" in first
    rows = []
    while not rows and time.monotonic() - t0 < 20:
        time.sleep(0.2)
        rows = ledger.rows(before)
    assert len(rows) == 1 and rows[0]["status"] == "stopped"
    assert time.monotonic() - t0 < 5  # stopped when the client left, not when the upstream finished
    assert json.loads(rows[0]["replies"])[0].startswith("Start")
