"""Renaming a session's label moves its requests and its rollup counts, and nothing else."""
import time

from sqlalchemy import select

from paramlab.usage.ledger import Ledger
from paramlab.usage.ledger import queries as Q
from paramlab.usage.ledger import rollups
from paramlab.usage.ledger.relabel import relabel_session
from paramlab.usage.ledger.schema import ROLLUPS


def _rows(n, session, label, now):
    return [dict(ts_ms=now - i * 1_800_000, session_id=session, label=label, page="playground", endpoint="E",
                 host="h", backend="openai", model="m", params="{}", prompt_tokens=10, completion_tokens=5,
                 total_tokens=15, estimated=False, cost=0.5, latency_ms=100 + i, status="ok",
                 finish_reasons='["stop"]') for i in range(n)]


def _snapshot(led):
    with led.engine.connect() as c:
        return {name: sorted(tuple(r) for r in c.execute(select(t))) for name, t in ROLLUPS.items()}


def test_relabel_moves_rows_and_rollups_like_a_rebuild(tmp_path):
    led = Ledger.open(f"sqlite:///{tmp_path / 'l.sqlite'}")
    now = int(time.time() * 1000)
    led.append_many(_rows(5, "s1", "", now) + _rows(3, "s1", "other", now) + _rows(4, "s2", "exp", now))
    assert relabel_session(led.engine, "s1", "", "  my   experiment ") == 5
    with led.engine.connect() as c:
        sessions = {(r["label"], r["session_id"]): r["requests"] for r in Q.sessions(c, Q.Filters())}
        assert sessions == {("my experiment", "s1"): 5, ("other", "s1"): 3, ("exp", "s2"): 4}
        assert Q.options(c, Q.Filters())["labels"] == ["exp", "my experiment", "other"]
        assert Q.totals(c, Q.Filters(labels=("my experiment",)))["requests"] == 5
    incremental = _snapshot(led)
    with led.engine.begin() as c:  # the rollups equal a rebuild from the raw rows
        rollups.backfill(c)
    assert _snapshot(led) == incremental
    assert relabel_session(led.engine, "s1", "my experiment", "exp") == 5  # into a label in use elsewhere
    with led.engine.connect() as c:
        assert Q.totals(c, Q.Filters(labels=("exp",)))["requests"] == 9
    led.close()
