"""Pricing the ledger again: what-if scenarios over a filtered slice, and re-pricing stored rows after
a price edit (from the edit's effective date on).

What-if is computed in the database from the hourly rollups (queries._source): a cost is linear in
the token counts, so each rollup row (the sums of one hour × endpoint × backend × model × tier ×
...) is priced by joining a small table of prices (one row per ledger model × tier × price period,
built here from the price table) and summing parts × $/M. Its cost follows the rollup rows, not the
number of requests. Token parts are split on the sums (input = prompt − cached − cache write −
audio), which equals the per-request split whenever every request's parts fit inside its counts,
as servers report them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import BigInteger, Float, String, and_, bindparam, case, cast, column, func, literal, or_, select, union_all
from sqlalchemy.engine import Connection

from paramlab.backends import registry
from paramlab.usage import pricing
from paramlab.usage.ledger import rollups
from paramlab.usage.ledger.queries import DAY_MS, Filters, _source
from paramlab.usage.ledger.rollups import HOUR_MS
from paramlab.usage.ledger.schema import COST_COLUMNS, REQUESTS as R

FOREVER = 1 << 60  # an hour number after any request
PRICE_COLS = ("p_input", "p_cached_input", "p_cache_write", "p_output", "p_reasoning", "p_audio_input",
              "p_audio_output")


@dataclass(frozen=True)
class Scenario:
    """How to price a slice again. Every field left at None keeps what was recorded."""
    table: pricing.PriceTable          # the prices to apply (the current table, or another one)
    model: str | None = None           # price every request as this model (None: each as its own)
    tier: str | None = None            # price every request at this tier (None: the tier served)
    cached_share: float | None = None  # this fraction of prompt tokens read from the cache

    def describe(self) -> str:
        bits = [f"as {self.model}" if self.model else "each request as its own model"]
        bits.append(f"at the {self.tier} tier" if self.tier else "at the tier served")
        if self.cached_share is not None:
            bits.append(f"with {self.cached_share:.0%} of prompt tokens cached")
        return ", ".join(bits)


def _periods(entries: list[pricing.Price]) -> list[tuple[int, int, pricing.Price]]:
    """[(first hour, end hour, price)] of a model's dated entries."""
    out = []
    ordered = sorted(entries, key=lambda p: p.effective or "")
    for i, p in enumerate(ordered):
        lo = 0 if p.effective is None else pricing.effective_ms(p.effective) // HOUR_MS
        nxt = ordered[i + 1].effective if i + 1 < len(ordered) else None
        hi = FOREVER if nxt is None else pricing.effective_ms(nxt) // HOUR_MS
        out.append((lo, hi, p))
    return out


def price_rows(s: Scenario, keys: Iterable[tuple[str, str]]) -> list[tuple]:
    """(model, tier, lo hour, hi hour, *$/M per part) for each (ledger model, served tier) in the slice;
    a model the table does not know gets no row (its cost is then unknown)."""
    rows = []
    for model, served in keys:
        key = s.table.key_for(s.model or model)
        if key is None:
            continue
        for lo, hi, p in _periods(s.table.prices[key]):
            tp, _, _ = p.for_tier(s.tier if s.tier else served)
            rows.append((model, served, lo, hi, *[tp.per_million(part) for part in pricing.PARTS]))
    return rows


def _price_table(rows: list[tuple]):
    """The price rows as a subquery of SELECT literals joined by UNION ALL (SQLite has no named
    VALUES columns)."""
    types = [String, String, BigInteger, BigInteger, *[Float] * len(PRICE_COLS)]
    names = ["model", "tier", "lo", "hi", *PRICE_COLS]
    data = rows or [("", "\x00never", 0, 0, *[0.0] * len(PRICE_COLS))]  # matches nothing
    selects = [select(*[cast(literal(v, t), t).label(n) for v, t, n in zip(r, types, names)]) for r in data]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("p")


def _pos(expr):
    return case((expr > 0, expr), else_=literal(0, BigInteger))


