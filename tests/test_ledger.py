"""The usage ledger on SQLite and on a real PostgreSQL: records, concurrency, upgrades, failures."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, insert, select, text

from paramlab import observers
from paramlab.ledger import Filters, Ledger, LedgerError, SCHEMA_VERSION
from paramlab.ledger import queries as Q
from paramlab.ledger import schema, store
from paramlab.redaction import Secret
from paramlab.result import ChatResult, Choice, Usage

from ledger_support import db_url  # noqa: F401 - the parametrised fixture

KEY = "sk-ledger-test-7f3a9c1e5b"


class Ep:
    name, base_url, backend, embedded = "Remote", "https://api.example.com:8443/v1", "openai", False


def result(i: int = 0, *, model="gpt-4o", cost=0.001, status="ok", ts=None, latency=0.5, ttft=0.1,
           prompt=100, completion=50, text="reply") -> ChatResult:
    r = ChatResult(status=status, choices=[Choice(0, text, finish_reason="stop" if status == "ok" else None)],
                   usage=Usage(prompt, completion, prompt + completion, 10, 5), model=model, id=f"chatcmpl-{i}",
                   request={"model": model, "temperature": 0.7,
                            "messages": [{"role": "user", "content": f"question {i}"}]})
    r.metrics.started_at = time.time() if ts is None else ts
    r.metrics.latency_s, r.metrics.ttft_s, r.metrics.cost, r.metrics.request_id = latency, ttft, cost, f"req-{i}"
    if status == "error":
        r.error, r.error_class = "rate limited", "RateLimitError"
    return r


def ctx(i=0, label="exp-a", page="playground", session="sess1"):
    return {"page": page, "session_id": session, "label": label}


def test_records_a_real_request_with_every_field_and_never_the_key(db_url, engine_client, engine_endpoint):
    led = Ledger.open(db_url)
    endpoint = replace(engine_endpoint, api_key=Secret(KEY))
    observers.subscribe("ledger-test", led.record)
    try:
        from paramlab.client import ChatClient
        res = ChatClient(endpoint).run(
            {"model": "smollm2", "messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 8,
             "temperature": 0, "stream": True, "stream_options": {"include_usage": True}},
            context=ctx(label="first-try"))
    finally:
        observers.unsubscribe("ledger-test")
    assert led.status is None and led.count() == 1
    with led.engine.connect() as c:
        row = Q.recent(c, Filters())[0]
    full = led.request(row["id"])
    assert full["label"] == "first-try" and full["page"] == "playground" and full["session_id"] == "sess1"
    assert full["endpoint"] == endpoint.name and full["host"] == "127.0.0.1" and full["model"] == "smollm2"
    assert full["status"] == res.status and json.loads(full["finish_reasons"]) == res.finish_reasons
    assert full["prompt_tokens"] == res.usage.prompt_tokens and full["completion_tokens"] == res.usage.completion_tokens
    assert full["latency_ms"] > 0 and full["ttft_ms"] is not None and full["stream"] is True
    assert json.loads(full["params"])["max_tokens"] == 8 and "messages" not in json.loads(full["params"])
    assert json.loads(full["messages"]) == [{"role": "user", "content": "Say hi"}]
    assert json.loads(full["replies"]) == res.texts()
    with led.engine.connect() as c:
        dump = "".join(Q.export_csv(c, Filters()))
    assert KEY not in dump and KEY not in json.dumps(full, default=str)
    assert str(endpoint.base_url) not in dump  # only the host is kept
    led.close()


def test_text_is_not_stored_when_turned_off(db_url):
    led = Ledger.open(db_url, store_text=False)
    assert led.record(Ep(), result(1, text="secret reply"), ctx())
    row = led.request(1)
    assert row["messages"] is None and row["replies"] is None and row["prompt_tokens"] == 100
    with led.engine.connect() as c:
        assert "secret reply" not in "".join(Q.export_csv(c, Filters()))
    led.close()


def test_eight_threads_writing_500_records_each_lose_none(db_url):
    led = Ledger.open(db_url)
    failures = []

    def writer(t):
        for i in range(500):
            if not led.record(Ep(), result(t * 1000 + i), ctx(session=f"t{t}")):
                failures.append(led.status)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    led.flush()
    assert led.pending == 0
    assert led.count() == 4000
    with led.engine.connect() as c:
        per = {r["session_id"]: r["requests"] for r in Q.sessions(c, Filters())}
        texts = c.execute(select(schema.TEXTS.c.request_id)).all()
    assert per == {f"t{t}": 500 for t in range(8)} and len(texts) == 4000
    led.close()


def test_upgrade_from_version_1_keeps_the_data(db_url):
    md1, req1, _, meta1 = schema.build_metadata(1)
    eng = create_engine(db_url)
    with eng.begin() as c:
        md1.create_all(c)
        c.execute(insert(meta1).values(key="schema_version", value="1"))
        c.execute(insert(req1), [{"ts_ms": 1_700_000_000_000 + i, "session_id": "old", "label": "v1", "page": "playground",
                                  "endpoint": "E", "host": "h", "backend": "openai", "model": "gpt-4o",
                                  "prompt_tokens": 10, "completion_tokens": i, "total_tokens": 10 + i, "cost": 0.5,
                                  "status": "ok", "estimated": False} for i in range(3)])
    eng.dispose()
    led = Ledger.open(db_url)
    assert led.upgraded_from == 1
    with led.engine.connect() as c:
        assert schema.read_version(c) == SCHEMA_VERSION
        rows = Q.recent(c, Filters())
        tot = Q.totals(c, Filters())
    assert len(rows) == 3 and tot["completion_tokens"] == 3 and tot["cost"] == pytest.approx(1.5)
    assert led.record(Ep(), result(9), ctx())  # the new columns and text table work after upgrading
    new = led.request(4)
    assert new["cached_tokens"] == 10 and new["reasoning_tokens"] == 5 and json.loads(new["replies"]) == ["reply"]
    led.close()
    assert Ledger.open(db_url).upgraded_from == SCHEMA_VERSION  # opening again changes nothing


def test_a_newer_schema_is_refused_with_a_clear_message(db_url):
    Ledger.open(db_url).close()
    eng = create_engine(db_url)
    with eng.begin() as c:
        c.execute(schema.META.update().values(value="99"))
    eng.dispose()
    with pytest.raises(LedgerError, match="schema version 99"):
        Ledger.open(db_url)


def test_aggregates_match_hand_computed_figures(db_url):
    led = Ledger.open(db_url)
    day0 = 1_767_225_600  # 2026-01-01 00:00 UTC
    rows = [  # (day, hour, model, cost, status, latency_s, label, prompt, completion)
        (0, 1, "gpt-4o", 0.10, "ok", 0.1, "a", 100, 10),
        (0, 2, "gpt-4o", 0.20, "ok", 0.2, "a", 200, 20),
        (0, 2, "mystery", None, "ok", 0.3, "b", 300, 30),
        (1, 5, "gpt-4o-mini", 0.05, "error", 0.4, "b", 400, 40),
        (2, 0, "gpt-4o", 0.30, "ok", 1.0, "a", 500, 50),
    ]
    for i, (d, h, m, cost, st, lat, lab, p, c) in enumerate(rows):
        assert led.record(Ep(), result(i, model=m, cost=cost, status=st, ts=day0 + d * 86400 + h * 3600,
                                       latency=lat, ttft=lat / 2, prompt=p, completion=c),
                          ctx(label=lab, session=f"s-{lab}"))
    f = Filters(day0 * 1000, (day0 + 3 * 86400) * 1000)
    with led.engine.connect() as c:
        tot = Q.totals(c, f)
        assert (tot["requests"], tot["prompt_tokens"], tot["completion_tokens"], tot["priced"], tot["errors"]) == (5, 1500, 150, 4, 1)
        assert tot["cost"] == pytest.approx(0.65)
        days = Q.over_time(c, f, "day")
        assert [(r["start_ms"] // 1000 - day0) // 86400 for r in days] == [0, 1, 2]
        assert [r["prompt_tokens"] for r in days] == [600, 400, 500]
        assert [r["cumulative_cost"] for r in days] == pytest.approx([0.30, 0.35, 0.65])
        hours = Q.over_time(c, f, "hour")
        assert [r["requests"] for r in hours] == [1, 2, 1, 1]
        # UTC-3: 01:00 and 02:00 on Jan 1 fall on Dec 31; Jan 3 00:00 falls on Jan 2 with Jan 2 05:00
        local = Q.over_time(c, f, "day", tz_offset_s=-3 * 3600)
        assert [r["requests"] for r in local] == [3, 2]
        assert local[0]["start_ms"] == (day0 - 86400 + 3 * 3600) * 1000
        models = {r["model"]: r for r in Q.by_model(c, f)}
        assert models["gpt-4o"]["cost"] == pytest.approx(0.6) and models["gpt-4o"]["requests"] == 3
        assert models["mystery"]["cost"] is None and models["mystery"]["unpriced"] == 1
        assert {r["status"]: r["requests"] for r in Q.by_status(c, f)} == {"ok": 4, "RateLimitError": 1}
        assert Q.percentiles(c, f, "latency") == {0.5: 300, 0.95: 1000}
        assert Q.percentiles(c, f, "ttft", (0.5,)) == {0.5: 150}
        hist = Q.histogram(c, f, "latency", upper_ms=500, bins=5)
        assert [(h["from_ms"], h["requests"]) for h in hist] == [(100, 1), (200, 1), (300, 1), (400, 2)]
        assert hist[-1]["overflow"]
        sess = {r["label"]: r for r in Q.sessions(c, f)}
        assert sess["a"]["requests"] == 3 and sess["a"]["cost"] == pytest.approx(0.6) and sess["a"]["models"] == 1
        assert sess["b"]["unpriced"] == 1 and sess["b"]["errors"] == 1
        only_b = Filters(f.start_ms, f.end_ms, labels=["b"], models=["mystery"])
        assert Q.totals(c, only_b)["requests"] == 1
        assert Q.options(c, f)["models"] == ["gpt-4o", "gpt-4o-mini", "mystery"]
        assert [r["model"] for r in Q.recent(c, f, limit=2)] == ["gpt-4o", "gpt-4o-mini"]
        table = list(csv.DictReader(io.StringIO("".join(Q.export_csv(c, f, chunk=2)))))
    assert len(table) == 5 and table[0]["messages"] == '[{"role":"user","content":"question 0"}]'
    assert led.spend_since(day0 + 86400) == pytest.approx(0.35)
    led.close()


# -- failures: SQLite files -----------------------------------------------------------------
def test_a_corrupt_file_gives_a_clear_message(tmp_path):
    bad = tmp_path / "ledger.sqlite"
    bad.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(LedgerError) as e:
        Ledger.open(f"sqlite:///{bad}")
    msg = str(e.value)
    assert "corrupt" in msg and str(bad) in msg and "Requests still work" in msg


def test_an_unopenable_file_gives_a_clear_message(tmp_path):
    folder = tmp_path / "is-a-folder"
    folder.mkdir()
    with pytest.raises(LedgerError, match="cannot be opened"):
        Ledger.open(f"sqlite:///{folder}")


def test_a_locked_database_keeps_records_until_it_is_free(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "SQLITE_BUSY_S", 0.2)
    path = tmp_path / "ledger.sqlite"
    led = Ledger.open(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    assert not led.record(Ep(), result(1), ctx())
    assert "locked" in led.status and led.pending == 1
    other.execute("ROLLBACK")
    other.close()
    assert led.record(Ep(), result(2), ctx())
    assert led.status is None and led.pending == 0 and led.count() == 2
    led.close()


def test_a_bad_url_and_an_unreachable_server_give_clear_messages():
    with pytest.raises(LedgerError, match="CHAT_DATABASE_URL"):
        Ledger.open("not a url at all")
    with pytest.raises(LedgerError, match="cannot be reached") as e:
        Ledger.open("postgresql+psycopg://user:hunter2@127.0.0.1:1/x")
    assert "hunter2" not in str(e.value)
