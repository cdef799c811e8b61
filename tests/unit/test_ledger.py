"""The usage ledger on SQLite and on a real PostgreSQL: records, concurrency, upgrades, failures."""
from __future__ import annotations

import csv
import io
import json
import math
import random
import sqlite3
import threading
import time
from collections import Counter
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, insert, select

from paramlab.client import observers
from paramlab.usage.ledger import Filters, Ledger, LedgerError, SCHEMA_VERSION
from paramlab.usage.ledger import queries as Q
from paramlab.usage.ledger import migrations, rollups, schema, store
from paramlab.usage.ledger.rollups import bucket_lo
from paramlab.safety.redaction import Secret
from paramlab.client.result import ChatResult, Choice, Usage

from support.ledger_support import db_url  # noqa: F401 - the parametrised fixture
from support.ledger_support import old_ledger

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
        from paramlab.client.chat import ChatClient
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
    with led.engine.connect() as c:  # the rollup rows every thread upserted at once kept every count
        assert Q.totals(c, Filters())["requests"] == 4000
        assert {r["model"]: r["requests"] for r in Q.by_model(c, Filters())} == {"gpt-4o": 4000}
        assert sum(n for _, n in Q.duration_buckets(c, Filters(), "latency")) == 4000
    led.close()


def test_upgrade_from_version_1_keeps_the_data(db_url):
    eng, _, req1, _ = old_ledger(db_url, 1)
    with eng.begin() as c:
        c.execute(insert(req1), [{"ts_ms": 1_700_000_000_000 + i, "session_id": "old", "label": "v1", "page": "playground",
                                  "endpoint": "E", "host": "h", "backend": "openai", "model": "gpt-4o",
                                  "prompt_tokens": 10, "completion_tokens": i, "total_tokens": 10 + i, "cost": 0.5,
                                  "status": "ok", "estimated": False} for i in range(3)])
    eng.dispose()
    led = Ledger.open(db_url)
    assert led.upgraded_from == 1
    with led.engine.connect() as c:
        assert migrations.read_version(c) == SCHEMA_VERSION
        rows = Q.recent(c, Filters())
        tot = Q.totals(c, Filters())
    assert len(rows) == 3 and tot["completion_tokens"] == 3 and tot["cost"] == pytest.approx(1.5)
    assert led.record(Ep(), result(9), ctx())  # the new columns and text table work after upgrading
    new = led.request(4)
    assert new["cached_tokens"] == 10 and new["reasoning_tokens"] == 5 and json.loads(new["replies"]) == ["reply"]
    led.close()
    assert Ledger.open(db_url).upgraded_from == SCHEMA_VERSION  # opening again changes nothing


