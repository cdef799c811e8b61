"""What real servers send that our fault server reproduces on demand: a BOM before the first
event, gzip/deflate bodies cut at every byte, error bodies compressed or in HTML, FastAPI's
`detail`, LiteLLM's headers, a Retry-After longer than the deadline, and a non-streaming
request that times out after it was sent."""
from __future__ import annotations

import gzip
import json
import re
import zlib
from http.server import BaseHTTPRequestHandler

import pytest

from paramlab import errors
from paramlab.client.chat import ChatClient, Timeouts
from paramlab.client.retry import RetryPolicy
from paramlab.safety.redaction import Secret
from paramlab.settings import Endpoint
from paramlab.transport import ACCEPT_ENCODING

from support.fault_server import FaultServer, Hang, Reply, Stream, chat_stream, chunk, completion, sse
from support.recorded import Encoded

KEY = "sk-quirks-0123456789abcdef"
BODY = {"model": "fault-model", "messages": [{"role": "user", "content": "hi"}]}
SBODY = {**BODY, "stream": True}
FAST = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.02)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="module")
def server():
    with FaultServer() as fs:
        yield fs


@pytest.fixture
def fs(server):
    server.reset()
    yield server
    server.reset()


def client(fs, *, retry=FAST, timeouts=None, sleep=None) -> ChatClient:
    ep = Endpoint(name="quirks", base_url=fs.base_url, api_key=Secret(KEY))
    return ChatClient(ep, retry=retry, timeouts=timeouts or Timeouts(connect=2, read=5, total=20),
                      sleep=sleep if sleep is not None else Sleeps())


def plain_words(message: str) -> None:
    """No library class names, object reprs or cut-off parentheses in what the user reads."""
    assert not re.search(r"HTTPConnectionPool|HTTPSConnectionPool|object at 0x|urllib3|Error\(", message)
    assert message.count("(") == message.count(")")


# -- event streams ---------------------------------------------------------------------------
def test_bom_before_the_first_event_is_skipped(fs):
    fs.script(Stream([b"\xef\xbb\xbf" + chat_stream(["Hel", "lo"])]))
    res = client(fs).run(SBODY)
    assert res.status == "ok" and res.texts() == ["Hello"]


