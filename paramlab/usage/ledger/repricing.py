"""Pricing the ledger again: what-if scenarios over a filtered slice, and re-pricing stored rows after
a price edit (from the edit's effective date on).

What-if is computed in the database from the hourly rollups (queries._source): one GROUP BY sums
the slice per UTC day, local day, model, backend and served tier, and, a cost being linear in the
token counts, each of those sums is priced like one request. Its cost follows the rollup rows, not
the number of requests. Token parts are split on the sums (input = prompt − cached − cache write −
audio), which equals the per-request split whenever every request's parts fit inside its counts,
as servers report them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.engine import Connection

from paramlab.backends import registry
from paramlab.usage import pricing
from paramlab.usage.ledger import rollups
from paramlab.usage.ledger.queries import DAY_MS, Filters, _source
from paramlab.usage.ledger.rollups import HOUR_MS
from paramlab.usage.ledger.schema import COST_COLUMNS, REQUESTS as R

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


class _Sums:
    """Summed token counts of a group of requests, shaped like a Usage for pricing.breakdown."""

    def __init__(self, r: Any) -> None:
        for k in ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens",
                  "cache_write_tokens", "audio_input_tokens", "audio_output_tokens"):
            setattr(self, k, int(r[k] or 0))


def whatif(conn: Connection, f: Filters, s: Scenario, tz_offset_s: int = 0) -> dict[str, Any]:
    """The slice priced as recorded and under the scenario: totals, per day and per model, with
    the difference and the scenario's cost per part. Requests the scenario cannot price are counted
    (`unpriced`), never taken as $0.

    The database sums the slice's hourly rollups per UTC day (prices change at 00:00 UTC), local
    day, model, backend and served tier in one scan; each of those few hundred sums is then priced
    with the same arithmetic as a single request (a cost is linear in the token counts)."""
    src = _source(f, ["model", "backend", "service_tier"])
    c = src.c
    off = int(tz_offset_s) * 1000
    utc_day = (c.hour // (DAY_MS // HOUR_MS)).label("utc_day")
    local_day = ((c.hour * HOUR_MS + off) // DAY_MS).label("day")
    sums = [func.sum(c[k]).label(k) for k in ("requests", "cost_unknown", "prompt_tokens", "completion_tokens",
                                               "total_tokens", "cached_tokens", "reasoning_tokens", "cache_write_tokens",
                                               "audio_input_tokens", "audio_output_tokens")]
    q = (select(utc_day, local_day, c.model, c.backend, c.service_tier,
                func.coalesce(func.sum(c.cost), 0.0).label("actual"), *sums)
         .group_by(utc_day, local_day, c.model, c.backend, c.service_tier))
    local = registry.local_kinds()
    cells: list[dict[str, Any]] = []
    for r in conn.execute(q).mappings():
        at = (int(r["utc_day"]) * DAY_MS + DAY_MS // 2) / 1000
        tier = s.tier or r["service_tier"] or None
        if s.model is None and r["backend"] in local:
            price, tier = pricing.ZERO, None  # a local model costs nothing at any tier
        else:
            price = s.table.lookup(s.model or r["model"], at)
        b = pricing.breakdown(_Sums(r), price, tier, s.cached_share)
        n = int(r["requests"] or 0)
        dollars = {k: 0.0 for k in pricing.COST_PARTS}
        if b is not None and b.total is not None:
            dollars.update({k: v or 0.0 for k, v in b.dollars().items()})
        unpriced = n if b is None or b.total is None else 0
        standard = n if b is not None and any(x.startswith("the table has no") for x in b.notes) else 0
        cells.append({"start_ms": int(r["day"]) * DAY_MS - off, "model": r["model"], "requests": n,
                      "actual": float(r["actual"] or 0.0), "actual_unpriced": int(r["cost_unknown"] or 0),
                      "unpriced": unpriced, "tier_missing": standard, **dollars, "whatif": sum(dollars.values())})
    parts = pricing.COST_PARTS
    return {"scenario": s.describe(), "totals": _sum(cells, parts), "by_day": _group(cells, "start_ms", parts),
            "by_model": _group(cells, "model", parts)}


def _sum(cells: list[dict], parts) -> dict[str, Any]:
    t: dict[str, Any] = {"requests": 0, "actual": 0.0, "whatif": 0.0, "actual_unpriced": 0, "unpriced": 0,
                         "tier_missing": 0,
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
_USAGE_COLS = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens",
               "cache_write_tokens", "audio_input_tokens", "audio_output_tokens", "accepted_prediction_tokens",
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
    billed = or_(R.c.price_model.is_(None), R.c.price_model != pricing.BILLED)  # a provider's bill stays
    todo = conn.execute(select(*cols).where(and_(R.c.backend.notin_(sorted(registry.local_kinds())),
                                                 or_(*conds), billed))).mappings().all()
    upd = R.update().where(R.c.id == bindparam("rid"))
    for i in range(0, len(todo), batch):
        chunk = [{"rid": r["id"], **priced_columns(new, r)} for r in todo[i:i + batch]]
        conn.execute(upd, chunk)
        n += len(chunk)
    rollups.backfill(conn, since_ms=min(start.values()))
    return n