def test_upgrade_from_version_2_builds_the_rollups_and_keeps_the_data(db_url):
    eng, md2, req2, texts2 = old_ledger(db_url, 2)
    assert "ledger_rollup" not in md2.tables
    day0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC
    rows = [{"ts_ms": day0 + i * 1_234_567, "session_id": f"s{i % 3}", "label": f"l{i % 2}", "page": "playground",
             "endpoint": "E", "host": "h", "backend": "openai", "model": ["gpt-4o", "mystery"][i % 2],
             "prompt_tokens": 10 + i, "completion_tokens": i, "total_tokens": 10 + 2 * i, "cached_tokens": 1,
             "reasoning_tokens": None, "cost": None if i % 2 else 0.25, "latency_ms": 100 + 37 * i,
             "ttft_ms": None if i % 4 == 0 else 20 + i, "status": "error" if i == 7 else "ok",
             "error_class": "RateLimitError" if i == 7 else None, "estimated": i % 5 == 0} for i in range(40)]
    with eng.begin() as c:
        c.execute(insert(req2), rows)
        c.execute(insert(texts2).values(request_id=1, messages='[{"role":"user","content":"kept"}]', replies='["yes"]'))
    eng.dispose()
    led = Ledger.open(db_url)
    assert led.upgraded_from == 2
    f = Filters(day0 + 1_000_000, day0 + 40 * 1_234_567)  # starts and ends inside an hour
    inside = [r for r in rows if f.start_ms <= r["ts_ms"] < f.end_ms]
    with led.engine.connect() as c:
        assert migrations.read_version(c) == SCHEMA_VERSION == 7
        tot = Q.totals(c, f)
        models = {r["model"]: r for r in Q.by_model(c, f)}
        status = {r["status"]: r["requests"] for r in Q.by_status(c, f)}
        sess = {(r["label"], r["session_id"]): r for r in Q.sessions(c, f)}
        buckets = Q.duration_buckets(c, f, "latency")
        hours = Q.over_time(c, f, "hour")
        all_tot = Q.totals(c, Filters())
    assert (tot["requests"], tot["prompt_tokens"], tot["completion_tokens"], tot["cached_tokens"]) == (
        len(inside), sum(r["prompt_tokens"] for r in inside), sum(r["completion_tokens"] for r in inside), len(inside))
    assert tot["cost"] == pytest.approx(0.25 * sum(r["cost"] is not None for r in inside))
    assert tot["priced"] == sum(r["cost"] is not None for r in inside) and tot["errors"] == 1
    assert tot["ttft_timed"] == sum(r["ttft_ms"] is not None for r in inside) and tot["sessions"] == 3
    assert tot["estimated"] == sum(r["estimated"] for r in inside)
    assert models["mystery"]["cost"] is None and models["mystery"]["unpriced"] == sum(r["model"] == "mystery" for r in inside)
    assert status == {"ok": len(inside) - 1, "RateLimitError": 1}
    assert sum(s["requests"] for s in sess.values()) == len(inside)
    assert len(sess) == 6 and sess[("l0", "s0")]["models"] == 1 and sess[("l0", "s0")]["cost"] == pytest.approx(
        0.25 * sum(r["label"] == "l0" and r["session_id"] == "s0" for r in inside))
    assert sess[("l1", "s0")]["first_ms"] == min(r["ts_ms"] for r in inside if (r["label"], r["session_id"]) == ("l1", "s0"))
    assert sess[("l1", "s0")]["cost"] is None and sess[("l1", "s0")]["unpriced"] > 0
    assert buckets == sorted(Counter(bucket_lo(r["latency_ms"]) for r in inside).items())
    assert sum(h["requests"] for h in hours) == len(inside)
    assert all_tot["requests"] == 40 and all_tot["cost"] == pytest.approx(5.0)
    assert json.loads(led.request(1)["messages"]) == [{"role": "user", "content": "kept"}]
    assert led.record(Ep(), result(99, ts=(day0 + 3_600_000) / 1000), ctx())  # new records go into the rollups
    with led.engine.connect() as c:
        assert Q.totals(c, Filters())["requests"] == 41
    led.close()


