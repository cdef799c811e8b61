"""The API key goes into the Authorization header and nowhere else: not replaced by ~/.netrc,
not in session_state dumps, saved sessions, exports, the ledger, the logs or error messages.

A recognisable fake key is configured the way users do it (CHAT_APIKEY); a fault server plays
the API, including servers that echo the key back in errors. Then every file ParamLab wrote
is searched for it.
"""
from __future__ import annotations

import copy
import os
import pickle
from pathlib import Path

import pytest
import requests
from support.app import ROOT
from support.fault_server import Reply, Stream, chat_stream, completion
from streamlit.testing.v1 import AppTest

from paramlab.usage import logs as logsetup
from paramlab import settings
from paramlab.request import sessions
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint, load_settings
from paramlab.safety.redaction import Secret
from paramlab.client.retry import RetryPolicy

KEY = "sk-LEAKCANARY-7f3a9c2e1b5d4e6f8a0b"
KEY_TAIL = KEY[-14:]  # a leak of part of the key counts too
PROMPT = "Tell me about canaries in coal mines"
BODY = {"model": "fault-model", "messages": [{"role": "user", "content": "hi"}]}
USAGE = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}


def answer(h) -> None:
    """Stream when asked to, else one JSON completion."""
    body = h.server.owner.requests[-1].json()
    if body.get("stream"):
        Stream([chat_stream(["Canaries", " warned", " miners", "."], usage=USAGE)])(h)
    else:
        Reply(200, completion("Canaries warned miners."))(h)


FAULT_DEFAULT = answer  # the shared `fs` fixture (tests/conftest.py) answers with this


def assert_clean(blob: bytes | str, where: str) -> None:
    data = blob if isinstance(blob, bytes) else blob.encode("utf-8", "replace")
    assert KEY.encode() not in data and KEY_TAIL.encode() not in data, f"the key leaked into {where}"


# -- ~/.netrc -------------------------------------------------------------------------------
def test_netrc_never_replaces_the_configured_key(tmp_path, monkeypatch, fs):
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text("machine 127.0.0.1 login netrc-user password netrc-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NETRC", raising=False)

    # Control: a plain requests call in this environment does pick the .netrc up.
    requests.post(fs.base_url + "/chat/completions", json=BODY, timeout=10).close()
    assert fs.requests[-1].headers["Authorization"].startswith("Basic ")

    res = ChatClient(Endpoint("t", fs.base_url, api_key=Secret(KEY))).run(BODY)
    assert res.status == "ok"
    assert fs.requests[-1].headers["Authorization"] == f"Bearer {KEY}"
    # No key configured: no Authorization at all, never the .netrc password.
    ChatClient(Endpoint("t", fs.base_url)).run({**BODY, "stream": True})
    assert "Authorization" not in fs.requests[-1].headers


# -- objects that end up in st.session_state ------------------------------------------------
def test_endpoint_and_secret_never_show_the_key():
    ep = Endpoint("t", "https://api.example.com/v1", api_key=Secret(KEY))
    for text in (repr(ep), str(ep), repr(ep.api_key), f"{ep.api_key}", str(ep.public())):
        assert_clean(text, "a repr")
    assert_clean(pickle.dumps(ep), "a pickled Endpoint")
    assert_clean(pickle.dumps({"pl.endpoint_obj": ep, "nested": [ep.api_key]}), "a pickled session_state")
    assert not copy.deepcopy(ep.api_key)  # copies carry no key either
    assert ep.api_key.reveal() == KEY  # ...while the original still works


# -- a whole session through the app, then every file searched -----------------------------
def files_under(*folders: Path) -> list[Path]:
    out: set[Path] = set()
    for folder in folders:
        if folder and folder.is_dir():
            out |= {p for p in folder.rglob("*") if p.is_file()}
    return sorted(out)


