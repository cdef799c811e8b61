"""Keeping the rollups (hourly: schema.ROLLUPS, schema.DURATION_ROLLUP; per UTC day: schema.DAY_ROLLUPS,
schema.DURATION_DAY_ROLLUP) equal to the raw rows.

Every insert adds its records to the rollups in the same transaction with INSERT ... ON CONFLICT DO
UPDATE (atomic per key on SQLite and PostgreSQL, so concurrent writers lose no count). The upgrade
and bulk loads build them with INSERT ... SELECT ... GROUP BY instead (`backfill`).

Durations go into log-spaced buckets: below 32 ms one per millisecond, above that 16 per doubling,
so a bucket [lo, lo + width) is at most 1/16 of its value wide and its middle is within 1/32 (~3 %)
of any value in it. Buckets are named by their lower bound in ms, the same in Python and in SQL.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any, Iterable

from sqlalchemy import BigInteger, Table, and_, case, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from paramlab.usage.ledger.schema import (COST_COLUMNS, DAY_ROLLUP_KEYS, DAY_ROLLUPS, DURATION_DAY_ROLLUP,
                                          DURATION_ROLLUP, MEASURES, REQUESTS as R, ROLLUP_KEYS, ROLLUPS)

HOUR_MS = 3_600_000
HOURS_PER_DAY = 24
# Each day rollup is the sum of an hourly one's rows (the same keys) over the UTC day.
DAY_OF: dict[str, str] = {"ledger_rollup_total_day": "ledger_rollup_total",
                          "ledger_rollup_model_day": "ledger_rollup_model"}
EXACT_BELOW_MS = 32  # 2 ** (SUB_BITS + 1): every millisecond its own bucket below this
DURATION_COLUMNS = {"latency": "latency_ms", "ttft": "ttft_ms"}
_MIN_MAX = {"first_ms": "min", "last_ms": "max"}


# -- duration buckets ------------------------------------------------------------------------
def bucket_lo(ms: int) -> int:
    """The lower bound of the bucket holding a duration in ms."""
    ms = int(ms)
    if ms < EXACT_BELOW_MS:
        return ms
    shift = ms.bit_length() - 5
    return (ms >> shift) << shift


def bucket_width(lo: int) -> int:
    return 1 if lo < EXACT_BELOW_MS else 1 << (int(lo).bit_length() - 5)


def bucket_mid(lo: int) -> float:
    """The value reported for a bucket: its middle (exact for 1 ms buckets)."""
    return lo + (bucket_width(lo) - 1) / 2


def bucket_lo_sql(col):
    """bucket_lo as a SQL expression (integer division and CASE: the same on SQLite and PostgreSQL)."""
    branches = [(col < literal(EXACT_BELOW_MS, BigInteger), col)]
    for k in range(1, 40):
        step = literal(1 << k, BigInteger)
        branches.append((col < literal(EXACT_BELOW_MS << k, BigInteger), (col // step) * step))
    return case(*branches, else_=col)


# -- one raw row as rollup measures ----------------------------------------------------------
@functools.lru_cache(maxsize=None)
def measures_sql(r=R.c) -> dict[str, Any]:
    """The measures of a single raw request row as SQL expressions (summed by backfill / edge reads);
    built once per column set (building them costs more than running a month's rollup query)."""
    def n(col):
        return func.coalesce(col, 0)

    def flag(cond):
        return case((cond, 1), else_=0)

    return {
        "requests": literal(1, BigInteger), "prompt_tokens": n(r.prompt_tokens),
        "completion_tokens": n(r.completion_tokens), "total_tokens": n(r.total_tokens),
        "cached_tokens": n(r.cached_tokens), "reasoning_tokens": n(r.reasoning_tokens),
        "estimated": flag(r.estimated), "errors": flag(r.status == "error"),
        "cost": func.coalesce(r.cost, 0.0), "cost_unknown": flag(r.cost.is_(None)),
        "latency_sum": n(r.latency_ms), "latency_n": flag(r.latency_ms.isnot(None)),
        "ttft_sum": n(r.ttft_ms), "ttft_n": flag(r.ttft_ms.isnot(None)),
        "first_ms": r.ts_ms, "last_ms": r.ts_ms,
        "cache_write_tokens": n(r.cache_write_tokens), "audio_input_tokens": n(r.audio_input_tokens),
        "audio_output_tokens": n(r.audio_output_tokens),
        **{c: func.coalesce(r[c], 0.0) for c in COST_COLUMNS},
    }


_NULLABLE_KEYS = ("error_class", "service_tier")  # '' in the rollups: key columns cannot be NULL


def key_sql(name: str, r=R.c):
    return func.coalesce(r[name], "") if name in _NULLABLE_KEYS else r[name]


def _measures(row: dict[str, Any]) -> dict[str, Any]:
    """measures_sql for a row about to be inserted (a dict of REQUESTS columns)."""
    def n(k):
        return int(row.get(k) or 0)

    cost, lat, ttft = row.get("cost"), row.get("latency_ms"), row.get("ttft_ms")
    return {
        "requests": 1, "prompt_tokens": n("prompt_tokens"), "completion_tokens": n("completion_tokens"),
        "total_tokens": n("total_tokens"), "cached_tokens": n("cached_tokens"),
        "reasoning_tokens": n("reasoning_tokens"), "estimated": int(bool(row.get("estimated"))),
        "errors": int(row.get("status") == "error"), "cost": float(cost or 0.0), "cost_unknown": int(cost is None),
        "latency_sum": n("latency_ms"), "latency_n": int(lat is not None),
        "ttft_sum": n("ttft_ms"), "ttft_n": int(ttft is not None),
        "first_ms": int(row["ts_ms"]), "last_ms": int(row["ts_ms"]),
        "cache_write_tokens": n("cache_write_tokens"), "audio_input_tokens": n("audio_input_tokens"),
        "audio_output_tokens": n("audio_output_tokens"),
        **{c: float(row.get(c) or 0.0) for c in COST_COLUMNS},
    }


def _key_value(row: dict[str, Any], name: str) -> str:
    v = row.get(name)
    if v is None:
        v = "ok" if name == "status" else ""  # the table defaults
    return str(v)


def _add(acc: dict[str, Any], m: dict[str, Any]) -> None:
    """Fold one row's measures into a key's running totals (sums; min / max for first_ms / last_ms)."""
    for k, v in m.items():
        if k in acc:
            how = _MIN_MAX.get(k)
            v = min(acc[k], v) if how == "min" else max(acc[k], v) if how == "max" else acc[k] + v
        acc[k] = v


# -- writing ---------------------------------------------------------------------------------
def add_rows(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Add freshly inserted raw rows to every rollup (call inside the inserting transaction)."""
    rows = list(rows)
    per_row = [(int(r["ts_ms"]) // HOUR_MS, _measures(r)) for r in rows]
    levels = (("hour", ROLLUPS, ROLLUP_KEYS, DURATION_ROLLUP, 1),
              ("day", DAY_ROLLUPS, DAY_ROLLUP_KEYS, DURATION_DAY_ROLLUP, HOURS_PER_DAY))
    for period, tables, keyed, durations, div in levels:
        for name, keys in keyed.items():
            acc: dict[tuple, dict[str, Any]] = defaultdict(dict)
            for r, (hour, m) in zip(rows, per_row):
                _add(acc[(hour // div, *(_key_value(r, k) for k in keys))], m)
            _upsert(conn, tables[name], (period, *keys), acc)
        counts: dict[tuple, dict[str, Any]] = defaultdict(dict)
        for r, (hour, _) in zip(rows, per_row):
            for metric, col in DURATION_COLUMNS.items():
                if r.get(col) is not None:
                    _add(counts[(hour // div, metric, bucket_lo(r[col]))], {"n": 1})
        _upsert(conn, durations, (period, "metric", "lo"), counts)


def _upsert(conn: Connection, table: Table, keys: tuple[str, ...], acc: dict[tuple, dict[str, Any]]) -> None:
    if not acc:
        return
    # Keys in one order for every writer, so two PostgreSQL transactions never wait on each other in a cycle.
    params = [dict(zip(keys, k), **v) for k, v in sorted(acc.items())]
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        conn.execute(_upsert_statement(dialect, table, keys), params)
        return
    values = [c for c in table.columns if c.name not in keys]
    for p in params:  # other databases: update, else insert (not safe against concurrent writers)
        where = and_(*[table.c[k] == p[k] for k in keys])
        upd = {}
        for c in values:
            v, how = literal(p[c.name], c.type), _MIN_MAX.get(c.name)
            upd[c.name] = (case((v < c, v), else_=c) if how == "min" else
                           case((v > c, v), else_=c) if how == "max" else c + v)
        if conn.execute(table.update().where(where).values(**upd)).rowcount == 0:
            conn.execute(table.insert().values(**p))


@functools.lru_cache(maxsize=None)
def _upsert_statement(dialect: str, table: Table, keys: tuple[str, ...]):
    """INSERT ... ON CONFLICT (key) DO UPDATE adding the new counts; built once (building costs ~1 ms)."""
    ins = (sqlite_insert if dialect == "sqlite" else pg_insert)(table)
    new = ins.excluded
    set_ = {}
    for c in table.columns:
        if c.name in keys:
            continue
        how = _MIN_MAX.get(c.name)
        set_[c.name] = (case((new[c.name] < c, new[c.name]), else_=c) if how == "min" else
                        case((new[c.name] > c, new[c.name]), else_=c) if how == "max" else c + new[c.name])
    return ins.on_conflict_do_update(index_elements=list(keys), set_=set_)


# -- building from the raw rows --------------------------------------------------------------
def backfill(conn: Connection, since_ms: int | None = None) -> None:
    """Rebuild the rollups from ledger_requests with INSERT ... SELECT ... GROUP BY: all of them, or
    (since_ms, after re-pricing) the token and cost rollups from that hour on."""
    fine_name = "ledger_rollup"
    since_hour = None if since_ms is None else int(since_ms) // HOUR_MS
    for table in (*ROLLUPS.values(), *([DURATION_ROLLUP] if since_hour is None else [])):
        conn.execute(table.delete() if since_hour is None else table.delete().where(table.c.hour >= since_hour))
    hour = (R.c.ts_ms // HOUR_MS).label("hour")
    fine_keys = ROLLUP_KEYS[fine_name]
    keys = [key_sql(k).label(k) for k in fine_keys]
    raw = measures_sql()
    aggs = [_agg(m, raw[m]).label(m) for m in MEASURES]
    q = select(hour, *keys, *aggs).group_by(hour, *keys)
    if since_hour is not None:
        q = q.where(R.c.ts_ms >= since_hour * HOUR_MS)
    conn.execute(ROLLUPS[fine_name].insert().from_select(["hour", *fine_keys, *MEASURES], q))
    fine = ROLLUPS[fine_name].c
    for name, coarse_keys in ROLLUP_KEYS.items():  # the coarser ones from the fine one: fewer rows to read
        if name == fine_name:
            continue
        cols = [fine.hour, *[fine[k] for k in coarse_keys]]
        q = select(*cols, *[_agg(m, fine[m]).label(m) for m in MEASURES]).group_by(*cols)
        if since_hour is not None:
            q = q.where(fine.hour >= since_hour)
        conn.execute(ROLLUPS[name].insert().from_select(["hour", *coarse_keys, *MEASURES], q))
    if since_hour is None:
        for metric, col_name in DURATION_COLUMNS.items():
            col = R.c[col_name]
            lo = bucket_lo_sql(col).label("lo")
            q = (select(hour, literal(metric).label("metric"), lo, func.count().label("n"))
                 .where(col.isnot(None)).group_by(hour, lo))
            conn.execute(DURATION_ROLLUP.insert().from_select(["hour", "metric", "lo", "n"], q))
    build_days(conn, None if since_hour is None else since_hour // HOURS_PER_DAY)


def build_total(conn: Connection) -> None:
    """Rebuild the keyless hourly total from the per-model hourly rollup."""
    total, model = ROLLUPS["ledger_rollup_total"], ROLLUPS["ledger_rollup_model"].c
    conn.execute(total.delete())
    q = select(model.hour, *[_agg(m, model[m]).label(m) for m in MEASURES]).group_by(model.hour)
    conn.execute(total.insert().from_select(["hour", *MEASURES], q))


def build_days(conn: Connection, since_day: int | None = None) -> None:
    """Rebuild the day rollups from the hourly ones: all of them, or (since_day, after re-pricing) the
    token and cost ones from that UTC day on (durations do not change then)."""
    for name, hourly_name in DAY_OF.items():
        day_table, hourly = DAY_ROLLUPS[name], ROLLUPS[hourly_name].c
        keys = DAY_ROLLUP_KEYS[name]
        old = day_table.delete()
        conn.execute(old if since_day is None else old.where(day_table.c.day >= since_day))
        day = (hourly.hour // HOURS_PER_DAY).label("day")
        q = select(day, *[hourly[k] for k in keys], *[_agg(m, hourly[m]).label(m) for m in MEASURES])
        if since_day is not None:
            q = q.where(hourly.hour >= since_day * HOURS_PER_DAY)
        q = q.group_by(day, *[hourly[k] for k in keys])
        conn.execute(day_table.insert().from_select(["day", *keys, *MEASURES], q))
    if since_day is None:
        d, h = DURATION_DAY_ROLLUP, DURATION_ROLLUP.c
        day = (h.hour // HOURS_PER_DAY).label("day")
        conn.execute(d.delete())
        conn.execute(d.insert().from_select(["day", "metric", "lo", "n"], select(day, h.metric, h.lo, func.sum(h.n))
                                            .group_by(day, h.metric, h.lo)))


def _agg(name: str, expr):
    how = _MIN_MAX.get(name)
    return func.min(expr) if how == "min" else func.max(expr) if how == "max" else func.sum(expr)
