"""The ledger keeps a reasoning model's thinking text where it keeps message text (ledger_texts,
schema v5): recorded from real recorded replies, shown by `request()`, exported to CSV, never
stored when text recording is off; and a populated v4 ledger upgrades in place (to v5, then v6's
coarser rollups and v7's covering indexes), losing nothing, on SQLite and on PostgreSQL."""
from __future__ import annotations

import csv
import io
import json
import random

import pytest
from sqlalchemy import insert, inspect, select

from paramlab.client import observers
from paramlab.client.chat import ChatClient, Timeouts
from paramlab.client.result import ChatResult, Choice, Usage
from paramlab.client.retry import RetryPolicy
from paramlab.settings import Endpoint
from paramlab.usage.ledger import Filters, Ledger, SCHEMA_VERSION
from paramlab.usage.ledger import migrations, rollups, schema
from paramlab.usage.ledger import queries as Q

from support.fault_server import FaultServer
from support.ledger_support import db_url  # noqa: F401 - the parametrised fixture
from support.ledger_support import copy_to_upgrade, old_file_url, old_ledger
from support.recorded import CORPUS, Encoded, load

T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC
DAY_MS = 86_400_000
EP = Endpoint(name="DeepSeek", base_url="https://api.deepseek.com/v1", backend="openai")
THOUGHT = "Two choices were asked for; the first one thinks in «Unicode» ✓."


def two_choices() -> ChatResult:
    """n=2: the first choice thought, the second did not."""
    r = ChatResult(status="ok", choices=[Choice(0, "Yes.", finish_reason="stop", reasoning=THOUGHT),
                                         Choice(1, "No.", finish_reason="stop")],
                   usage=Usage(6, 40, 46, reasoning_tokens=31), model="deepseek-reasoner",
                   request={"model": "deepseek-reasoner", "n": 2,
                            "messages": [{"role": "user", "content": "Yes or no?"}]})
    r.metrics.started_at = (T0 + 3_600_000) / 1000
    return r


def export(led: Ledger, with_text: bool = True) -> list[dict[str, str]]:
    with led.engine.connect() as c:
        return list(csv.DictReader(io.StringIO("".join(Q.export_csv(c, Filters(), with_text=with_text)))))


@pytest.mark.parametrize("name", ["deepseek__stream-reasoner-reasoning-content", "openrouter__stream-reasoning-details",
                                  "mistral__stream-magistral-thinking-content-parts"])
