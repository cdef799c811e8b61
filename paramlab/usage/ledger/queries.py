"""The Usage page's questions, answered by the database: only small results come back.

Aggregates read the rollups (rollups.py), so a 30-day view costs about the same with ten
thousand or a million requests in it. A query reads the smallest rollup that holds every column
it filters or groups on: figures not drawn per hour read a range's whole UTC days from the day
rollups and its other whole hours from the hourly ones; a range that starts or ends inside an hour
reads the raw rows of those partial hours, so every figure is exact. Latency / TTFT percentiles
and distributions come from log-spaced buckets and are accurate to the bucket's width (≤ 1/16 of
the value; the reported middle is within ~3 %). Lists (recent requests, export) read the raw rows;
the sessions table finds its newest sessions by walking the hours back from the newest.

Every function takes a Connection and a Filters; times are unix milliseconds.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Iterator, Sequence

from sqlalchemy import BigInteger, and_, case, cast, false, func, literal, select, true, union_all
from sqlalchemy.engine import Connection

from paramlab.usage.ledger.rollups import (DURATION_COLUMNS, HOUR_MS, HOURS_PER_DAY, bucket_lo_sql, bucket_mid, key_sql,
                                           measures_sql)
from paramlab.usage.ledger.schema import (COST_COLUMNS, DAY_ROLLUP_KEYS, DAY_ROLLUPS, DURATION_DAY_ROLLUP,
                                          DURATION_ROLLUP, MEASURES, REQUESTS as R, ROLLUP_KEYS, ROLLUPS, TEXTS as T)

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Filters:
    start_ms: int | None = None
    end_ms: int | None = None  # exclusive
    endpoints: Sequence[str] = ()
    models: Sequence[str] = ()
    labels: Sequence[str] = ()
    pages: Sequence[str] = ()
    sessions: Sequence[str] = ()

    def chosen(self) -> dict[str, list[str]]:
        """Column name -> the values picked, for the columns that are filtered on."""
        pairs = (("endpoint", self.endpoints), ("model", self.models), ("label", self.labels),
                 ("page", self.pages), ("session_id", self.sessions))
        return {name: list(values) for name, values in pairs if values}

    def match(self, c) -> list:
        return [c[name].in_(values) for name, values in self.chosen().items()]

    def where(self):
        """The conditions on the raw rows (ledger_requests)."""
        conds = self.match(R.c)
        if self.start_ms is not None:
            conds.append(R.c.ts_ms >= int(self.start_ms))
        if self.end_ms is not None:
            conds.append(R.c.ts_ms < int(self.end_ms))
        return and_(*conds) if conds else true()


def _rows(conn: Connection, q) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(q).mappings()]


# -- where the figures come from ---------------------------------------------------------------
def _split(f: Filters) -> tuple[tuple[int | None, int | None] | None, list[tuple[int, int]]]:
    """(whole hours [first, end) read from a rollup or None, [start, end) ms ranges read from raw rows)."""
    s = None if f.start_ms is None else int(f.start_ms)
    e = None if f.end_ms is None else int(f.end_ms)
    return _whole_units(s, e, HOUR_MS)


def _days(whole: tuple[int | None, int | None]) -> tuple[tuple[int | None, int | None] | None, list[tuple]]:
    """Whole hours [first, end) as (whole UTC days [first, end) or None, the hour ranges left around them)."""
    return _whole_units(*whole, HOURS_PER_DAY)


def _whole_units(lo: int | None, hi: int | None, unit: int) -> tuple[tuple[int | None, int | None] | None, list[tuple]]:
    """[lo, hi) on a fine scale (None: open) as (the whole coarse units [first, end) inside it, or None
    when there is none, and the fine ranges left around them). unit = fine steps per coarse unit."""
    first = None if lo is None else -(-lo // unit)
    last = None if hi is None else hi // unit
    if first is not None and last is not None and first >= last:  # no whole unit inside
        return None, [(lo, hi)] if lo < hi else []
    edges = []
    if lo is not None and lo < first * unit:
        edges.append((lo, first * unit))
    if hi is not None and last * unit < hi:
        edges.append((last * unit, hi))
    return (first, last), edges


def _hour_range(col, whole: tuple[int | None, int | None]) -> list:
    conds = []
    if whole[0] is not None:
        conds.append(col >= whole[0])
    if whole[1] is not None:
        conds.append(col < whole[1])
    return conds


def _source(f: Filters, names: Sequence[str], per_hour: bool = True, measures: Sequence[str] = MEASURES):
    """Rollup-shaped rows (hour, *names, *measures) covering f, from the smallest rollups that can answer
    (name only the measures read: each column costs Python time to build, whatever the data).
    per_hour=False: the caller does not group by hour, so whole UTC days may come from a day rollup (their
    `hour` is the day's first hour); the range's other whole hours from an hourly one, partial hours raw."""
    need = set(names) | set(f.chosen())
    table = next(ROLLUPS[t] for t, keys in ROLLUP_KEYS.items() if need <= set(keys))
    whole, edges = _split(f)
    hours = [] if whole is None else [whole]
    parts = []
    day_name = None if per_hour else next((t for t, keys in DAY_ROLLUP_KEYS.items() if need <= set(keys)), None)
    if whole is not None and day_name is not None:
        days, hours = _days(whole)
        if days is not None:
            d = DAY_ROLLUPS[day_name].c
            parts.append(select((d.day * HOURS_PER_DAY).label("hour"), *[d[n] for n in names],
                                *[d[m] for m in measures]).where(and_(true(), *f.match(d), *_hour_range(d.day, days))))
    for span in hours:
        c = table.c
        parts.append(select(c.hour, *[c[n] for n in names], *[c[m] for m in measures])
                     .where(and_(true(), *f.match(c), *_hour_range(c.hour, span))))
    for lo, hi in edges:
        parts.append(select((R.c.ts_ms // HOUR_MS).label("hour"), *[key_sql(n).label(n) for n in names],
                            *[measures_sql()[m].label(m) for m in measures])
                     .where(and_(R.c.ts_ms >= lo, R.c.ts_ms < hi, *f.match(R.c))))
    if not parts:  # an empty range
        c = table.c
        parts.append(select(c.hour, *[c[n] for n in names], *[c[m] for m in measures]).where(false()))
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()


def _isum(col):
    return cast(func.coalesce(func.sum(col), 0), BigInteger)  # PostgreSQL sums bigints as numeric


def _cost(src):
    """Known costs summed; NULL (unknown) when no request in the group has a price."""
    return case((func.sum(src.c.cost_unknown) == func.sum(src.c.requests), None),
                else_=func.sum(src.c.cost)).label("cost")


# -- the page's figures ----------------------------------------------------------------------
def options(conn: Connection, f: Filters) -> dict[str, list[str]]:
    """Endpoints, models, labels and pages seen in the date range (for the filter pickers)."""
    dated = Filters(f.start_ms, f.end_ms)
    out: dict[str, list[str]] = {}
    for names in (("endpoint", "model", "page"), ("label",)):
        src = _source(dated, names, per_hour=False, measures=())
        cols = [src.c[n] for n in names]
        got = conn.execute(select(*cols).group_by(*cols)).all()
        for i, n in enumerate(names):
            out[n + "s"] = sorted({row[i] for row in got})
    return {k: out[k] for k in ("endpoints", "models", "labels", "pages")}


def totals(conn: Connection, f: Filters) -> dict[str, Any]:
    src = _source(f, [], per_hour=False)
    c = src.c
    q = select(
        _isum(c.requests).label("requests"),
        _isum(c.prompt_tokens).label("prompt_tokens"),
        _isum(c.completion_tokens).label("completion_tokens"),
        _isum(c.cached_tokens).label("cached_tokens"),
        _isum(c.reasoning_tokens).label("reasoning_tokens"),
        func.coalesce(func.sum(c.cost), 0.0).label("cost"),
        (_isum(c.requests) - _isum(c.cost_unknown)).label("priced"),
        _isum(c.estimated).label("estimated"),
        _isum(c.errors).label("errors"),
        _isum(c.latency_n).label("timed"),
        _isum(c.ttft_n).label("ttft_timed"),
        _isum(c.cache_write_tokens).label("cache_write_tokens"),
        _isum(c.audio_input_tokens).label("audio_input_tokens"),
        _isum(c.audio_output_tokens).label("audio_output_tokens"),
        *[func.coalesce(func.sum(c[k]), 0.0).label(k) for k in COST_COLUMNS],  # the cost per part, same scan
    )
    d = dict(conn.execute(q).mappings().one())
    ses = _source(f, ["session_id"], per_hour=False, measures=())
    d["sessions"] = conn.execute(select(func.count(func.distinct(ses.c.session_id)))).scalar_one()
    return {k: (v or 0) for k, v in d.items()}


def cost_since(conn: Connection, since_ms: int) -> float:
    """Dollars spent since a unix time in ms (requests with a known cost)."""
    src = _source(Filters(start_ms=since_ms), [], per_hour=False, measures=("cost",))
    return float(conn.execute(select(func.coalesce(func.sum(src.c.cost), 0.0))).scalar_one() or 0.0)


def over_time(conn: Connection, f: Filters, bucket: str = "day", tz_offset_s: int = 0) -> list[dict[str, Any]]:
    """Tokens, requests and cost per hour or day (local time via tz_offset_s), with cumulative cost.
    Each UTC hour falls wholly in one bucket: with a :30 or :45 offset a day starts at the hour
    holding local midnight."""
    width = HOUR_MS if bucket == "hour" else DAY_MS
    off = int(tz_offset_s) * 1000
    src = _source(f, [], measures=("requests", "prompt_tokens", "completion_tokens", "cost"))
    b = ((src.c.hour * HOUR_MS + off) // width).label("b")
    inner = (select(b, _isum(src.c.requests).label("requests"),
                    _isum(src.c.prompt_tokens).label("prompt_tokens"),
                    _isum(src.c.completion_tokens).label("completion_tokens"),
                    func.coalesce(func.sum(src.c.cost), 0.0).label("cost"))
             .group_by(b).subquery())
    q = select(inner, func.sum(inner.c.cost).over(order_by=inner.c.b).label("cumulative_cost")).order_by(inner.c.b)
    out = _rows(conn, q)
    for r in out:  # bucket number back to a UTC instant that displays as local midnight / hour
        r["start_ms"] = int(r.pop("b")) * width - off
    return out


def by_model(conn: Connection, f: Filters) -> list[dict[str, Any]]:
    src = _source(f, ["model"], per_hour=False, measures=("requests", "total_tokens", "cost", "cost_unknown"))
    c = src.c
    q = (select(c.model, _isum(c.requests).label("requests"), _isum(c.total_tokens).label("tokens"),
                _cost(src), _isum(c.cost_unknown).label("unpriced"))
         .group_by(c.model).order_by(func.sum(c.cost).desc(), c.model))
    return _rows(conn, q)


def by_status(conn: Connection, f: Filters) -> list[dict[str, Any]]:
    src = _source(f, ["status", "error_class"], per_hour=False, measures=("requests",))
    c = src.c
    status = case((c.status == "error", case((c.error_class == "", "error"), else_=c.error_class)),
                  else_=c.status).label("status")
    q = select(status, _isum(c.requests).label("requests")).group_by(status).order_by(status)
    return _rows(conn, q)


def _newest_sessions(conn: Connection, f: Filters, limit: int) -> list[str]:
    """The browser sessions among which the `limit` most recently active (label, session) pairs are:
    walking the rollup's hours from the newest back, every session seen before the hour in which the
    limit was reached has been active later than any session not yet seen. A month of sessions costs
    a few hours of rows, not a month's."""
    src = _source(f, ["label", "session_id"], measures=())
    q = select(src.c.hour, src.c.label, src.c.session_id).order_by(src.c.hour.desc())
    seen: set[tuple[str, str]] = set()
    full_at = None
    with conn.execution_options(stream_results=True, yield_per=1000).execute(q) as rows:
        for hour, label, session_id in rows:
            if full_at is not None and hour < full_at:
                break
            seen.add((label, session_id))
            if full_at is None and len(seen) >= limit:
                full_at = hour  # finish this hour, then stop
    return sorted({sid for _, sid in seen})


def sessions(conn: Connection, f: Filters, limit: int = 200) -> list[dict[str, Any]]:
    """Totals per (label, browser session), newest first (by the last request in the range)."""
    newest = _newest_sessions(conn, f, limit)
    if not newest:
        return []
    src = _source(replace(f, sessions=tuple(newest)), ["label", "session_id"], per_hour=False,
                  measures=("first_ms", "last_ms", "requests", "prompt_tokens", "completion_tokens", "cost",
                            "cost_unknown", "errors"))
    c = src.c
    q = (select(c.label, c.session_id, func.min(c.first_ms).label("first_ms"), func.max(c.last_ms).label("last_ms"),
                _isum(c.requests).label("requests"), _isum(c.prompt_tokens).label("prompt_tokens"),
                _isum(c.completion_tokens).label("completion_tokens"), _cost(src),
                _isum(c.cost_unknown).label("unpriced"), _isum(c.errors).label("errors"))
         .group_by(c.label, c.session_id).order_by(func.max(c.last_ms).desc(), c.session_id).limit(limit))
    rows = _rows(conn, q)
    if rows:  # distinct models for just these sessions (the finest rollup has an index on session_id)
        ms = _source(replace(f, sessions=tuple(sorted({r["session_id"] for r in rows}))),
                     ["label", "session_id", "model"], per_hour=False, measures=())
        counts = {(lab, sid): n for lab, sid, n in conn.execute(
            select(ms.c.label, ms.c.session_id, func.count(func.distinct(ms.c.model)))
            .group_by(ms.c.label, ms.c.session_id))}
        for r in rows:
            r["models"] = counts.get((r["label"], r["session_id"]), 0)
    return rows


def duration_buckets(conn: Connection, f: Filters, which: str) -> list[tuple[int, int]]:
    """(bucket lower bound ms, requests) for latency or TTFT, in order."""
    col = R.c[DURATION_COLUMNS[which]]

    def raw(conds):
        return select(bucket_lo_sql(col).label("lo"), literal(1, BigInteger).label("n")).where(
            and_(col.isnot(None), *conds))

    if f.chosen():  # the duration rollups have no endpoint/model/label/page columns: raw rows
        parts = [raw([f.where()])]
    else:
        whole, edges = _split(f)
        days, hours = (None, []) if whole is None else _days(whole)
        d, h = DURATION_DAY_ROLLUP.c, DURATION_ROLLUP.c
        parts = [] if days is None else [
            select(d.lo, d.n).where(and_(d.metric == which, *_hour_range(d.day, days)))]
        parts += [select(h.lo, h.n).where(and_(h.metric == which, *_hour_range(h.hour, span))) for span in hours]
        parts += [raw([R.c.ts_ms >= lo, R.c.ts_ms < hi]) for lo, hi in edges]
        if not parts:
            return []
    src = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    q = select(src.c.lo, _isum(src.c.n)).group_by(src.c.lo).order_by(src.c.lo)
    return [(int(lo), int(n)) for lo, n in conn.execute(q)]


def percentiles_from(buckets: Sequence[tuple[int, int]], ps: Sequence[float] = (0.5, 0.95)) -> dict[float, int | None]:
    """Nearest-rank percentiles, as the middle of the bucket holding that rank (ms)."""
    total = sum(n for _, n in buckets)
    if not total:
        return {p: None for p in ps}
    out = {}
    for p in ps:
        rank, seen = max(1, min(total, math.ceil(p * total))), 0
        for lo, n in buckets:
            seen += n
            if seen >= rank:
                out[p] = int(round(bucket_mid(lo)))
                break
    return out


def bins_from(buckets: Sequence[tuple[int, int]], upper_ms: int, bins: int = 30) -> list[dict[str, Any]]:
    """Counts per bin of width upper_ms/bins (a bucket counts in the bin of its middle); the last bin
    also holds everything above upper_ms."""
    width = max(1, -(-int(upper_ms) // bins))
    counts: dict[int, int] = {}
    for lo, n in buckets:
        b = min(bins - 1, max(0, int(bucket_mid(lo)) // width))
        counts[b] = counts.get(b, 0) + n
    return [{"from_ms": b * width, "to_ms": (b + 1) * width, "requests": counts[b], "overflow": b == bins - 1}
            for b in sorted(counts)]


def percentiles(conn: Connection, f: Filters, which: str, ps: Sequence[float] = (0.5, 0.95)) -> dict[float, int | None]:
    return percentiles_from(duration_buckets(conn, f, which), ps)


def histogram(conn: Connection, f: Filters, which: str, upper_ms: int, bins: int = 30) -> list[dict[str, Any]]:
    return bins_from(duration_buckets(conn, f, which), upper_ms, bins)


def usage_view(conn: Connection, f: Filters, bucket: str = "day", tz_offset_s: int = 0) -> dict[str, Any]:
    """Everything the Usage page shows for one set of filters (the page and the benchmark call this)."""
    data: dict[str, Any] = {
        "totals": totals(conn, f),
        "over_time": over_time(conn, f, bucket, tz_offset_s),
        "by_model": by_model(conn, f),
        "by_status": by_status(conn, f),
        "sessions": sessions(conn, f),
        "recent": recent(conn, f),
    }
    data["cost_parts"] = {k.removeprefix("cost_"): float(data["totals"][k] or 0.0) for k in COST_COLUMNS}
    for which in DURATION_COLUMNS:
        b = duration_buckets(conn, f, which)
        p = data[f"{which}_p"] = percentiles_from(b)
        data[f"{which}_hist"] = bins_from(b, int((p[0.95] or 0) * 1.5) or 1000)
    return data


LIST_COLUMNS = ("id", "ts_ms", "label", "page", "endpoint", "model", "status", "prompt_tokens",
                "completion_tokens", "cost", "ttft_ms", "latency_ms", "finish_reasons")


def recent(conn: Connection, f: Filters, limit: int = 500) -> list[dict[str, Any]]:
    """The newest requests (no text) for the requests table and drill-down."""
    q = select(*[R.c[c] for c in LIST_COLUMNS]).where(f.where()).order_by(R.c.ts_ms.desc(), R.c.id.desc()).limit(limit)
    return _rows(conn, q)


EXPORT_COLUMNS = [c.name for c in R.columns if c.name != "ts_ms"]


def iso_ms(ms: int | None) -> str:
    """Unix milliseconds as ISO-8601 UTC with milliseconds (2026-01-01T09:30:00.123Z)."""
    if ms is None:
        return ""
    d = datetime.fromtimestamp(int(ms) / 1000, timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms) % 1000:03d}Z"


def export_csv(conn: Connection, f: Filters, with_text: bool = True, chunk: int = 5000) -> Iterator[str]:
    """The filtered requests as CSV text, streamed in chunks: the time in ISO-8601 (UTC), every
    column including the cost breakdown (cost_input ... cost_audio, the price used), and the
    text columns when stored (messages, replies, and each reply's thinking as `reasoning`)."""
    cols = [R.c.ts_ms, *[R.c[c] for c in EXPORT_COLUMNS]]
    header = ["time", *EXPORT_COLUMNS]
    q = select(*cols)
    if with_text:
        q = select(*cols, T.c.messages, T.c.replies, T.c.reasoning).join(T, T.c.request_id == R.c.id, isouter=True)
        header += ["messages", "replies", "reasoning"]
    q = q.where(f.where()).order_by(R.c.ts_ms, R.c.id)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(q)
    for partition in result.partitions(chunk):
        w.writerows((iso_ms(r[0]), *r[1:]) for r in partition)
        yield buf.getvalue()
        buf.seek(0), buf.truncate()
    yield buf.getvalue()


def first_request_ms(conn: Connection) -> int | None:
    """When the ledger's first request was sent (forecasts do not count the days before it)."""
    c = ROLLUPS["ledger_rollup_total"].c  # the first hour's row holds it: one primary-key lookup
    v = conn.execute(select(c.first_ms).order_by(c.hour).limit(1)).scalar()
    return None if v is None else int(v)


def cost_parts(conn: Connection, f: Filters) -> dict[str, float]:
    """The slice's recorded cost per part (requests recorded before the breakdown count in none)."""
    src = _source(f, [], per_hour=False, measures=COST_COLUMNS)
    got = conn.execute(select(*[func.coalesce(func.sum(src.c[c]), 0.0).label(c) for c in COST_COLUMNS])).mappings().one()
    return {c.removeprefix("cost_"): float(got[c] or 0.0) for c in COST_COLUMNS}
