"""The relay reading an upstream's event stream on the event loop (paramlab/relay/handover.py), against
the fault server: each way a body can be framed, encoded or end. What the client is sent must be each
event as it arrives (less the usage the relay asked for, the end held back), and what the worker gets
back must be the body exactly as it would have read it, or the failure iter_body would have raised."""
from __future__ import annotations

import asyncio
import gzip
import json
import time
import zlib

import pytest
import requests
import uvloop
import yaml
from support import fault_server as fsv

from paramlab.client import observers
from paramlab.relay.forward import Passthrough
from paramlab.relay.handover import Handover
from paramlab.relay.service import Relay
from paramlab.settings import load_settings

WORDS = ["one", " two", " three"]
USAGE = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}


@pytest.fixture(scope="module")
def fault():
    with fsv.FaultServer() as fs:
        yield fs


@pytest.fixture(autouse=True)
def _fresh(fault):
    fault.reset()


# The app runs on uvloop (uvicorn picks it when installed); plain asyncio must work as well.
LOOP = {"factory": asyncio.new_event_loop}


@pytest.fixture(params=["asyncio", "uvloop"], autouse=True)
def _event_loop(request):
    LOOP["factory"] = asyncio.new_event_loop if request.param == "asyncio" else uvloop.new_event_loop


def run(coro):
    with asyncio.Runner(loop_factory=LOOP["factory"]) as runner:
        return runner.run(coro)


class Relayed:
    def __init__(self, fault, behaviour, strip_usage: bool = True, read_timeout: float = 10.0):
        fault.script(behaviour)
        self.resp = requests.post(fault.base_url + "/chat/completions", json={"stream": True}, stream=True,
                                  timeout=10)
        self.passthrough = Passthrough(strip_usage)
        self.handover = Handover.of(self.resp, self.passthrough, read_timeout)
        assert self.handover is not None
        self.sent: list[tuple[float, bytes]] = []
        self.t0 = time.monotonic()
        run(self.handover.relay(self._send))
        self.body, self.error = b"", None
        try:
            for piece in self.handover.body(limit=10):
                self.body += piece
        except requests.RequestException as e:
            self.error = e
        self.resp.close()

    async def _send(self, data: bytes) -> None:
        self.sent.append((time.monotonic() - self.t0, data))

    @property
    def client_bytes(self) -> bytes:
        return b"".join(d for _, d in self.sent)

    def client_texts(self) -> list[str]:
        out = []
        for frame in self.client_bytes.split(b"\n\n"):
            if frame.startswith(b"data: {"):
                for c in json.loads(frame[6:]).get("choices") or ():
                    out.append(c["delta"].get("content") or "")
        return out


def test_each_event_goes_on_as_it_arrives_usage_stripped_and_the_end_held_back(fault):
    parts = [fsv.sse(fsv.chunk(w), done=False) for w in WORDS]
    parts += [fsv.sse(fsv.chunk(finish="stop"), {"id": "c", "choices": [], "usage": USAGE})]
    r = Relayed(fault, fsv.Stream(parts, pause=0.3))
    assert r.error is None
    assert [d for _, d in r.sent][:3] == [fsv.sse(fsv.chunk(w), done=False) for w in WORDS]  # one write each
    stamps = [t for t, _ in r.sent]
    assert all(b - a > 0.2 for a, b in zip(stamps, stamps[1:3]))  # each when it came, not all at the end
    assert b'"usage"' not in r.client_bytes and b"[DONE]" not in r.client_bytes
    assert r.passthrough.held == [b"data: [DONE]\n\n"]  # sent once the request is recorded
    assert r.body == b"".join(parts)  # the worker parses what the upstream sent


def test_the_client_that_asked_for_usage_gets_it(fault):
    r = Relayed(fault, fsv.Stream([fsv.chat_stream(WORDS, usage=USAGE)]), strip_usage=False)
    assert b'"usage"' in r.client_bytes and r.error is None


@pytest.mark.parametrize("eol", [b"\r\n", b"\r"])
def test_cr_line_ends_split_across_reads(fault, eol):
    body = fsv.chat_stream(WORDS, eol=eol)
    r = Relayed(fault, fsv.Stream([body[:7], body[7:40], body[40:]], pause=0.1))
    assert "".join(r.client_texts()) == "one two three" and r.error is None
    assert r.body == body


def test_a_body_that_ends_with_its_connection_without_done(fault):
    body = fsv.chat_stream(WORDS, done=False)
    r = Relayed(fault, fsv.Stream([body[:-1], body[-1:]], chunked=False, pause=0.1))
    assert r.error is None and r.body == body
    assert "".join(r.client_texts()) == "one two three"  # the last event too, once the connection ended


def test_a_gzip_stream_is_decoded_piece_by_piece(fault):
    z = zlib.compressobj(wbits=31)  # gzip framing, each part flushed so it can be decoded on arrival
    plain = [fsv.sse(fsv.chunk(w), done=False) for w in WORDS] + [fsv.sse(fsv.chunk(finish="stop"))]
    parts = [z.compress(p) + z.flush(zlib.Z_SYNC_FLUSH) for p in plain[:-1]] + [z.compress(plain[-1]) + z.flush()]
    r = Relayed(fault, fsv.Stream(parts, pause=0.2, headers={"Content-Encoding": "gzip"}))
    assert r.error is None and r.body == b"".join(plain)
    assert [d for _, d in r.sent][:3] == plain[:3]
    assert gzip.decompress(b"".join(parts)) == r.body


