"""Usage ledger: the Usage page's 30-day queries on 1,000,000 records (target ≤ 1 s in total on
SQLite), what-if re-pricing of the same 30-day slice under another model, tier and cached share
(target ≤ 1 s, computed in the database) and the median time to append one record with every
usage part and its cost breakdown (target ≤ 5 ms), with how the query time grows from 10,000 to
1,000,000 records. Figures are printed as ratios to the targets (≤ 1.00 meets it).

Two scenarios at each size: records spread over the last 365 days (a year of use, ~1/12 of them in
the view) and every record inside the 30-day view (the worst case). The page reads rollups (per
UTC day where a figure is not drawn per hour, hourly otherwise), so its time follows days (hours) ×
distinct keys, not the number of records; the sessions table reads only the newest hours' sessions.
"""
from __future__ import annotations

import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paramlab.usage.ledger import Filters, Ledger  # noqa: E402
from paramlab.usage.ledger import queries as Q  # noqa: E402
from paramlab.usage.ledger import rollups  # noqa: E402

QUERY_TARGET_S = 1.0
APPEND_TARGET_S = 0.005
SIZES = (10_000, 100_000, 1_000_000)
SCENARIOS = (("spread over 365 days", 365), ("all inside the 30 days", 29))
DAY_MS = 86_400_000
MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o4-mini", "smollm2-135m-instruct", "llama3.1:8b", "mystery"]
PRICED = {"gpt-4o": (2.5, 10), "gpt-4o-mini": (0.15, 0.6), "gpt-4.1": (2, 8), "o4-mini": (1.1, 4.4),
          "smollm2-135m-instruct": (0, 0), "llama3.1:8b": (0, 0)}
COLS = ["ts_ms", "session_id", "label", "page", "endpoint", "host", "backend", "model", "params", "n", "stream",
        "prompt_tokens", "completion_tokens", "total_tokens", "estimated", "cost", "ttft_ms", "latency_ms",
        "status", "error_class", "finish_reasons", "cached_tokens", "reasoning_tokens", "cache_write_tokens",
        "service_tier", "cost_input", "cost_cached_input", "cost_output", "cost_reasoning", "price_model",
        "price_tier"]
WHATIF_TARGET_S = 1.0


def synthetic(n: int, start_ms: int, end_ms: int, rng: random.Random):
    """n records evenly spread from start_ms to end_ms in time order, as a ledger is appended to.
    Every request picks its endpoint and model at random: many distinct keys per hour, a hard case
    for the rollups (a real session mostly sticks to one endpoint and model)."""
    step = (end_ms - start_ms) / n
    session = label = page = None
    for i in range(n):
        if i % 40 == 0:  # a browser session makes ~40 requests under one label, mostly from one page
            session, label = f"s{i // 40}", f"exp-{rng.randint(0, 40)}"
            page = rng.choice(("playground", "compare", "sweep"))
        model = rng.choice(MODELS)
        p, c = rng.randint(20, 3000), rng.randint(1, 800)
        cached = p // 2 if rng.random() < 0.3 else 0           # prompt-cache hits on repeated prefixes
        reasoning = c // 2 if model == "o4-mini" else 0
        tier = rng.choice((None, "default", "flex")) if model == "o4-mini" else None
        price = PRICED.get(model)
        err = rng.random() < 0.03
        lat = int(rng.lognormvariate(6.5, 0.6))
        parts = (None,) * 4 if price is None else (
            (p - cached) * price[0] / 1e6, cached * price[0] / 2e6, (c - reasoning) * price[1] / 1e6,
            reasoning * price[1] / 1e6)
        yield (int(start_ms + i * step), session, label, page, rng.choice(("OpenAI", "Local", "Embedded SmolLM2")),
               "api.openai.com", "openai", model, '{"temperature":0.7}', 1, True, p, c, p + c, False,
               None if price is None else sum(parts),
               None if err else lat // 4, lat, "error" if err else "ok", "RateLimitError" if err else None, '["stop"]',
               cached, reasoning, 0, tier, *parts, None if price is None else model, None if price is None else "standard")


def fill(led: Ledger, n: int, start_ms: int, end_ms: int, rng: random.Random, batch: int = 50_000) -> None:
    """Raw DBAPI executemany in big batches, then the rollups built the way the schema upgrade builds
    them (INSERT ... SELECT ... GROUP BY): the data, not the ORM, is what is being measured."""
    sql = f"INSERT INTO ledger_requests ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})"
    raw = led.engine.raw_connection()
    try:
        cur = raw.cursor()
        rows = synthetic(n, start_ms, end_ms, rng)
        while chunk := list(itertools.islice(rows, batch)):
            cur.executemany(sql, chunk)
        raw.commit()
    finally:
        raw.close()
    with led.engine.begin() as conn:
        rollups.backfill(conn)
    with led.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def view_30_days(today: date) -> Filters:
    """The Usage page's default range (components/usage_filters.py): local midnight 29 days ago to tomorrow."""
    def ms(d: date) -> int:
        return int(datetime.combine(d, dtime.min).timestamp() * 1000)
    return Filters(ms(today - timedelta(days=29)), ms(today + timedelta(days=1)))


