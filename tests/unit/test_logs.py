"""Request logs: one JSON line per request with metrics and error class, rotating, never a key
or message text. Real requests over HTTP to a fault server; the log files are read back."""
from __future__ import annotations

import json
import logging
import logging.handlers

import pytest
from support.fault_server import Reply, Stream, chat_stream, completion

from paramlab.usage import logs as logsetup
from paramlab.client import observers
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint
from paramlab.safety.redaction import Secret, register
from paramlab.client.retry import RetryPolicy

KEY = "sk-logtest-SECRET-0123456789"
PROMPT = "PROMPT-TEXT-purple-elephant"
REPLY = "REPLY-TEXT-green-giraffe"
SYSTEM = "SYSTEM-TEXT-orange-owl"


@pytest.fixture
def logdir(tmp_path):
    before = logsetup._started  # the process's request log (the app's services start it): put it back after
    logsetup.stop()
    d = logsetup.start({"CHAT_LOG_DIR": str(tmp_path / "logs")})
    yield d
    logsetup.stop()
    if before is not None:
        logsetup.start({"CHAT_LOG_DIR": str(before)})


def body(stream=False):
    return {"model": "fault-model", "temperature": 0.3, "max_tokens": 20, "stop": ["STOP-TEXT-x"],
            "user": "USER-ID-text", "stream": stream or None,
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": PROMPT}]}


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_line_per_request_with_metrics_and_error_class(logdir, fs):
    fs.reset()
    register(KEY)
    ep = Endpoint("logtest", fs.base_url, api_key=Secret(KEY))
    client = ChatClient(ep, retry=RetryPolicy(max_retries=0))
    fs.script(Reply(200, completion(REPLY)),
              Stream([chat_stream([REPLY, " more"], usage={"prompt_tokens": 9, "completion_tokens": 2,
                                                           "total_tokens": 11})]),
              Reply(500, {"error": {"message": f"server echoed {PROMPT} and {KEY}", "type": "server_error"}}),
              Reply(401, {"error": {"message": "bad key " + KEY, "code": "invalid_api_key"}}))
    ctx = {"page": "playground", "session_id": "sess-1", "label": "LABEL-TEXT"}
    results = [client.run(body(), context=ctx), client.run(body(stream=True), context=ctx),
               client.run(body(), context=ctx), client.run(body(), context=ctx)]
    assert [r.status for r in results] == ["ok", "ok", "error", "error"]
    assert fs.count == 4

    path = logdir / logsetup.REQUEST_FILE
    raw = path.read_text(encoding="utf-8")
    recs = lines(path)
    assert len(recs) == 4
    ok, streamed, err500, err401 = recs
    assert ok["event"] == "request" and ok["status"] == "ok" and ok["error_class"] is None
    assert ok["endpoint"] == "logtest" and ok["host"] == "127.0.0.1" and ok["model"] == "fault-model"
    assert ok["session_id"] == "sess-1" and ok["page"] == "playground"
    assert ok["params"] == {"temperature": 0.3, "max_tokens": 20}
    assert ok["latency_s"] > 0 and ok["prompt_tokens"] == 5 and ok["completion_tokens"] == 3
    assert ok["finish_reasons"] == ["stop"] and ok["ts"].endswith("Z")
    assert streamed["stream"] is True and streamed["ttft_s"] is not None and streamed["completion_tokens"] == 2
    assert err500["status"] == "error" and err500["error_class"] == "InternalServerError"
    assert err401["error_class"] == "AuthenticationError"
    # Nothing anyone wrote or received, and never the key.
    for secret in (KEY, KEY[-10:], PROMPT, REPLY, SYSTEM, "STOP-TEXT", "USER-ID", "LABEL-TEXT", "Bearer"):
        assert secret not in raw, secret


def test_observer_is_registered_as_requestlog(logdir):
    assert logsetup.OBSERVER_NAME == "requestlog"
    assert "requestlog" in observers._observers
    logsetup.stop()
    assert "requestlog" not in observers._observers


def test_start_is_idempotent(logdir):
    assert logsetup.start({"CHAT_LOG_DIR": "/nonexistent/elsewhere"}) == logdir
    handlers = [h for h in logging.getLogger(logsetup.REQUEST_LOGGER).handlers
                if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(handlers) == 1


def test_files_rotate(tmp_path, fs):
    logsetup.stop()
    d = logsetup.start({"CHAT_LOG_DIR": str(tmp_path / "rot"), "CHAT_LOG_MAX_BYTES": "1500",
                        "CHAT_LOG_BACKUPS": "2"})
    try:
        fs.reset()
        client = ChatClient(Endpoint("rot", fs.base_url))
        for _ in range(12):
            client.run(body())
    finally:
        logsetup.stop()
    files = sorted(p.name for p in d.iterdir())
    assert files == ["requests.jsonl", "requests.jsonl.1", "requests.jsonl.2"]
    for name in files:
        assert (d / name).stat().st_size <= 1500
        assert all(r["event"] == "request" for r in lines(d / name))


def test_app_warnings_are_json_and_scrubbed(logdir):
    register(KEY)
    logging.getLogger("paramlab.test").warning("upstream said %s", f"key {KEY} rejected")
    logging.getLogger("paramlab.test").info("info lines stay out of the app log")
    recs = lines(logdir / logsetup.APP_FILE)
    assert len(recs) == 1
    assert recs[0]["level"] == "WARNING" and recs[0]["logger"] == "paramlab.test"
    assert KEY not in recs[0]["msg"] and "rejected" in recs[0]["msg"]


def test_default_log_dir_is_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path / "data"))
    assert logsetup.log_dir() == tmp_path / "data" / "logs"  # the process's settings
    assert logsetup.log_dir({"CHAT_DATA_DIR": str(tmp_path / "d2")}) == tmp_path / "d2" / "logs"
    assert logsetup.log_dir({"CHAT_LOG_DIR": str(tmp_path / "x")}) == tmp_path / "x"


def test_console_handlers_scrub_known_keys(logdir):
    import io
    buf = io.StringIO()
    h = logging.StreamHandler(buf)
    logging.getLogger().addHandler(h)
    try:
        logsetup.scrub_console()
        register(KEY)
        logging.getLogger("elsewhere").warning("failed with %s", KEY)
    finally:
        logging.getLogger().removeHandler(h)
    assert "failed with ***" in buf.getvalue() and KEY not in buf.getvalue()