def test_real_recorded_thinking_is_kept_beside_the_reply(tmp_path, name):
    """A real provider's reply replayed over HTTP and recorded by the ledger's observer: the row's
    thinking is exactly the recording's `expect` reasoning, and so is the export's."""
    rec = load(CORPUS / f"{name}.json")
    led = Ledger.open(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    with FaultServer(default=Encoded.of(rec, seed=3)) as fs:
        client = ChatClient(Endpoint(name=rec["provider"], base_url=fs.base_url),
                            retry=RetryPolicy(max_retries=0), timeouts=Timeouts(connect=5, read=10, total=30))
        observers.subscribe("thinking-test", led.record)
        try:
            res = client.run({**(rec.get("request") or {"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
                              "stream": bool(rec["stream"])})
        finally:
            observers.unsubscribe("thinking-test")
    want = [c.get("reasoning") or "" for c in rec["expect"]["choices"]]
    assert any(want) and [c.reasoning for c in res.choices] == want
    row = led.request(1)
    assert json.loads(row["reasoning"]) == want
    assert json.loads(row["replies"]) == [c["text"] for c in rec["expect"]["choices"]]
    (exported,) = export(led)
    assert json.loads(exported["reasoning"]) == want
    led.close()


def test_each_choice_keeps_its_own_thinking_and_a_reply_without_any_stores_none(db_url):
    led = Ledger.open(db_url)
    assert led.record(EP, two_choices(), {"page": "compare"})
    plain = two_choices()
    plain.choices = [Choice(0, "Plain.", finish_reason="stop")]
    assert led.record(EP, plain, {"page": "playground"})
    first, second = led.request(1), led.request(2)
    assert json.loads(first["reasoning"]) == [THOUGHT, ""] and json.loads(first["replies"]) == ["Yes.", "No."]
    assert second["reasoning"] is None and json.loads(second["replies"]) == ["Plain."]
    rows = export(led)
    assert json.loads(rows[0]["reasoning"]) == [THOUGHT, ""] and rows[1]["reasoning"] == ""
    assert "reasoning" not in export(led, with_text=False)[0]
    led.close()


def test_thinking_is_not_stored_when_text_recording_is_off(db_url):
    led = Ledger.open(db_url, store_text=False)
    assert led.record(EP, two_choices(), {})
    row = led.request(1)
    assert row["reasoning"] is None and row["replies"] is None and row["reasoning_tokens"] == 31
    with led.engine.connect() as c:
        assert c.execute(select(schema.TEXTS)).all() == []
    assert THOUGHT not in json.dumps(export(led), ensure_ascii=False)
    led.close()


def _v4_rows(rng: random.Random) -> list[dict]:
    return [{"ts_ms": T0 + rng.randrange(20 * DAY_MS), "session_id": f"s{i % 5}", "label": f"exp-{i % 3}",
             "page": rng.choice(["playground", "compare"]), "endpoint": "E", "host": "api.example.com",
             "backend": "openai", "model": rng.choice(["gpt-4o", "o4-mini", "mystery"]),
             "params": '{"temperature":0.7}', "n": 1, "stream": True, "prompt_tokens": rng.randrange(2000),
             "completion_tokens": rng.randrange(500), "total_tokens": 0, "cached_tokens": rng.choice([None, 64]),
             "reasoning_tokens": rng.choice([None, 0, 120]), "estimated": False,
             "cost": rng.choice([None, 0.001, 0.02]), "ttft_ms": rng.randrange(900),
             "latency_ms": rng.randrange(100, 5000), "status": "ok", "error_class": None, "error": None,
             "finish_reasons": '["stop"]', "request_id": f"req-{i}", "response_id": f"chatcmpl-{i}",
             "service_tier": rng.choice([None, "default", "flex"]), "cache_write_tokens": rng.choice([None, 5]),
             "audio_input_tokens": None, "audio_output_tokens": None, "accepted_prediction_tokens": None,
             "rejected_prediction_tokens": None, "cost_input": rng.choice([None, 0.0004]), "cost_cached_input": None,
             "cost_cache_write": None, "cost_output": rng.choice([None, 0.0006]), "cost_reasoning": None,
             "cost_audio": None, "price_model": rng.choice([None, "gpt-4o"]), "price_from": None,
             "price_tier": rng.choice([None, "standard"])} for i in range(300)]


def _dump(conn, tables) -> dict[str, list[dict]]:
    """Every row of the given tables, in key order."""
    out = {}
    for t in tables:
        keys = list(t.primary_key.columns)
        out[t.name] = [dict(r) for r in conn.execute(select(t).order_by(*keys)).mappings()]
    return out


def _rounded(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {n: [{k: round(v, 12) if isinstance(v, float) else v for k, v in r.items()} for r in rows]
            for n, rows in tables.items()}


def test_upgrade_from_v4_on_a_copy_of_a_populated_ledger_loses_nothing(db_url, tmp_path):
    rows = _v4_rows(random.Random(4))
    src_url = old_file_url(db_url, tmp_path, "v4.sqlite")
    # a v4 ledger filled the way v4 filled it (its rows and its hourly rollups): written by today's
    # writer, then the rollups v4 did not have dropped
    eng, md4, req4, texts4 = old_ledger(src_url, 4)
    assert "reasoning" not in texts4.c and "reasoning" in schema.TEXTS.c
    newer = [t for n, t in schema.METADATA.tables.items() if n.startswith("ledger_rollup") and n not in md4.tables]
    v4 = Ledger(eng, src_url)
    with v4.engine.begin() as c:
        for t in newer:
            t.create(c)
    v4.append_many(rows)
    with v4.engine.begin() as c:
        with_totals = Q.totals(c, Filters())
        for t in newer:
            t.drop(c)
        c.execute(insert(texts4), [{"request_id": i, "messages": f'[{{"role":"user","content":"q{i} ✓"}}]',
                                    "replies": f'["a{i}"]'} for i in range(1, 301)])
        rollup_tables = [t for n, t in md4.tables.items() if n.startswith("ledger_rollup")]
        before = _dump(c, [req4, texts4, *rollup_tables])
    v4.engine.dispose()
    db_url = copy_to_upgrade(db_url, tmp_path, "v4.sqlite")

    led = Ledger.open(db_url)
    assert led.upgraded_from == 4
    with led.engine.connect() as c:
        assert migrations.read_version(c) == SCHEMA_VERSION == 7
        assert "reasoning" in {col["name"] for col in inspect(c).get_columns("ledger_texts")}
        indexes = {ix["name"]: ix["column_names"] for ix in inspect(c).get_indexes("ledger_requests")}
        assert "ix_ledger_model_ts" not in indexes and "ix_ledger_label_ts" not in indexes  # v7: covering instead
        for key in ("model", "label"):
            assert indexes[f"ix_ledger_{key}_ts_dur"] == [key, "ts_ms", "latency_ms", "ttft_ms"]
        fine = {ix["name"]: ix["column_names"] for ix in inspect(c).get_indexes("ledger_rollup")}
        assert fine["ix_ledger_rollup_label"] == ["label", "hour"] and fine["ix_ledger_rollup_model"] == ["model", "hour"]
        if c.dialect.name == "sqlite":  # a model-filtered percentile reads the index only
            plan = " ".join(str(r) for r in c.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT latency_ms FROM ledger_requests WHERE model = 'gpt-4o' "
                "AND ts_ms >= 0 AND latency_ms IS NOT NULL"))
            assert "COVERING INDEX ix_ledger_model_ts_dur" in plan
        after = _dump(c, [req4, texts4, *rollup_tables])
        texts_now = _dump(c, [schema.TEXTS])["ledger_texts"]
        assert Q.totals(c, Filters()) == pytest.approx(with_totals, rel=1e-12)  # float sums: order may differ
    assert after == before  # every old value of every old column, rollups included
    assert len(texts_now) == 300 and all(t["reasoning"] is None for t in texts_now)  # not kept then: NULL
    assert led.request(300)["replies"] == '["a300"]' and led.request(300)["reasoning"] is None

    coarse = [schema.ROLLUPS["ledger_rollup_total"], *schema.DAY_ROLLUPS.values(), schema.DURATION_DAY_ROLLUP]
    with led.engine.begin() as c:  # v6's coarser rollups, summed from the hourly ones, equal a rebuild from raw rows
        built = _dump(c, coarse)
        assert sum(len(rows) for rows in built.values()) > 0
        rollups.backfill(c)
        assert _rounded(_dump(c, coarse)) == _rounded(built)
    assert led.record(EP, two_choices(), {"page": "playground"})  # a new request keeps its thinking
    new = led.request(301)
    assert json.loads(new["reasoning"]) == [THOUGHT, ""] and new["reasoning_tokens"] == 31
    with led.engine.connect() as c:
        assert Q.totals(c, Filters())["requests"] == 301
    led.close()
    again = Ledger.open(db_url)
    assert again.upgraded_from == SCHEMA_VERSION and json.loads(again.request(301)["reasoning"])[0] == THOUGHT
    again.close()


def test_a_ledger_from_v1_gains_the_thinking_column_once(db_url):
    """Step 1 -> 2 creates ledger_texts in today's shape; step 4 -> 5 then finds the column there."""
    eng, _, req1, _ = old_ledger(db_url, 1)
    with eng.begin() as c:
        c.execute(insert(req1), [{"ts_ms": T0, "session_id": "old", "label": "", "page": "playground", "endpoint": "E",
                                  "host": "h", "backend": "openai", "model": "gpt-4o", "cost": 0.5, "status": "ok",
                                  "estimated": False}])
    eng.dispose()
    led = Ledger.open(db_url)
    assert led.upgraded_from == 1
    assert led.record(EP, two_choices(), {})
    assert json.loads(led.request(2)["reasoning"]) == [THOUGHT, ""] and led.request(1)["reasoning"] is None
    led.close()