def test_rollup_figures_equal_the_raw_rows_for_any_range(db_url):
    """Random records over three days; ranges cut mid-hour read the partial hours from the raw rows,
    whole UTC days inside a range come from the day rollups and the hours around them hourly."""
    led = Ledger.open(db_url, store_text=False)
    rng = random.Random(7)
    t0 = 1_767_225_600_000
    rows = []
    for i in range(600):
        cost = None if rng.random() < 0.2 else round(rng.random(), 4)
        rows.append({"ts_ms": t0 + rng.randrange(3 * 86_400_000), "session_id": f"s{rng.randrange(9)}",
                     "label": rng.choice(["a", "b"]), "page": rng.choice(["playground", "compare"]),
                     "endpoint": rng.choice(["E1", "E2"]), "host": "h", "backend": "openai",
                     "model": rng.choice(["m1", "m2", "m3"]), "prompt_tokens": rng.randrange(500),
                     "completion_tokens": rng.randrange(200), "total_tokens": 0, "cost": cost,
                     "latency_ms": int(rng.lognormvariate(6.5, 0.8)), "ttft_ms": rng.choice([None, rng.randrange(400)]),
                     "status": rng.choice(["ok", "ok", "error"]), "estimated": False})
    for start in range(0, 600, 100):  # several batches, as the ledger appends them
        led.append_many(rows[start:start + 100])
    cases = [Filters(), Filters(t0 + 1_000_123, t0 + 2 * 86_400_000 - 777), Filters(t0 + 60_000, t0 + 120_000),
             Filters(t0 + 5 * 3_600_000, t0 + 9 * 3_600_000, models=["m2"], labels=["a"]),
             Filters(t0 + 61_111, None, pages=["compare"]), Filters(None, t0 + 86_400_000 + 1),
             # whole UTC day 1 from the day rollups, hours 6-23 and 48-54 hourly, the partial hours raw
             Filters(t0 + 5 * 3_600_000 + 17, t0 + 2 * 86_400_000 + 7 * 3_600_000 + 5),
             Filters(t0 + 5 * 3_600_000 + 17, t0 + 2 * 86_400_000 + 7 * 3_600_000 + 5, models=["m1", "m3"]),
             Filters(t0 + 86_400_000, t0 + 3 * 86_400_000, endpoints=["E2"], pages=["playground"])]
    with led.engine.connect() as c:
        for f in cases:
            sel = [r for r in rows if (f.start_ms is None or r["ts_ms"] >= f.start_ms)
                   and (f.end_ms is None or r["ts_ms"] < f.end_ms)
                   and (not f.models or r["model"] in f.models) and (not f.labels or r["label"] in f.labels)
                   and (not f.pages or r["page"] in f.pages) and (not f.endpoints or r["endpoint"] in f.endpoints)]
            tot = Q.totals(c, f)
            assert tot["requests"] == len(sel) and tot["prompt_tokens"] == sum(r["prompt_tokens"] for r in sel)
            assert tot["cost"] == pytest.approx(sum(r["cost"] or 0 for r in sel))
            assert tot["errors"] == sum(r["status"] == "error" for r in sel)
            assert tot["sessions"] == len({r["session_id"] for r in sel})
            per_model = {r["model"]: r["requests"] for r in Q.by_model(c, f)}
            assert per_model == dict(Counter(r["model"] for r in sel))
            assert {r["status"]: r["requests"] for r in Q.by_status(c, f)} == dict(Counter(r["status"] for r in sel))
            assert Q.cost_parts(c, f)["input"] == 0.0  # these rows have no breakdown
            if not f.chosen():
                opts = Q.options(c, f)
                assert opts["models"] == sorted({r["model"] for r in sel}) and opts["labels"] == sorted(
                    {r["label"] for r in sel}) and opts["endpoints"] == sorted({r["endpoint"] for r in sel})
            day = Q.over_time(c, f, "day")
            assert sum(d["requests"] for d in day) == len(sel)
            by_session: dict[tuple, list] = {}
            for r in sel:
                by_session.setdefault((r["label"], r["session_id"]), []).append(r)
            for limit in (3, 7, 200):  # the newest sessions, found by walking back from the newest hour
                want = sorted(by_session, key=lambda k: (-max(r["ts_ms"] for r in by_session[k]), k[1]))[:limit]
                got = Q.sessions(c, f, limit=limit)
                assert [(g["label"], g["session_id"]) for g in got] == want, (f, limit)
                for g in got:
                    mine = by_session[(g["label"], g["session_id"])]
                    assert (g["requests"], g["first_ms"], g["last_ms"], g["prompt_tokens"], g["models"]) == (
                        len(mine), min(r["ts_ms"] for r in mine), max(r["ts_ms"] for r in mine),
                        sum(r["prompt_tokens"] for r in mine), len({r["model"] for r in mine}))
            for which, col in (("latency", "latency_ms"), ("ttft", "ttft_ms")):
                values = sorted(r[col] for r in sel if r[col] is not None)
                assert Q.duration_buckets(c, f, which) == sorted(Counter(bucket_lo(v) for v in values).items())
                got = Q.percentiles(c, f, which, (0.5, 0.95))
                for p in (0.5, 0.95):
                    exact = values[max(0, math.ceil(p * len(values)) - 1)] if values else None
                    if exact is None:
                        assert got[p] is None
                    else:  # accurate to the bucket width: the middle is within 1/32 (and 1 ms) of the value
                        assert abs(got[p] - exact) <= exact / 32 + 1, (f, which, p, got[p], exact)
    led.close()


def test_duration_buckets_are_at_most_a_sixteenth_wide_and_cover_every_value():
    prev_hi = 0
    for lo in sorted({bucket_lo(v) for v in range(0, 200_000)}):
        w = rollups.bucket_width(lo)
        assert lo == prev_hi and (w == 1 or w <= lo / 16)  # contiguous, no gaps or overlaps
        assert bucket_lo(lo) == lo and bucket_lo(lo + w - 1) == lo
        prev_hi = lo + w
    assert bucket_lo(31) == 31 and bucket_lo(33) == 32 and bucket_lo(1000) == 992 and bucket_lo(10**9) <= 10**9


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
        # from log-spaced buckets: the bucket's middle, within 1/32 of the exact nearest-rank value
        lat = Q.percentiles(c, f, "latency")
        assert lat[0.5] == pytest.approx(300, rel=1 / 32) and lat[0.95] == pytest.approx(1000, rel=1 / 32)
        assert Q.percentiles(c, f, "ttft", (0.5,))[0.5] == pytest.approx(150, rel=1 / 32)
        # 100, 200, 300, 400 and 1000 ms, each counted at its bucket's middle: 300 ms is in the bucket
        # 288-303 (middle 295.5), so in the 200-300 bin; 1000 ms is above 500, in the last (overflow) bin
        hist = Q.histogram(c, f, "latency", upper_ms=500, bins=5)
        assert [(h["from_ms"], h["requests"]) for h in hist] == [(100, 1), (200, 2), (400, 2)] and hist[-1]["overflow"]
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