def test_bom_split_across_reads_is_skipped(fs):
    body = b"\xef\xbb\xbf" + chat_stream(["Hi"])
    fs.script(Stream([body[:1], body[1:2], body[2:4], body[4:]], pause=0.01))
    res = client(fs).run(SBODY)
    assert res.status == "ok" and res.texts() == ["Hi"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_stream_split_at_every_byte(fs, encoding):
    body = chat_stream(["Über", " ", "schön", " 🌍"], usage={"prompt_tokens": 3, "completion_tokens": 4,
                                                           "total_tokens": 7})
    behaviour = Encoded(200, body, {"content-type": "text/event-stream", "content-encoding": encoding}, split=1,
                        pause=0)
    fs.script(behaviour)
    seen = []
    res = client(fs).run(SBODY, on_delta=lambda d: seen.append(d.text))
    assert behaviour.sent_encoding == [encoding]
    assert res.status == "ok" and res.texts() == ["Über schön 🌍"]
    assert "".join(seen) == "Über schön 🌍" and len([s for s in seen if s]) == 4
    assert res.usage.completion_tokens == 4 and not res.usage.estimated


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_json_split_at_every_byte(fs, encoding):
    behaviour = Encoded(200, json.dumps(completion("Grüße")).encode(),
                        {"content-type": "application/json", "content-encoding": encoding}, split=1, pause=0)
    fs.script(behaviour)
    res = client(fs).run(BODY)
    assert behaviour.sent_encoding == [encoding]
    assert res.status == "ok" and res.texts() == ["Grüße"]


def test_raw_deflate_without_zlib_header_is_decoded(fs):
    raw = zlib.compressobj(wbits=-15)
    data = raw.compress(json.dumps(completion("raw")).encode()) + raw.flush()
    fs.script(Reply(200, data, {"Content-Encoding": "deflate"}, content_type="application/json"))
    assert client(fs).run(BODY).texts() == ["raw"]


def test_only_decodable_encodings_are_advertised(fs):
    client(fs).run(BODY)
    (req,) = fs.requests
    assert req.headers["Accept-Encoding"] == ACCEPT_ENCODING == "gzip, deflate"


def test_an_encoding_we_did_not_ask_for_is_named(fs):
    fs.script(Reply(200, b"\x1b\x00garbage", {"Content-Encoding": "br"}, content_type="application/json"))
    res = client(fs).run(BODY)
    assert res.status == "error" and "'br'" in res.error and "cannot decode" in res.error


def test_a_gzipped_stream_reaches_the_page_event_by_event(fs):
    """Decoding never waits for more data: each flushed gzip block yields its event at once."""
    comp = zlib.compressobj(wbits=31)
    parts = [comp.compress(sse(chunk(w), done=False)) + comp.flush(zlib.Z_SYNC_FLUSH) for w in ("a", "b", "c")]
    parts.append(comp.compress(sse(chunk(finish="stop"))) + comp.flush())
    fs.script(Stream(parts, pause=0.3, headers={"Content-Encoding": "gzip"}))
    import time
    stamps = []
    res = client(fs).run(SBODY, on_delta=lambda d: stamps.append(time.monotonic()))
    assert res.texts() == ["abc"] and len(stamps) == 3
    assert stamps[1] - stamps[0] > 0.2 and stamps[2] - stamps[1] > 0.2


# -- errors ----------------------------------------------------------------------------------
def test_gzipped_error_body_is_read(fs):
    body = json.dumps({"error": {"message": "The model `nope` does not exist", "code": "model_not_found"}})
    fs.script(Reply(404, gzip.compress(body.encode()), {"Content-Encoding": "gzip"}, content_type="application/json"))
    res = client(fs).run(BODY)
    assert res.status == "error" and res.error == "HTTP 404: The model `nope` does not exist"


def test_404_with_no_content_type(fs):
    fs.script(Reply(404, b"404 page not found"))
    res = client(fs).run(BODY)
    assert res.error == "HTTP 404: 404 page not found" and res.error_class == "NotFoundError"


def test_html_error_page_keeps_its_message(fs):
    page = BaseHTTPRequestHandler.error_message_format % {
        "code": 501, "message": "Unsupported method ('POST')", "explain": "Server does not support this operation"}
    fs.script(Reply(501, page, content_type="text/html;charset=utf-8"))
    res = client(fs, retry=RetryPolicy(max_retries=0)).run(BODY)
    assert res.error.startswith("HTTP 501: Error response: ")
    assert "Unsupported method ('POST')" in res.error


@pytest.mark.parametrize("detail,shown", [
    ("Model not loaded", "HTTP 422: Model not loaded"),
    ([{"loc": ["body", "messages", 0, "role"], "msg": "field required", "type": "missing"}],
     "HTTP 422: messages.0.role: field required"),
])
def test_fastapi_detail(fs, detail, shown):
    fs.script(Reply(422, {"detail": detail}))
    assert client(fs).run(BODY).error == shown


def test_error_object_inside_a_200_stream_keeps_text_and_details(fs):
    err = {"error": {"message": "Provider returned error", "code": 502,
                     "metadata": {"raw": "upstream overloaded", "provider_name": "Acme"}}}
    fs.script(Stream([sse(chunk("Half"), err, done=False)]))
    res = client(fs).run(SBODY)
    assert res.status == "error" and res.texts() == ["Half"]
    assert "Provider returned error" in res.error and "Acme: upstream overloaded" in res.error


def test_event_error_without_done(fs):
    fs.script(Stream([sse(chunk("Par"), done=False) +
                      b'event: error\ndata: {"error": {"message": "boom", "type": "server_error"}}\n\n']))
    res = client(fs).run(SBODY)
    assert res.status == "error" and "boom" in res.error and res.texts() == ["Par"]


# -- retries, timeouts, request ids --------------------------------------------------------------
def test_attempts_counted_when_a_non_streaming_request_finally_fails(fs):
    fs.script(*[Reply(503, {"error": {"message": "busy"}})] * 3)
    res = client(fs).run(BODY)
    assert res.status == "error" and fs.count == 3 and res.metrics.attempts == 3


def test_litellm_provider_retry_after_is_honoured(fs):
    fs.script(Reply(429, {"error": {"message": "slow down"}}, {"llm_provider-retry-after": "0.25"}), Reply(200, completion()))
    sleeps = Sleeps()
    res = client(fs, sleep=sleeps).run(BODY)
    assert res.status == "ok" and sleeps == [0.25] and res.metrics.attempts == 2


def test_retry_after_beyond_the_deadline_says_how_long_it_asked(fs):
    fs.script(Reply(429, {"error": {"message": "rate limited"}}, {"Retry-After": "45"}))
    sleeps = Sleeps()
    res = client(fs, sleep=sleeps, timeouts=Timeouts(connect=2, read=5, total=10)).run(BODY)
    assert res.status == "error" and fs.count == 1 and sleeps == []
    assert "asked to wait 45 s" in res.error and "of the 10 s deadline" in res.error


def test_timed_out_non_streaming_request_is_not_resent(fs):
    fs.script(Hang(limit=5))
    res = client(fs, timeouts=Timeouts(connect=1, read=0.5, total=0.6)).run(BODY)
    assert res.status == "error" and res.error_class == "APITimeoutError"
    assert fs.count == 1
    assert "was not sent again" in res.error and "streaming" in res.error
    plain_words(res.error)


def test_non_streaming_read_timeout_waits_for_the_whole_deadline():
    """A non-streaming reply is silent until generation ends: its read timeout is the deadline
    (openai-python waits 600 s), not the stream's 60 s silence limit."""
    assert Timeouts().total == 600.0 and Timeouts().read == 60.0


@pytest.mark.parametrize("header", ["x-request-id", "x-litellm-call-id", "apim-request-id"])
def test_request_id_headers(fs, header):
    payload = {**completion(), "id": ""}
    fs.script(Reply(200, payload, {header: "rid-123"}))
    assert client(fs).run(BODY).metrics.request_id == "rid-123"


def test_connection_refused_in_plain_words():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    ep = Endpoint(name="closed", base_url=f"http://127.0.0.1:{port}/v1")
    res = ChatClient(ep, retry=RetryPolicy(max_retries=0)).run(BODY)
    assert res.status == "error" and "connection refused" in res.error
    plain_words(res.error)


def test_stream_read_timeout_in_plain_words(fs):
    fs.script(Hang(limit=3))
    res = client(fs, retry=RetryPolicy(max_retries=0), timeouts=Timeouts(connect=1, read=0.3, total=10)).run(SBODY)
    assert res.error_class == "APITimeoutError" and "0.3 s" in res.error
    plain_words(res.error)