def whatif(conn: Connection, f: Filters, s: Scenario, tz_offset_s: int = 0) -> dict[str, Any]:
    """The slice priced as recorded and under the scenario: totals, per day and per model, with
    the difference and the scenario's cost per part. Requests the scenario cannot price are counted
    (`unpriced`), never taken as $0."""
    src = _source(f, ["model", "backend", "service_tier"])
    c = src.c
    keys = [(m, t) for m, t in conn.execute(select(c.model, c.service_tier).distinct())]
    p = _price_table(price_rows(s, keys))
    tier_match = p.c.tier == c.service_tier
    joined = src.outerjoin(p, and_(p.c.model == c.model, tier_match, c.hour >= p.c.lo, c.hour < p.c.hi))
    local_free = c.backend.in_(sorted(registry.local_kinds())) if s.model is None else literal(False)
    base_in = _pos(c.prompt_tokens - c.cache_write_tokens - c.audio_input_tokens)
    if s.cached_share is None:
        cached = case((c.cached_tokens < base_in, c.cached_tokens), else_=base_in)
    else:
        cached = base_in * literal(min(max(float(s.cached_share), 0.0), 1.0))
    text_out = _pos(c.completion_tokens - c.reasoning_tokens - c.audio_output_tokens)
    parts = {
        "input": (base_in - cached) * p.c.p_input,
        "cached_input": cached * p.c.p_cached_input,
        "cache_write": c.cache_write_tokens * p.c.p_cache_write,
        "output": text_out * p.c.p_output,
        "reasoning": c.reasoning_tokens * p.c.p_reasoning,
        "audio": (c.audio_input_tokens * func.coalesce(p.c.p_audio_input, 0.0)
                  + c.audio_output_tokens * func.coalesce(p.c.p_audio_output, 0.0)),
    }
    unknown = and_(~local_free, or_(p.c.model.is_(None),
                                    and_(c.audio_input_tokens > 0, p.c.p_audio_input.is_(None)),
                                    and_(c.audio_output_tokens > 0, p.c.p_audio_output.is_(None))))
    off = int(tz_offset_s) * 1000
    day = ((c.hour * HOUR_MS + off) // DAY_MS).label("day")
    priced = {k: func.sum(case((or_(unknown, local_free), 0.0), else_=v) / pricing.PER).label(k)
              for k, v in parts.items()}
    q = (select(day, c.model,
                func.sum(c.requests).label("requests"),
                func.coalesce(func.sum(c.cost), 0.0).label("actual"),
                func.sum(c.cost_unknown).label("actual_unpriced"),
                func.sum(case((unknown, c.requests), else_=0)).label("unpriced"),
                *priced.values())
         .select_from(joined).group_by(day, c.model))
    cells = [dict(r) for r in conn.execute(q).mappings()]
    for r in cells:
        r["whatif"] = sum(float(r[k] or 0.0) for k in parts)
        r["start_ms"] = int(r.pop("day")) * DAY_MS - off
        for k in ("requests", "actual_unpriced", "unpriced"):
            r[k] = int(r[k] or 0)
        r["actual"] = float(r["actual"] or 0.0)
    return {"scenario": s.describe(), "totals": _sum(cells, parts), "by_day": _group(cells, "start_ms", parts),
            "by_model": _group(cells, "model", parts)}


def _sum(cells: list[dict], parts) -> dict[str, Any]:
    t: dict[str, Any] = {"requests": 0, "actual": 0.0, "whatif": 0.0, "actual_unpriced": 0, "unpriced": 0,
                         **{k: 0.0 for k in parts}}
    for r in cells:
        for k in t:
            t[k] += r[k] or 0
    t["difference"] = t["whatif"] - t["actual"]
    return t


def _group(cells: list[dict], by: str, parts) -> list[dict[str, Any]]:
    groups: dict[Any, list[dict]] = {}
    for r in cells:
        groups.setdefault(r[by], []).append(r)
    out = [{by: k, **_sum(v, parts)} for k, v in groups.items()]
    return sorted(out, key=lambda r: r[by]) if by == "start_ms" else sorted(out, key=lambda r: -r["actual"])


# -- re-pricing stored rows ------------------------------------------------------------------
_USAGE_COLS = ("prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "cache_write_tokens",
               "audio_input_tokens", "audio_output_tokens", "accepted_prediction_tokens",
               "rejected_prediction_tokens")


class _RowUsage:
    def __init__(self, row: Any) -> None:
        for k in _USAGE_COLS:
            setattr(self, k, row[k])


class _Backend:
    def __init__(self, backend: str | None) -> None:
        self.backend, self.embedded = backend, False


def priced_columns(table: pricing.PriceTable, row: Any) -> dict[str, Any]:
    """A ledger row's cost columns under a price table, at the price in force when it ran."""
    key, price = pricing.price_of(table, (row["model"], row["response_model"]), _Backend(row["backend"]),
                                  row["ts_ms"] / 1000)
    b = pricing.breakdown(_RowUsage(row), price, row["service_tier"])
    if b is None:
        return {"cost": None, **{c: None for c in COST_COLUMNS}, "price_model": key, "price_from": None,
                "price_tier": None}
    d = b.dollars()
    return {"cost": b.total, **{f"cost_{k}": d[k] for k in pricing.COST_PARTS}, "price_model": key,
            "price_from": b.effective, "price_tier": b.tier}


def reprice(conn: Connection, old: pricing.PriceTable, new: pricing.PriceTable, batch: int = 5000) -> int:
    """After a price edit: re-price the rows whose price changed, each from the change's date on,
    then rebuild the rollups from the earliest such date. Earlier rows keep the price they had.
    Returns the number of rows re-priced."""
    changed = pricing.changes(old, new)
    if not changed:
        return 0
    start: dict[tuple, int] = {}  # (model, response_model) -> first ts_ms to re-price
    pairs = conn.execute(select(R.c.model, R.c.response_model).distinct()
                         .where(R.c.backend.notin_(sorted(registry.local_kinds())))).all()
    for model, named in pairs:
        dates = [changed[k] for t in (old, new) for k in [pricing.price_of(t, (model, named))[0]] if k in changed]
        if dates:
            d = min(dates, key=lambda x: x or "")
            start[(model, named)] = pricing.effective_ms(d) or 0
    if not start:
        return 0
    cols = [R.c.id, R.c.ts_ms, R.c.model, R.c.response_model, R.c.backend, R.c.service_tier,
            *[R.c[k] for k in _USAGE_COLS]]
    conds = [and_(R.c.model == m, (R.c.response_model.is_(None) if n is None else R.c.response_model == n),
                  R.c.ts_ms >= ms) for (m, n), ms in start.items()]
    n = 0
    todo = conn.execute(select(*cols).where(and_(R.c.backend.notin_(sorted(registry.local_kinds())),
                                                 or_(*conds)))).mappings().all()
    upd = R.update().where(R.c.id == bindparam("rid"))
    for i in range(0, len(todo), batch):
        chunk = [{"rid": r["id"], **priced_columns(new, r)} for r in todo[i:i + batch]]
        conn.execute(upd, chunk)
        n += len(chunk)
    rollups.backfill(conn, since_ms=min(start.values()))
    return n
