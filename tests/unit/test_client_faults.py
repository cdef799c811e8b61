"""The client against a misbehaving server of our own (tests/fault_server.py), over real HTTP."""
from __future__ import annotations

import logging
import threading
import time
from email.utils import formatdate

import pytest

from paramlab import errors
from paramlab.client.chat import ChatClient, Timeouts
from paramlab.settings import Endpoint
from paramlab.safety.redaction import Secret
from paramlab.client.retry import RetryPolicy

from support.fault_server import (FaultServer, Hang, Reply, Reset, Stream, Trickle, TrickleHeaders, chat_stream, chunk,
                          completion, sse)

KEY = "sk-test-SECRETKEY-1234567890abcdef"
ORG = "org-paramlab-test"
BODY = {"model": "fault-model", "messages": [{"role": "user", "content": "hi"}]}
SBODY = {**BODY, "stream": True}
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02, max_retry_after=60.0)


class Sleeps(list):
    """An injected sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(fs: FaultServer, *, retry: RetryPolicy = FAST, timeouts: Timeouts | None = None,
                sleep=None, **ep) -> ChatClient:
    endpoint = Endpoint(name="fault", base_url=ep.pop("base_url", fs.base_url), api_key=Secret(KEY),
                        organization=ORG, **ep)
    return ChatClient(endpoint, retry=retry, timeouts=timeouts or Timeouts(connect=2, read=5, total=20),
                      sleep=sleep if sleep is not None else Sleeps())


def assert_no_key(*things) -> None:
    for t in things:
        assert KEY not in str(t) and KEY not in repr(t)
        assert KEY[3:-4] not in str(t)


# -- happy path, headers -----------------------------------------------------------------
def test_complete_sends_bearer_org_and_json(fs):
    res = make_client(fs).complete(BODY)
    assert res.texts() == ["Hello there."]
    assert res.usage.completion_tokens == 3 and not res.usage.estimated
    (req,) = fs.requests
    assert req.method == "POST" and req.path == "/v1/chat/completions"
    assert req.headers["Authorization"] == f"Bearer {KEY}"
    assert req.headers["OpenAI-Organization"] == ORG
    assert req.headers["Content-Type"] == "application/json"
    assert req.json() == BODY
    # the key is masked in what the result keeps
    assert_no_key(res.request_headers, res.to_dict())


def test_stream_assembles_and_measures(fs):
    fs.script(Stream([chat_stream(["Hel", "lo", " wörld"], usage={"prompt_tokens": 4, "completion_tokens": 3,
                                                                  "total_tokens": 7})], pause=0.01))
    client = make_client(fs)
    s = client.stream({**SBODY, "stream_options": {"include_usage": True}})
    deltas = list(s)
    assert "".join(d.text for d in deltas) == "Hello wörld"
    res = s.result
    assert res.status == "ok" and res.texts() == ["Hello wörld"] and res.finish_reasons == ["stop"]
    assert res.usage.completion_tokens == 3 and not res.usage.estimated
    assert res.metrics.ttft_s is not None and res.metrics.latency_s >= res.metrics.ttft_s
    assert fs.requests[0].headers["Accept"] == "text/event-stream"


def test_rate_limit_headers_and_request_id_kept(fs):
    fs.script(Reply(200, completion(), headers={"x-request-id": "req_123", "x-ratelimit-remaining-requests": "59",
                                                "x-ratelimit-reset-tokens": "6m0s"}))
    res = make_client(fs).complete(BODY)
    assert res.metrics.request_id == "req_123"
    assert res.metrics.rate_limits == {"x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-tokens": "6m0s"}


def test_usage_estimated_and_labelled_when_server_gives_none(fs):
    payload = completion("Some words of reply text")
    del payload["usage"]
    fs.script(Reply(200, payload))
    res = make_client(fs).complete(BODY)
    assert res.usage.estimated and res.usage.completion_tokens > 0


# -- status classes and error shapes ------------------------------------------------------------
OPENAI_NESTED = {"error": {"message": "Invalid value for temperature", "type": "invalid_request_error",
                           "param": "temperature", "code": "invalid_value"}}
VLLM_FLAT = {"object": "error", "message": "max_tokens is too large", "type": "BadRequestError", "param": None,
             "code": 400}
BARE_STRING = {"error": "Model not loaded: foo"}
LITELLM = {"error": {"message": "litellm.AuthenticationError: bad key", "type": "auth_error", "param": "None",
                     "code": "401"}}
HTML_502 = ("<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>"
            "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.25.3</center>"
            + "<p>padding</p>" * 200 + "</body></html>")


@pytest.mark.parametrize("status, body, cls, message", [
    (400, OPENAI_NESTED, errors.BadRequestError, "Invalid value for temperature"),
    (400, VLLM_FLAT, errors.BadRequestError, "max_tokens is too large"),
    (404, BARE_STRING, errors.NotFoundError, "Model not loaded: foo"),
    (401, LITELLM, errors.AuthenticationError, "litellm.AuthenticationError: bad key"),
    (403, {"error": {"message": "Country not supported"}}, errors.PermissionDeniedError, "Country not supported"),
    (422, {"detail": "Unprocessable: messages"}, errors.UnprocessableEntityError, "Unprocessable: messages"),
])
def test_status_class_and_message(fs, status, body, cls, message):
    fs.script(Reply(status, body))
    sleeps = Sleeps()
    with pytest.raises(cls) as ei:
        make_client(fs, sleep=sleeps).complete(BODY)
    assert ei.value.message == message and ei.value.status == status
    assert message in str(ei.value)
    assert fs.count == 1 and sleeps == []  # never retried
    assert_no_key(ei.value)


def test_openai_error_fields_and_vllm_int_code(fs):
    fs.script(Reply(400, OPENAI_NESTED), Reply(400, VLLM_FLAT))
    c = make_client(fs)
    with pytest.raises(errors.BadRequestError) as a:
        c.complete(BODY)
    assert (a.value.type, a.value.code, a.value.param) == ("invalid_request_error", "invalid_value", "temperature")
    assert "(field: temperature)" in str(a.value)
    with pytest.raises(errors.BadRequestError) as b:
        c.complete(BODY)
    assert b.value.code == "400" and b.value.type == "BadRequestError"


def test_litellm_string_code(fs):
    fs.script(Reply(400, {"error": {"message": "rate limited upstream", "type": "None", "param": None,
                                    "code": "429"}}))
    with pytest.raises(errors.BadRequestError) as ei:
        make_client(fs).complete(BODY)
    assert ei.value.code == "429" and ei.value.message == "rate limited upstream"


def test_html_502_is_shortened_and_retried(fs):
    fs.script(*[Reply(502, HTML_502, content_type="text/html")] * 3)
    sleeps = Sleeps()
    with pytest.raises(errors.InternalServerError) as ei:
        make_client(fs, sleep=sleeps).complete(BODY)
    msg = ei.value.message
    assert "502 Bad Gateway" in msg and "<" not in msg and "color:red" not in msg
    assert len(msg) <= 300
    assert fs.count == 3 and len(sleeps) == 2


def test_empty_error_body(fs):
    fs.script(Reply(403, b""))
    with pytest.raises(errors.PermissionDeniedError) as ei:
        make_client(fs).complete(BODY)
    assert ei.value.message == "(empty body)"


def test_unknown_4xx_is_status_error_not_retried(fs):
    fs.script(Reply(418, {"error": {"message": "I am a teapot"}}))
    with pytest.raises(errors.APIStatusError) as ei:
        make_client(fs).complete(BODY)
    assert ei.value.message == "I am a teapot" and fs.count == 1


# -- retries ------------------------------------------------------------------------------------
@pytest.mark.parametrize("status, cls", [(408, errors.APIStatusError), (409, errors.ConflictError),
                                         (429, errors.RateLimitError), (500, errors.InternalServerError),
                                         (503, errors.InternalServerError)])
def test_retryable_statuses_then_success(fs, status, cls):
    fs.script(Reply(status, {"error": {"message": "try again"}}), Reply(status, {"error": {"message": "again"}}))
    sleeps = Sleeps()
    res = make_client(fs, sleep=sleeps).complete(BODY)
    assert res.texts() == ["Hello there."]
    assert fs.count == 3 and len(sleeps) == 2
    assert res.metrics.attempts == 3
    assert all(0 < s <= FAST.max_delay for s in sleeps)


@pytest.mark.parametrize("status, cls", [(429, errors.RateLimitError), (500, errors.InternalServerError)])
def test_attempt_cap(fs, status, cls):
    fs.script(*[Reply(status, {"error": {"message": f"busy {i}"}}) for i in range(10)])
    sleeps = Sleeps()
    with pytest.raises(cls) as ei:
        make_client(fs, sleep=sleeps, retry=RetryPolicy(max_retries=3, initial_delay=0.01, max_delay=0.02)).complete(BODY)
    assert fs.count == 4 and len(sleeps) == 3
    assert ei.value.message == "busy 3"  # the last answer is reported


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_never_retried(fs, status):
    fs.script(*[Reply(status, {"error": {"message": "no"}}, headers={"retry-after": "1"})] * 3)
    sleeps = Sleeps()
    with pytest.raises(errors.APIStatusError):
        make_client(fs, sleep=sleeps).complete(BODY)
    assert fs.count == 1 and sleeps == []


def test_insufficient_quota_not_retried(fs):
    fs.script(*[Reply(429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                                      "code": "insufficient_quota"}})] * 3)
    sleeps = Sleeps()
    with pytest.raises(errors.InsufficientQuotaError) as ei:
        make_client(fs, sleep=sleeps).complete(BODY)
    assert isinstance(ei.value, errors.RateLimitError)
    assert "quota" in ei.value.message and fs.count == 1 and sleeps == []


def test_a_token_rate_limit_that_waiting_clears_is_retried(fs):
    """The passing kind of OpenAI's TPM 429 (its wording, with "Used"): the request fits the limit
    once the minute's tokens free up, so it is retried; the recorded one that can never fit is
    not (test_corpus_replay)."""
    fs.script(Reply(429, {"error": {"message": "Rate limit reached for gpt-4o in organization org-x on tokens per "
                                               "min (TPM): Limit 10000, Used 9000, Requested 2000. Please try again "
                                               "in 6ms.", "type": "tokens", "code": "rate_limit_exceeded"}}))
    sleeps = Sleeps()
    make_client(fs, sleep=sleeps).complete(BODY)
    assert fs.count == 2 and len(sleeps) == 1


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after": "3"}, 3.0),
    ({"retry-after-ms": "1500"}, 1.5),
    ({"retry-after-ms": "250", "retry-after": "7"}, 0.25),  # the ms form wins
])
def test_retry_after_forms_honoured(fs, headers, expected):
    fs.script(Reply(429, {"error": {"message": "slow down"}}, headers=headers))
    sleeps = Sleeps()
    make_client(fs, sleep=sleeps).complete(BODY)
    assert sleeps == [pytest.approx(expected)]
    assert fs.count == 2


def test_retry_after_http_date_honoured(fs):
    fs.script(Reply(503, b"busy", headers={"Retry-After": formatdate(time.time() + 5, usegmt=True)}))
    sleeps = Sleeps()
    make_client(fs, sleep=sleeps).complete(BODY)
    assert len(sleeps) == 1 and 2.5 < sleeps[0] <= 5.0


def test_retry_after_beyond_cap_falls_back_to_backoff(fs):
    fs.script(Reply(429, {"error": {"message": "later"}}, headers={"retry-after": "3600"}))
    sleeps = Sleeps()
    make_client(fs, sleep=sleeps).complete(BODY)
    assert len(sleeps) == 1 and sleeps[0] <= FAST.max_delay


def test_x_should_retry_overrides(fs):
    fs.script(Reply(400, {"error": {"message": "odd"}}, headers={"x-should-retry": "true"}),
              Reply(500, {"error": {"message": "final"}}, headers={"x-should-retry": "false"}))
    sleeps = Sleeps()
    with pytest.raises(errors.InternalServerError) as ei:
        make_client(fs, sleep=sleeps).complete(BODY)
    assert ei.value.message == "final" and fs.count == 2 and len(sleeps) == 1


def test_connection_errors_retried():
    # A port where nothing listens: connection refused on every attempt.
    with FaultServer() as tmp:
        base = tmp.base_url
    sleeps = Sleeps()
    client = ChatClient(Endpoint(name="down", base_url=base, api_key=Secret(KEY)), retry=FAST, sleep=sleeps,
                        timeouts=Timeouts(connect=1, read=1, total=10))
    with pytest.raises(errors.APIConnectionError) as ei:
        client.complete(BODY)
    assert len(sleeps) == 2
    port = base.split(":")[2].split("/")[0]
    # the port is named: on one machine, local servers differ by port alone
    assert f"connection refused: nothing is listening at 127.0.0.1:{port}" in str(ei.value)
    assert_no_key(ei.value)


def test_reset_before_answer_is_retried(fs):
    fs.script(Reset(), Reset())
    sleeps = Sleeps()
    res = make_client(fs, sleep=sleeps).complete(BODY)
    assert res.texts() == ["Hello there."] and fs.count == 3 and len(sleeps) == 2


def test_stream_retried_before_any_text(fs):
    fs.script(Reply(503, b"overloaded"), Stream([chat_stream(["ok"])]))
    sleeps = Sleeps()
    res = make_client(fs, sleep=sleeps).run(SBODY)
    assert res.status == "ok" and res.texts() == ["ok"] and len(sleeps) == 1


def test_stream_with_text_never_retried_and_keeps_partial(fs):
    stream = sse(chunk(role="assistant", content=""), chunk("Partial "), chunk("answer"), done=False)
    fs.script(Stream([stream], pause=0.05, reset=True, chunked=False), Stream([chat_stream(["retried"])]))
    sleeps = Sleeps()
    res = make_client(fs, sleep=sleeps).run(SBODY)
    assert fs.count == 1 and sleeps == []
    assert res.texts() == ["Partial answer"]
    assert res.status in ("error", "truncated") and res.error
    assert res.choices[0].finish_reason is None


def test_connection_reset_mid_stream_keeps_partial_text_marked(fs):
    stream = sse(chunk(role="assistant", content=""), chunk("Bonjour "), chunk("à tous"), done=False)
    fs.script(Stream([stream, b'data: {"choices": [{"index": 0, "del'], pause=0.05, reset=True))
    s = make_client(fs).stream(SBODY)
    seen = []
    with pytest.raises(errors.APIConnectionError) as ei:
        for d in s:
            seen.append(d.text)
    assert "".join(seen) == "Bonjour à tous"
    assert ei.value.partial == {0: "Bonjour à tous"}
    assert s.result.texts() == ["Bonjour à tous"]
    fs.script(Stream([stream], pause=0.05, reset=True))
    res = make_client(fs).run(SBODY)
    assert res.status == "error" and res.texts() == ["Bonjour à tous"]
    assert res.error_class == "APIConnectionError"


def test_redirects_not_followed(fs):
    for status in (307, 308):
        fs.reset()
        fs.script(Reply(status, b"", headers={"Location": fs.root + "/elsewhere/chat/completions"}))
        with pytest.raises(errors.RedirectError) as ei:
            make_client(fs).complete(BODY)
        assert str(status) in str(ei.value) and "/elsewhere" in str(ei.value)
        assert [r.path for r in fs.requests] == ["/v1/chat/completions"]


# -- odd 200s ------------------------------------------------------------------------------------------
def test_200_with_no_choices(fs):
    fs.script(Reply(200, {"id": "x", "object": "chat.completion", "choices": []}))
    with pytest.raises(errors.InvalidResponseError) as ei:
        make_client(fs).complete(BODY)
    assert "no choices" in str(ei.value)
    fs.script(Reply(200, {"id": "x", "object": "chat.completion", "choices": []}))
    res = make_client(fs).run(BODY)
    assert res.status == "error" and res.error_class == "InvalidResponseError"


def test_200_non_json(fs):
    fs.script(Reply(200, "<html><body>Welcome to nginx!</body></html>", content_type="text/html"))
    with pytest.raises(errors.InvalidResponseError) as ei:
        make_client(fs).complete(BODY)
    assert "not with JSON" in str(ei.value) and "Welcome to nginx!" in str(ei.value)


def test_200_error_payload_in_body(fs):
    fs.script(Reply(200, {"error": "model crashed"}))
    with pytest.raises(errors.InvalidResponseError) as ei:
        make_client(fs).complete(BODY)
    assert ei.value.message == "model crashed"


def test_stream_request_answered_with_plain_json(fs):
    fs.script(Reply(200, completion("Not streamed")))
    res = make_client(fs).run(SBODY)
    assert res.status == "ok" and res.texts() == ["Not streamed"]


def test_stream_request_answered_with_html(fs):
    fs.script(Reply(200, "<html><body>captive portal</body></html>", content_type="text/html"))
    res = make_client(fs).run(SBODY)
    assert res.status == "error" and "captive portal" in res.error


def test_stream_request_answered_with_bad_json(fs):
    fs.script(Reply(200, b"{not json", content_type="application/json"))
    res = make_client(fs).run(SBODY)
    assert res.status == "error" and res.error_class == "InvalidResponseError"


def test_stream_with_no_choices_at_all(fs):
    fs.script(Stream([sse({"id": "x", "object": "chat.completion.chunk", "choices": []})]))
    res = make_client(fs).run(SBODY)
    assert res.status == "error" and "no choices" in res.error


# -- streams that go wrong ----------------------------------------------------------------------
def test_error_payload_mid_stream(fs):
    fs.script(Stream([sse(chunk(role="assistant", content=""), chunk("Half a "),
                          {"error": {"message": "CUDA out of memory", "type": "server_error"}}, done=False)]))
    s = make_client(fs).stream(SBODY)
    with pytest.raises(errors.StreamError) as ei:
        list(s)
    assert ei.value.message == "CUDA out of memory" and ei.value.partial == {0: "Half a "}
    assert s.result.texts() == ["Half a "]
    fs.script(Stream([sse(chunk("Half a "), {"error": {"message": "CUDA out of memory"}}, done=False)]))
    res = make_client(fs).run(SBODY)
    assert res.status == "error" and res.texts() == ["Half a "] and "CUDA out of memory" in res.error


def test_llamacpp_error_line_mid_stream(fs):
    fs.script(Stream([sse(chunk("Some "), done=False)
                      + b'error: {"code": 500, "message": "slot unavailable", "type": "server_error"}\n\n']))
    res = make_client(fs).run(SBODY)
    assert res.status == "error" and "slot unavailable" in res.error and res.texts() == ["Some "]


def test_stream_missing_done_after_every_finish_is_whole(fs):
    # LM Studio's recorded stream ends cleanly with no [DONE]: the reply is complete, not "cut".
    fs.script(Stream([chat_stream(["All ", "there"], done=False)]))
    res = make_client(fs).run(SBODY)
    assert res.status == "ok" and res.error is None and res.texts() == ["All there"]


def test_stream_missing_done_and_the_usage_asked_for_is_truncated(fs):
    # Finished, but the usage chunk asked for never came: cut between the two.
    fs.script(Stream([chat_stream(["All ", "there"], done=False)]))
    res = make_client(fs).run({**SBODY, "stream_options": {"include_usage": True}})
    assert res.status == "truncated" and "[DONE]" in res.error and res.texts() == ["All there"]
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    fs.script(Stream([chat_stream(["All ", "there"], usage=usage, done=False)]))
    res = make_client(fs).run({**SBODY, "stream_options": {"include_usage": True}})
    assert res.status == "ok" and res.usage.total_tokens == 5


def test_stream_missing_finish_reason_is_truncated(fs):
    fs.script(Stream([chat_stream(["Cut ", "off"], finish=None)]))
    res = make_client(fs).run(SBODY)
    assert res.status == "truncated" and "finish_reason" in res.error and res.texts() == ["Cut off"]


def test_stream_n2_one_choice_unfinished_is_truncated(fs):
    fs.script(Stream([sse(chunk("a", index=0), chunk("b", index=1), chunk(finish="stop", index=0))]))
    res = make_client(fs).run(SBODY)
    assert res.status == "truncated" and res.texts() == ["a", "b"] and res.finish_reasons == ["stop", None]


def test_cr_only_framing_and_split_utf8(fs):
    data = chat_stream(["日本", "語 ✓", " 🎛️"], eol=b"\r")
    # cut inside multi-byte characters and between the CRs of an event boundary
    cuts = [data.index("本".encode()) + 1, data.index("✓".encode()) + 2, data.index("🎛".encode()) + 3]
    cuts += [data.index(b"\r\r") + 1]
    cuts = sorted(cuts)
    parts = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
    fs.script(Stream(parts, pause=0.02))
    res = make_client(fs).run(SBODY)
    assert res.status == "ok" and res.texts() == ["日本語 ✓ 🎛️"]


def test_crlf_split_across_reads(fs):
    data = chat_stream(["one ", "two"], eol=b"\r\n")
    i = data.index(b"\r\n")
    fs.script(Stream([data[:i + 1], data[i + 1:]], pause=0.05))
    res = make_client(fs).run(SBODY)
    assert res.status == "ok" and res.texts() == ["one two"]


def test_event_stream_without_charset_is_utf8_not_latin1(fs):
    fs.script(Stream([chat_stream(["Grüße ", "façade"])], content_type="text/event-stream", chunked=False))
    res = make_client(fs).run(SBODY)
    assert res.texts() == ["Grüße façade"]


# -- timeouts, deadline, cancel ---------------------------------------------------------------------
def test_server_that_never_answers_read_timeout(fs):
    fs.script(Hang(limit=5), Hang(limit=5))
    sleeps = Sleeps()
    client = make_client(fs, sleep=sleeps, retry=RetryPolicy(max_retries=1, initial_delay=0.01, max_delay=0.01),
                         timeouts=Timeouts(connect=1, read=0.3, total=10))
    res = client.run(BODY)
    assert res.status == "error" and res.error_class == "APITimeoutError"
    assert len(sleeps) == 1
    # on a loaded machine the server may record the second request after the client gave up on it
    end = time.monotonic() + 5
    while fs.count < 2 and time.monotonic() < end:
        time.sleep(0.05)
    assert fs.count == 2


def test_read_timeout_mid_stream_keeps_text(fs):
    # a stream that sends one chunk, then goes quiet
    fs.script(_StreamThenHang(sse(chunk("before "), done=False)))
    client = make_client(fs, timeouts=Timeouts(connect=1, read=0.3, total=10))
    res = client.run(SBODY)
    assert res.status == "error" and res.error_class == "APITimeoutError" and res.texts() == ["before "]
    assert "read timeout" in res.error


class _StreamThenHang:
    def __init__(self, first: bytes):
        self.first = first

    def __call__(self, h):
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(self.first)
        h.wfile.flush()
        h.server.stopping.wait(5)
        h.close_connection = True


def test_overall_deadline_against_trickling_stream(fs):
    fs.script(Trickle(interval=0.05, limit=20))
    client = make_client(fs, timeouts=Timeouts(connect=1, read=1, total=0.8))
    t0 = time.monotonic()
    res = client.run(SBODY)
    assert time.monotonic() - t0 < 15  # it returned, long before the server would stop
    assert res.status == "error" and res.error_class == "APITimeoutError" and "deadline" in res.error


def test_overall_deadline_against_trickling_json_body(fs):
    fs.script(Trickle(interval=0.05, limit=20, content_type="application/json", piece=b" "))
    client = make_client(fs, timeouts=Timeouts(connect=1, read=1, total=0.8))
    res = client.run(BODY)
    assert res.status == "error" and res.error_class == "APITimeoutError"


def test_overall_deadline_against_trickling_error_body(fs):
    fs.script(Trickle(interval=0.05, limit=20, content_type="text/html", piece=b"<p>", status=500))
    client = make_client(fs, timeouts=Timeouts(connect=1, read=1, total=0.8), retry=RetryPolicy(max_retries=0))
    res = client.run(BODY)
    assert res.status == "error"


@pytest.mark.parametrize("stream", [False, True])
def test_overall_deadline_against_trickling_headers(fs, stream):
    fs.script(TrickleHeaders(interval=0.05, limit=20))
    client = make_client(fs, timeouts=Timeouts(connect=1, read=1, total=0.8), retry=RetryPolicy(max_retries=0))
    t0 = time.monotonic()
    res = client.run(SBODY if stream else BODY)
    assert time.monotonic() - t0 < 15  # it returned, long before the server would stop
    assert res.status == "error" and res.error_class == "APITimeoutError" and "deadline" in res.error


def test_cancel_from_another_thread_keeps_partial(fs):
    words = [f"w{i} " for i in range(200)]
    fs.script(Stream([chat_stream(words)[i:i + 200] for i in range(0, len(chat_stream(words)), 200)], pause=0.02))
    client = make_client(fs)
    holder: list = []
    seen = []

    def on_delta(d):
        seen.append(d.text)
        if len(seen) == 5:
            threading.Thread(target=holder[0].cancel).start()

    res = client.run(SBODY, on_delta=on_delta, stream_holder=holder)
    assert res.status == "stopped"
    assert res.texts()[0].startswith("w0 w1 w2 w3 w4 ") and len(res.texts()[0]) < len("".join(words))
    assert res.texts()[0] == "".join(seen)


# -- the key never leaks -----------------------------------------------------------------------------
def test_key_redacted_everywhere(fs, caplog):
    caplog.set_level(logging.DEBUG)
    # a server that echoes the key back in its error message
    fs.script(Reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    client = make_client(fs)
    with pytest.raises(errors.AuthenticationError) as ei:
        client.complete(BODY)
    assert "Incorrect API key provided: ***" in str(ei.value)
    fs.script(Reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}}))
    res = client.run(BODY)
    fs.script(Stream([sse(chunk("x"), {"error": {"message": f"key {KEY} revoked"}}, done=False)]))
    res2 = client.run(SBODY)
    assert "revoked" in res2.error
    assert_no_key(ei.value, ei.value.args, res.error, res.to_dict(), res2.to_dict(), res2.request_headers,
                  client, client.endpoint, client.endpoint.api_key, caplog.text)
    assert res.request_headers["Authorization"].startswith("Bearer ") and "…" in res.request_headers["Authorization"]


def test_redacting_filter_scrubs_log_lines(caplog):
    from paramlab.safety.redaction import RedactingFilter, register
    register(KEY)
    logger = logging.getLogger("paramlab.test-redaction")
    f = RedactingFilter()
    for h in [caplog.handler]:
        h.addFilter(f)
    try:
        with caplog.at_level(logging.INFO, logger="paramlab.test-redaction"):
            logger.info("calling with key %s", KEY)
            logger.warning(f"header Bearer {KEY}")
    finally:
        caplog.handler.removeFilter(f)
    assert "***" in caplog.text
    assert_no_key(caplog.text)


def test_secret_never_pickled_or_printed():
    import pickle
    s = Secret(KEY)
    assert s.reveal() == KEY
    assert_no_key(s, f"{s}", [s], {"k": s}, pickle.loads(pickle.dumps(s)).reveal())
    ep = Endpoint(name="x", base_url="https://api.example.com/v1", api_key=s)
    assert_no_key(ep, ep.public())


# -- proxy -------------------------------------------------------------------------------------------
def test_proxy_from_endpoint_is_used(fs):
    """The fault server plays the proxy: it receives the absolute-form request for a port where
    nothing listens, so the answer can only have come through the proxy."""
    client = make_client(fs, base_url="http://localhost:9/v1", proxy=fs.root)
    res = client.complete(BODY)
    assert res.texts() == ["Hello there."]
    (req,) = fs.requests
    assert req.path == "http://localhost:9/v1/chat/completions"
    assert req.headers["Authorization"] == f"Bearer {KEY}"


def test_proxy_from_environment(fs, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", fs.root)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = make_client(fs, base_url="http://localhost:9/v1")
    assert client.complete(BODY).texts() == ["Hello there."]
    assert fs.requests[0].path == "http://localhost:9/v1/chat/completions"


# -- run() never raises -------------------------------------------------------------------------------
NEVER_RAISES = {
    "400": (Reply(400, OPENAI_NESTED), "error"),
    "429 quota": (Reply(429, {"error": {"message": "quota", "code": "insufficient_quota"}}), "error"),
    "502 html": (Reply(502, HTML_502, content_type="text/html"), "error"),
    "redirect": (Reply(308, b"", headers={"Location": "/x"}), "error"),
    "reset": (Reset(), "error"),
    "no choices": (Reply(200, {"choices": []}), "error"),
    "not json": (Reply(200, b"\x00\xff garbage"), "error"),
    "json list": (Reply(200, [1, 2, 3]), "error"),
    "empty 200": (Reply(200, b""), "error"),
    "stream json noise": (Stream([sse("5", '"text"', "[1]", chunk("ok", finish="stop"))]), "ok"),
    "stream garbage": (Stream([b"\x00\xff\xfe not sse at all"], content_type="text/event-stream"), "truncated"),
    "stream cut": (Stream([sse(chunk("half"), done=False)], reset=True), "error"),
}


@pytest.mark.parametrize("name", list(NEVER_RAISES))
@pytest.mark.parametrize("stream", [False, True], ids=["complete", "stream"])
def test_run_never_raises_and_marks_status(fs, name, stream):
    behaviour, status = NEVER_RAISES[name]
    fs.script(*[behaviour] * 3)
    res = make_client(fs, retry=RetryPolicy(max_retries=0)).run(SBODY if stream else BODY)
    # an event stream sent to a non-streaming request is not JSON: an error too
    expected = status if stream or not name.startswith("stream") else "error"
    assert res.status == expected
    if expected != "ok":
        assert res.error
    if expected == "error":
        assert res.error_class
    assert_no_key(res.to_dict())


def test_cancel_while_waiting_for_headers(fs):
    fs.script(Hang(limit=10))
    client = make_client(fs, timeouts=Timeouts(connect=1, read=30, total=30))
    holder: list = []
    threading.Timer(0.5, lambda: holder[0].cancel()).start()
    t0 = time.monotonic()
    res = client.run(SBODY, stream_holder=holder)
    assert time.monotonic() - t0 < 9
    assert res.status == "stopped"
