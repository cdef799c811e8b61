"""The Usage page's questions, answered by the database with GROUP BY: only small results come back.

Every function takes a Connection and a Filters; times are unix milliseconds.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from sqlalchemy import and_, case, func, select, true
from sqlalchemy.engine import Connection

from .schema import REQUESTS as R, TEXTS as T

HOUR_MS, DAY_MS = 3_600_000, 86_400_000
DURATIONS = {"latency": R.c.latency_ms, "ttft": R.c.ttft_ms}


@dataclass(frozen=True)
class Filters:
    start_ms: int | None = None
    end_ms: int | None = None  # exclusive
    endpoints: Sequence[str] = ()
    models: Sequence[str] = ()
    labels: Sequence[str] = ()
    pages: Sequence[str] = ()
    sessions: Sequence[str] = ()

    def where(self):
        conds = []
        if self.start_ms is not None:
            conds.append(R.c.ts_ms >= int(self.start_ms))
        if self.end_ms is not None:
            conds.append(R.c.ts_ms < int(self.end_ms))
        for col, values in ((R.c.endpoint, self.endpoints), (R.c.model, self.models),
                            (R.c.label, self.labels), (R.c.page, self.pages), (R.c.session_id, self.sessions)):
            if values:
                conds.append(col.in_(list(values)))
        return and_(*conds) if conds else true()


def _rows(conn: Connection, q) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(q).mappings()]


def options(conn: Connection, f: Filters) -> dict[str, list[str]]:
    """Endpoints, models, labels and pages seen in the date range (for the filter pickers)."""
    dated = Filters(f.start_ms, f.end_ms)
    q = (select(R.c.endpoint, R.c.model, R.c.label, R.c.page).where(dated.where())
         .group_by(R.c.endpoint, R.c.model, R.c.label, R.c.page))
    out: dict[str, set[str]] = {"endpoints": set(), "models": set(), "labels": set(), "pages": set()}
    for e, m, lab, p in conn.execute(q):
        out["endpoints"].add(e), out["models"].add(m), out["labels"].add(lab), out["pages"].add(p)
    return {k: sorted(v) for k, v in out.items()}


def totals(conn: Connection, f: Filters) -> dict[str, Any]:
    q = select(
        func.count().label("requests"),
        func.coalesce(func.sum(R.c.prompt_tokens), 0).label("prompt_tokens"),
        func.coalesce(func.sum(R.c.completion_tokens), 0).label("completion_tokens"),
        func.coalesce(func.sum(R.c.cached_tokens), 0).label("cached_tokens"),
        func.coalesce(func.sum(R.c.reasoning_tokens), 0).label("reasoning_tokens"),
        func.coalesce(func.sum(R.c.cost), 0.0).label("cost"),
        func.count(R.c.cost).label("priced"),
        func.sum(case((R.c.estimated, 1), else_=0)).label("estimated"),
        func.sum(case((R.c.status == "error", 1), else_=0)).label("errors"),
        func.count(R.c.latency_ms).label("timed"),
        func.count(R.c.ttft_ms).label("ttft_timed"),
        func.count(func.distinct(R.c.session_id)).label("sessions"),
    ).where(f.where())
    d = dict(conn.execute(q).mappings().one())
    return {k: (v or 0) for k, v in d.items()}


def over_time(conn: Connection, f: Filters, bucket: str = "day", tz_offset_s: int = 0) -> list[dict[str, Any]]:
    """Tokens, requests and cost per hour or day (local time via tz_offset_s), with cumulative cost."""
    width = HOUR_MS if bucket == "hour" else DAY_MS
    off = int(tz_offset_s) * 1000
    b = ((R.c.ts_ms + off) // width).label("b")
    inner = (select(b, func.count().label("requests"),
                    func.coalesce(func.sum(R.c.prompt_tokens), 0).label("prompt_tokens"),
                    func.coalesce(func.sum(R.c.completion_tokens), 0).label("completion_tokens"),
                    func.coalesce(func.sum(R.c.cost), 0.0).label("cost"))
             .where(f.where()).group_by(b).subquery())
    q = select(inner, func.sum(inner.c.cost).over(order_by=inner.c.b).label("cumulative_cost")).order_by(inner.c.b)
    out = _rows(conn, q)
    for r in out:  # bucket number back to a UTC instant that displays as local midnight / hour
        r["start_ms"] = int(r.pop("b")) * width - off
    return out


def by_model(conn: Connection, f: Filters) -> list[dict[str, Any]]:
    q = (select(R.c.model, func.count().label("requests"),
                func.coalesce(func.sum(R.c.total_tokens), 0).label("tokens"),
                func.sum(R.c.cost).label("cost"),
                (func.count() - func.count(R.c.cost)).label("unpriced"))
         .where(f.where()).group_by(R.c.model).order_by(func.sum(R.c.cost).desc()))
    return _rows(conn, q)


def by_status(conn: Connection, f: Filters) -> list[dict[str, Any]]:
    status = case((R.c.status == "error", func.coalesce(R.c.error_class, "error")), else_=R.c.status).label("status")
    q = select(status, func.count().label("requests")).where(f.where()).group_by(status).order_by(status)
    return _rows(conn, q)


def percentiles(conn: Connection, f: Filters, which: str, ps: Sequence[float] = (0.5, 0.95),
                count: int | None = None) -> dict[float, int | None]:
    """Exact nearest-rank percentiles of latency or TTFT (ms) using one sorted pass in the database."""
    col = DURATIONS[which]
    cond = and_(f.where(), col.isnot(None))
    if count is None:
        count = conn.execute(select(func.count(col)).where(cond)).scalar_one()
    if not count:
        return {p: None for p in ps}
    ranks = {p: max(1, min(count, int(-(-p * count // 1)))) for p in ps}  # ceil(p * n)
    rn = func.row_number().over(order_by=col).label("rn")
    inner = select(col.label("v"), rn).where(cond).subquery()
    got = dict(conn.execute(select(inner.c.rn, inner.c.v).where(inner.c.rn.in_(set(ranks.values())))).all())
    return {p: got.get(r) for p, r in ranks.items()}


def histogram(conn: Connection, f: Filters, which: str, upper_ms: int, bins: int = 30) -> list[dict[str, Any]]:
    """Counts per bin of width upper_ms/bins; the last bin also holds everything above upper_ms."""
    col = DURATIONS[which]
    width = max(1, -(-int(upper_ms) // bins))
    raw = (col // width).label("bin")
    capped = case((raw > bins - 1, bins - 1), else_=raw).label("bin")
    q = (select(capped, func.count().label("requests")).where(and_(f.where(), col.isnot(None)))
         .group_by(capped).order_by(capped))
    return [{"from_ms": int(r["bin"]) * width, "to_ms": (int(r["bin"]) + 1) * width,
             "requests": r["requests"], "overflow": int(r["bin"]) == bins - 1} for r in conn.execute(q).mappings()]


def sessions(conn: Connection, f: Filters, limit: int = 200) -> list[dict[str, Any]]:
    """Totals per (label, browser session), newest first."""
    q = (select(R.c.label, R.c.session_id,
                func.min(R.c.ts_ms).label("first_ms"), func.max(R.c.ts_ms).label("last_ms"),
                func.count().label("requests"),
                func.coalesce(func.sum(R.c.prompt_tokens), 0).label("prompt_tokens"),
                func.coalesce(func.sum(R.c.completion_tokens), 0).label("completion_tokens"),
                func.sum(R.c.cost).label("cost"),
                (func.count() - func.count(R.c.cost)).label("unpriced"),
                func.count(func.distinct(R.c.model)).label("models"),
                func.sum(case((R.c.status == "error", 1), else_=0)).label("errors"))
         .where(f.where()).group_by(R.c.label, R.c.session_id)
         .order_by(func.max(R.c.ts_ms).desc()).limit(limit))
    return _rows(conn, q)


LIST_COLUMNS = ("id", "ts_ms", "label", "page", "endpoint", "model", "status", "prompt_tokens",
                "completion_tokens", "cost", "ttft_ms", "latency_ms", "finish_reasons")


def recent(conn: Connection, f: Filters, limit: int = 500) -> list[dict[str, Any]]:
    """The newest requests (no text) for the requests table and drill-down."""
    q = select(*[R.c[c] for c in LIST_COLUMNS]).where(f.where()).order_by(R.c.ts_ms.desc(), R.c.id.desc()).limit(limit)
    return _rows(conn, q)


EXPORT_COLUMNS = [c.name for c in R.columns]


def export_csv(conn: Connection, f: Filters, with_text: bool = True, chunk: int = 5000) -> Iterator[str]:
    """The filtered requests as CSV text, streamed in chunks (text columns when stored)."""
    cols = [R.c[c] for c in EXPORT_COLUMNS]
    header = list(EXPORT_COLUMNS)
    q = select(*cols)
    if with_text:
        q = select(*cols, T.c.messages, T.c.replies).join(T, T.c.request_id == R.c.id, isouter=True)
        header += ["messages", "replies"]
    q = q.where(f.where()).order_by(R.c.ts_ms, R.c.id)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    result = conn.execution_options(stream_results=True, yield_per=chunk).execute(q)
    for partition in result.partitions(chunk):
        w.writerows(partition)
        yield buf.getvalue()
        buf.seek(0), buf.truncate()
    yield buf.getvalue()