def test_key_absent_from_every_file_after_a_session(tmp_path, monkeypatch, fs):
    from components.common import services  # imported here: streamlit caches belong to the app run

    monkeypatch.setenv("CHAT_BASE_URL", fs.base_url)
    monkeypatch.setenv("CHAT_APIKEY", KEY)
    monkeypatch.setenv("CHAT_MODEL", "fault-model")
    monkeypatch.setenv("CHAT_LOG_DIR", str(tmp_path / "logs"))
    assert load_settings().endpoints[0].api_key.reveal() == KEY  # the key really is configured

    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60)
    at.run()
    assert not at.exception
    log_dir = logsetup.start()  # already started by the app unless a test stopped it
    ledger = services.ledger()
    assert ledger is not None, services.ledger_status()
    before = ledger.count()

    def send(text: str) -> str:
        """Send from the Playground; returns the text the page shows, checked for the key."""
        at.text_area(key="w.prompt").set_value(text)
        at.button(key="send").click().run()
        assert not at.exception, at.exception
        shown = " ".join(str(getattr(e, "value", "")) for e in at.main)
        shown += " ".join(str(e.value) for e in [*at.error, *at.markdown, *at.caption, *at.warning, *at.info])
        assert_clean(shown, f"the page after {text!r}")
        return shown

    # 1. a normal streamed exchange
    send(PROMPT)
    assert fs.requests[-1].headers["Authorization"] == f"Bearer {KEY}"
    msgs = at.session_state["pl.messages"]
    assert msgs[-1]["role"] == "assistant" and msgs[-1]["content"] == "Canaries warned miners."
    # 2. a server that echoes the key in its 401 error (some proxies do)
    fs.script(Reply(401, {"error": {"message": f"Incorrect API key provided: {KEY}. Check it.",
                                    "type": "invalid_request_error", "code": "invalid_api_key"}}))
    assert "Incorrect API key provided" in send("second question")
    # 3. a mid-stream error that quotes the key
    fs.script(Stream([chat_stream(["Partial"], finish=None, done=False)
                      + b'data: {"error": {"message": "upstream rejected ' + KEY.encode() + b'"}}\n\n']))
    assert "upstream rejected" in send("third question")
    # 4. a server that reflects the key in the reply itself
    fs.script(Stream([chat_stream(["Your header said ", f"Bearer {KEY}", " ok"], usage=USAGE)]))
    assert "Your header said" in send("fourth question")
    assert len(fs.requests) == 4

    # session_state dump: every value, pickled and printed
    state = {k: at.session_state[k] for k in at.session_state.keys()}
    assert_clean(pickle.dumps(state), "a pickled st.session_state")
    assert_clean(repr(state), "st.session_state's repr")

    # the app's "Save to my sessions", and a save by a caller that forgot to pass the key
    at.text_input(key="w.session.name").set_value("leak-test-ui")
    at.button(key="session.save").click().run()
    assert not at.exception
    last = at.session_state["pl.run"].chat_results() if "pl.run" in at.session_state else []
    saved = sessions.save(sessions.Session(system=state["pl.system"], messages=state["pl.messages"],
                                           params=state["pl.params"], endpoint=state["pl.endpoint"],
                                           model=state["pl.model"], last_results=last), "leak-test")
    assert PROMPT in saved.read_text()
    assert_clean(sessions.to_json(sessions.load(saved)[0]), "a re-exported session")

    # the ledger: exactly our four requests, and its CSV export
    ledger.flush()
    assert ledger.count() - before == 4
    from paramlab.usage.ledger import Filters, queries
    with ledger.engine.connect() as conn:
        csv_text = "".join(queries.export_csv(conn, Filters(), with_text=True))
    assert PROMPT in csv_text and "upstream rejected" in csv_text
    assert_clean(csv_text, "the ledger CSV export")
    (settings.data_dir() / "exports").mkdir(exist_ok=True)
    (settings.data_dir() / "exports" / "ledger.csv").write_text(csv_text)

    # the request log has our four lines
    req_log = (log_dir / logsetup.REQUEST_FILE).read_text()
    assert req_log.count('"endpoint":"Environment"') >= 4

    # every file ParamLab wrote: data dir (sessions, presets, ledger + WAL), logs, the ledger file
    ledger_dir = Path(ledger.engine.url.database).parent if ledger.dialect == "sqlite" else None
    files = files_under(settings.data_dir(), log_dir, ledger_dir)
    names = {p.name for p in files}
    assert {"leak-test.json", "leak-test-ui.json", logsetup.REQUEST_FILE}.issubset(names)
    if ledger.dialect == "sqlite":
        assert any(n.startswith("ledger.sqlite") for n in names)
    for p in files:
        assert_clean(p.read_bytes(), str(p))


def test_client_errors_and_results_are_clean(fs):
    """The client path without the app: errors echoing the key, and everything a result holds."""
    client = ChatClient(Endpoint("t", fs.base_url, api_key=Secret(KEY)), retry=RetryPolicy(max_retries=1),
                        sleep=lambda s: None)
    fs.script(Reply(500, f"<html><body>proxy error for Bearer {KEY}</body></html>", content_type="text/html"),
              Reply(403, {"error": f"key {KEY} is not allowed"}))
    res = client.run(BODY)
    assert res.status == "error" and res.error_class == "PermissionDeniedError"
    assert_clean(res.error, "the error message")
    assert_clean(pickle.dumps(res), "a pickled result")
    assert_clean(repr(res.to_dict()), "the result dict")
    assert res.request_headers["Authorization"] != f"Bearer {KEY}"
    with pytest.raises(Exception) as e:
        client.complete(BODY) if fs.script(Reply(401, {"error": {"message": KEY}})) else None
    assert_clean(str(e.value), "a raised ChatError")
    assert os.environ.get("CHAT_APIKEY") in (None, "", KEY)