def page_queries(led: Ledger, f: Filters) -> float:
    """What pages/4_Usage.py runs for the view: the filter options, then every figure; seconds."""
    t0 = time.perf_counter()
    with led.engine.connect() as conn:
        Q.options(conn, f)
        Q.usage_view(conn, f, "day")
    return time.perf_counter() - t0


def breakdown(led: Ledger, f: Filters) -> str:
    """The same queries one by one, slowest first."""
    parts = {"options": lambda c: Q.options(c, f), "totals": lambda c: Q.totals(c, f),
             "over_time": lambda c: Q.over_time(c, f, "day"), "by_model": lambda c: Q.by_model(c, f),
             "by_status": lambda c: Q.by_status(c, f), "sessions": lambda c: Q.sessions(c, f),
             "recent": lambda c: Q.recent(c, f), "latency buckets": lambda c: Q.duration_buckets(c, f, "latency"),
             "ttft buckets": lambda c: Q.duration_buckets(c, f, "ttft")}
    took = {}
    with led.engine.connect() as conn:
        for name, fn in parts.items():
            t = time.perf_counter()
            fn(conn)
            took[name] = time.perf_counter() - t
    return ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in sorted(took.items(), key=lambda kv: -kv[1])[:5])


def whatif_time(led: Ledger, f: Filters) -> float:
    """What-if for the 30-day view: every request as gpt-4.1-mini at the flex tier with half the prompt
    cached (all three knobs at once), from the current table; seconds."""
    from paramlab.usage import pricing
    from paramlab.usage.ledger import repricing
    s = repricing.Scenario(pricing.load_prices(), model="gpt-4.1-mini", tier="flex", cached_share=0.5)
    t0 = time.perf_counter()
    with led.engine.connect() as conn:
        r = repricing.whatif(conn, f, s)
    took = time.perf_counter() - t0
    assert r["totals"]["requests"] > 0
    return took


def append_median(led: Ledger, k: int = 300) -> float:
    from paramlab.client.result import ChatResult, Choice, Usage
    from paramlab.usage import pricing
    table = pricing.load_prices()

    class Ep:
        name, base_url, backend, embedded = "OpenAI", "https://api.openai.com/v1", "openai", False

    times = []
    for i in range(k):
        res = ChatResult(choices=[Choice(0, "a reply " * 20, finish_reason="stop")],
                         usage=Usage(100, 50, 150, 40, 10, cache_write_tokens=20, audio_input_tokens=0,
                                     audio_output_tokens=0, accepted_prediction_tokens=3, rejected_prediction_tokens=2),
                         model="gpt-4o", service_tier="priority",
                         request={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi " * 50}]})
        res.metrics.started_at, res.metrics.latency_s = time.time(), 0.8
        t0 = time.perf_counter()
        pricing.apply(table, Ep(), res)  # the pricing observer's work is part of recording
        ok = led.record(Ep(), res, {"page": "bench", "session_id": "bench", "label": "bench"})
        times.append(time.perf_counter() - t0)
        assert ok, led.status
    return statistics.median(times)


def best_of(fn, k: int = 3) -> float:
    return min(fn() for _ in range(k))


def main() -> None:
    rng = random.Random(5)
    now_ms = int(time.time() * 1000)
    f = view_30_days(date.today())
    with tempfile.TemporaryDirectory() as d:
        for scenario, days in SCENARIOS:
            first = None
            for size in SIZES:
                path = os.path.join(d, f"bench{size}.sqlite")
                led = Ledger.open(f"sqlite:///{path}")
                fill(led, size, now_ms - days * DAY_MS, now_ms, rng)
                s = best_of(lambda: page_queries(led, f))
                first = first or s
                print(f"   {scenario}: {size:>9,} records, 30-day view queries {s * 1000:7.1f} ms = "
                      f"{s / QUERY_TARGET_S:.2f} × target (1 s); {s / first:.1f}× the 10,000-record time", flush=True)
                if size == SIZES[-1]:
                    print(f"      slowest: {breakdown(led, f)}", flush=True)
                    for name, narrow in (("model", Filters(f.start_ms, f.end_ms, models=["gpt-4o"])),
                                         ("label", Filters(f.start_ms, f.end_ms, labels=["exp-7"])),
                                         ("model + label", Filters(f.start_ms, f.end_ms, models=["gpt-4o"],
                                                                   labels=["exp-7"]))):
                        t = best_of(lambda: page_queries(led, narrow), 1)
                        print(f"      filtered by {name}: {t * 1000:.0f} ms = {t / QUERY_TARGET_S:.2f} × target", flush=True)
                    w = best_of(lambda: whatif_time(led, f))
                    print(f"   what-if re-pricing of the 30-day view ({scenario}, {size:,} records): "
                          f"{w * 1000:.0f} ms = {w / WHATIF_TARGET_S:.2f} × target (1 s)", flush=True)
                    med = append_median(led)
                    print(f"   append one record (every usage part, priced, with text and rollups) at {size:,} "
                          f"records: median {med * 1000:.2f} ms = {med / APPEND_TARGET_S:.2f} × target (5 ms)",
                          flush=True)
                led.close()
                os.remove(path)


if __name__ == "__main__":
    main()