def test_headers_and_body_in_one_segment(fault):
    body = fsv.chat_stream(WORDS)

    def at_once(h):  # the response's first read holds the body too: it must not be lost
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: %d\r\n\r\n%s"
                      % (len(body), body))
        h.wfile.flush()
        h.close_connection = True

    r = Relayed(fault, at_once)
    assert r.error is None and r.body == body and "".join(r.client_texts()) == "one two three"


def test_an_error_event_ends_the_reading_and_is_held_with_the_end(fault):
    parts = [fsv.sse(fsv.chunk("Half"), {"error": {"message": "crashed", "type": "server_error"}}, done=False)]
    r = Relayed(fault, fsv.Stream(parts + [fsv.sse(fsv.chunk("never"))], pause=5))  # the rest would come later
    assert r.sent[-1][0] < 3  # it did not wait for the rest
    assert r.client_texts() == ["Half"] and len(r.passthrough.held) == 1 and b"crashed" in r.passthrough.held[0]


def test_a_connection_reset_mid_stream_is_the_failure_the_worker_would_have_seen(fault):
    r = Relayed(fault, fsv.Stream([fsv.sse(fsv.chunk("Half"), done=False)], reset=True, pause=0.1))
    assert r.client_texts() == ["Half"]
    assert isinstance(r.error, requests.exceptions.ChunkedEncodingError)
    assert r.body == fsv.sse(fsv.chunk("Half"), done=False)  # the text so far is kept


def test_silence_longer_than_the_read_timeout(fault):
    r = Relayed(fault, fsv.Stream([fsv.sse(fsv.chunk("Half"), done=False), fsv.sse(fsv.chunk("late"))], pause=3),
                read_timeout=0.5)
    assert isinstance(r.error, requests.exceptions.ReadTimeout)
    assert r.client_texts() == ["Half"] and r.sent[-1][0] < 2


def test_a_shutdown_socket_ends_the_reading(fault):
    """The watchdog's cancel or deadline shuts the socket down: the loop stops as the thread would."""
    fault.script(fsv.Stream([fsv.sse(fsv.chunk(f" w{i}"), done=False) for i in range(30)], pause=0.1))
    resp = requests.post(fault.base_url + "/chat/completions", json={}, stream=True, timeout=10)
    h = Handover.of(resp, Passthrough(True), 10.0)
    sent = []

    async def send(data: bytes) -> None:
        sent.append(data)
        if len(sent) == 2:
            from paramlab.transport.watchdog import response_socket, shutdown_socket
            shutdown_socket(response_socket(resp))

    t0 = time.monotonic()
    run(h.relay(send))
    assert time.monotonic() - t0 < 2 and len(sent) == 2
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(h.body(limit=1))
    resp.close()


def test_an_abandoned_hand_over_never_keeps_the_worker_waiting(fault):
    fault.script(fsv.Stream([fsv.chat_stream(WORDS)]))
    resp = requests.post(fault.base_url + "/chat/completions", json={}, stream=True, timeout=10)
    h = Handover.of(resp, Passthrough(True), 10.0)
    h.abandon()
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="client left"):
        list(h.body(limit=1))
    resp.close()


# -- where the body stays in the worker thread (a TLS upstream) ------------------------------------
@pytest.fixture
def relay(fault, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "1")
    cfg = tmp_path / "paramlab.yaml"
    cfg.write_text(yaml.safe_dump({"disable_embedded": True, "endpoints": [
        {"name": "Faults", "base_url": fault.base_url, "models": ["fault-model"], "backend": "other"}]}))
    return Relay(load_settings({"CHAT_CONFIG": str(cfg)}), local_only=True)


@pytest.mark.parametrize("refused", [False, True])
def test_in_the_worker_thread_each_event_is_emitted_and_the_end_waits_for_the_record(fault, relay, refused):
    """Without a hand-over (hand_over None, or one that says None as for TLS) the thread reads the body
    and emits each event itself; either way the end goes out only after the request was recorded."""
    parts = [fsv.sse(fsv.chunk(w), done=False) for w in WORDS]
    fault.script(fsv.Stream(parts + [fsv.sse(fsv.chunk(finish="stop"), {"id": "c", "choices": [], "usage": USAGE})]))
    log: list = []
    observers.subscribe("test-relay-order", lambda endpoint, result, context: log.append(("recorded", result.usage)))
    try:
        prep, client = relay.prepare(json.dumps({"model": "fault-model", "stream": True,
                                                 "messages": [{"role": "user", "content": "hi"}]}).encode())
        caller = relay.admit(None, "127.0.0.1")
        result = relay.stream(prep, client, caller, log.append, [],
                              (lambda resp, passthrough, timeouts: None) if refused else None)
    finally:
        observers.unsubscribe("test-relay-order")
    assert result.status == "ok" and result.choices[0].text == "one two three"
    assert log[:3] == parts  # one emit per event, as it came
    assert log[3:] == [fsv.sse(fsv.chunk(finish="stop"), done=False), ("recorded", result.usage), b"data: [DONE]\n\n"]
    assert result.usage.completion_tokens == 3  # the usage chunk was read, and not passed on
