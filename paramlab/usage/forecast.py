"""Where this month's (and today's) spend will end, from the recent rate.

Month: the mean spend of the last complete days (up to 7, counting days without requests as $0,
but not days before the first request) times the days left, added to the month-to-date spend.
Day: the same from the last complete hours (up to 24). The range is a 90 % interval treating the
remaining days (hours) as independent draws from the recent ones: ± 1.645 × standard deviation ×
√(days left), never below what is already spent. With fewer than two complete days (hours) there
is no spread to measure and the range is the point forecast, said so in `basis`.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Sequence

Z90 = 1.645
DAY_WINDOW = 7
HOUR_WINDOW = 24


@dataclass(frozen=True)
class Forecast:
    spent: float              # period to date
    expected: float           # at the period's end
    low: float
    high: float
    rate: float               # $ per day (month) or per hour (day)
    left: float               # days (hours) left in the period, fractional
    samples: int              # complete days (hours) the rate comes from
    basis: str
    budget: float | None = None
    end_ms: int = 0           # the period's end (unix ms)
    start_ms: int = 0
    cumulative: list[tuple[int, float]] = field(default_factory=list)  # (bucket start ms, spend so far)

    @property
    def over_budget(self) -> bool | None:
        return None if self.budget is None else self.expected > self.budget


def project(spent: float, recent: Sequence[float], left: float, unit: str) -> tuple[float, float, float, float, str]:
    """(expected, low, high, rate, basis) from the spend of recent complete periods."""
    n = len(recent)
    if n == 0:
        return spent, spent, spent, 0.0, f"no complete {unit} yet: no rate to go on"
    rate = statistics.fmean(recent)
    expected = spent + rate * left
    if n < 2:
        return expected, expected, expected, rate, f"1 complete {unit} only: no spread to give a range"
    spread = Z90 * statistics.stdev(recent) * math.sqrt(max(left, 0.0))
    return (expected, max(spent, expected - spread), expected + spread, rate,
            f"the mean of the last {n} complete {unit}s")


def _local(now_s: float, tz_offset_s: int) -> datetime:
    return datetime.fromtimestamp(now_s, timezone(timedelta(seconds=tz_offset_s)))


def month_bounds(now_s: float, tz_offset_s: int) -> tuple[int, int, int]:
    """(start of the month, start of today, start of next month) in unix ms, local time."""
    d = _local(now_s, tz_offset_s)
    day = d.replace(hour=0, minute=0, second=0, microsecond=0)
    month = day.replace(day=1)
    nxt = (month + timedelta(days=32)).replace(day=1)
    return (int(month.timestamp() * 1000), int(day.timestamp() * 1000), int(nxt.timestamp() * 1000))


DAY_MS = 86_400_000
HOUR_MS = 3_600_000


def _forecast(rows: Sequence[dict], now_s: float, period: tuple[int, int], current: int, width: int, window: int,
              unit: str, first_ms: int | None, budget: float | None) -> Forecast:
    """The forecast of one period [start, end): `rows` are over_time rows (start_ms, cost) in buckets
    of `width` ms; the rate comes from the `window` complete buckets before `current` (the bucket
    now is in), not counting buckets that ended before the ledger's first request."""
    start, end = period
    cost = {int(r["start_ms"]): float(r["cost"] or 0.0) for r in rows}
    recent = []
    for k in range(1, window + 1):
        b = current - k * width
        if first_ms is None or b + width <= first_ms:
            break
        recent.append(cost.get(b, 0.0))
    spent = sum(v for t, v in cost.items() if start <= t < end)
    left = (end - now_s * 1000) / width
    expected, low, high, rate, basis = project(spent, recent, left, unit)
    run, cum = 0.0, []
    for t in sorted(t for t in cost if start <= t < end):
        run += cost[t]
        cum.append((t, run))
    return Forecast(spent, expected, low, high, rate, left, len(recent), basis, budget, end, start, cum)


def month(daily: Sequence[dict], now_s: float, tz_offset_s: int, first_ms: int | None,
          budget: float | None = None) -> Forecast:
    """daily: over_time(..., "day") rows (start_ms, cost) covering at least the last DAY_WINDOW days
    and this month; first_ms: the ledger's first request (days before it are not counted)."""
    m0, today, m1 = month_bounds(now_s, tz_offset_s)
    return _forecast(daily, now_s, (m0, m1), today, DAY_MS, DAY_WINDOW, "day", first_ms, budget)


def day(hourly: Sequence[dict], now_s: float, tz_offset_s: int, first_ms: int | None,
        budget: float | None = None) -> Forecast:
    """hourly: over_time(..., "hour") rows covering the last HOUR_WINDOW hours and today."""
    _, today, _ = month_bounds(now_s, tz_offset_s)
    this_hour = int(now_s * 1000) // HOUR_MS * HOUR_MS
    return _forecast(hourly, now_s, (today, today + DAY_MS), this_hour, HOUR_MS, HOUR_WINDOW, "hour", first_ms, budget)
