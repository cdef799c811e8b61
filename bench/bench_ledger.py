"""Usage ledger: the Usage page's 30-day queries on 1,000,000 records (target ≤ 1 s in total on
SQLite) and the median time to append one record (target ≤ 5 ms), with how the query time grows
from 10,000 to 1,000,000 records. Figures are printed as ratios to the targets (≤ 1.00 meets it).

Synthetic records span the last 365 days (a year of use), so a 30-day view holds ~1/12 of them;
the figure with all records inside the 30 days is printed too, as a worst case.
"""
from __future__ import annotations

import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from paramlab.ledger import Filters, Ledger  # noqa: E402
from paramlab.ledger import queries as Q  # noqa: E402

QUERY_TARGET_S = 1.0
APPEND_TARGET_S = 0.005
SIZES = (10_000, 100_000, 1_000_000)
DAY_MS = 86_400_000
MODELS = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "o4-mini", "smollm2-135m-instruct", "llama3.1:8b", "mystery"]
PRICED = {"gpt-4o": (2.5, 10), "gpt-4o-mini": (0.15, 0.6), "gpt-4.1": (2, 8), "o4-mini": (1.1, 4.4),
          "smollm2-135m-instruct": (0, 0), "llama3.1:8b": (0, 0)}
COLS = ["ts_ms", "session_id", "label", "page", "endpoint", "host", "backend", "model", "params", "n", "stream",
        "prompt_tokens", "completion_tokens", "total_tokens", "estimated", "cost", "ttft_ms", "latency_ms",
        "status", "error_class", "finish_reasons"]


def synthetic(n: int, start_ms: int, end_ms: int, rng: random.Random):
    """n records evenly spread from start_ms to end_ms in time order, as a ledger is appended to."""
    step = (end_ms - start_ms) / n
    session = label = page = None
    for i in range(n):
        if i % 40 == 0:  # a browser session makes ~40 requests under one label, mostly from one page
            session, label = f"s{i // 40}", f"exp-{rng.randint(0, 40)}"
            page = rng.choice(("playground", "compare", "sweep"))
        model = rng.choice(MODELS)
        p, c = rng.randint(20, 3000), rng.randint(1, 800)
        price = PRICED.get(model)
        err = rng.random() < 0.03
        lat = int(rng.lognormvariate(6.5, 0.6))
        yield (int(start_ms + i * step), session, label, page, rng.choice(("OpenAI", "Local", "Embedded SmolLM2")),
               "api.openai.com", "openai", model, '{"temperature":0.7}', 1, True, p, c, p + c, False,
               None if price is None else (p * price[0] + c * price[1]) / 1e6,
               None if err else lat // 4, lat, "error" if err else "ok", "RateLimitError" if err else None, '["stop"]')


def fill(led: Ledger, n: int, start_ms: int, end_ms: int, rng: random.Random, batch: int = 50_000) -> None:
    """Raw DBAPI executemany in big batches: the data, not the ORM, is what is being measured."""
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
        conn.exec_driver_sql("ANALYZE")


def page_queries(led: Ledger, now_ms: int, timings: dict | None = None) -> float:
    """What pages/4_Usage.py runs for a 30-day view with no other filter; seconds."""
    f = Filters(now_ms - 30 * DAY_MS, now_ms + 1)
    timings = {} if timings is None else timings

    def timed(name, fn, *a, **k):
        t = time.perf_counter()
        out = fn(conn, f, *a, **k)
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t
        return out

    t0 = time.perf_counter()
    with led.engine.connect() as conn:
        timed("options", Q.options)
        tot = timed("totals", Q.totals)
        timed("over_time", Q.over_time, "day")
        timed("by_model", Q.by_model)
        timed("by_status", Q.by_status)
        for which, key in (("latency", "timed"), ("ttft", "ttft_timed")):
            p = timed(f"p50/p95 {which}", Q.percentiles, which, count=tot[key])
            timed(f"histogram {which}", Q.histogram, which, int((p[0.95] or 1) * 1.5))
        timed("sessions", Q.sessions)
        timed("recent", Q.recent)
    return time.perf_counter() - t0


def append_median(led: Ledger, k: int = 300) -> float:
    from paramlab.result import ChatResult, Choice, Usage

    class Ep:
        name, base_url, backend, embedded = "OpenAI", "https://api.openai.com/v1", "openai", False

    times = []
    for i in range(k):
        res = ChatResult(choices=[Choice(0, "a reply " * 20, finish_reason="stop")],
                         usage=Usage(100, 50, 150), model="gpt-4o",
                         request={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi " * 50}]})
        res.metrics.started_at, res.metrics.latency_s, res.metrics.cost = time.time(), 0.8, 0.001
        t0 = time.perf_counter()
        ok = led.record(Ep(), res, {"page": "bench", "session_id": "bench", "label": "bench"})
        times.append(time.perf_counter() - t0)
        assert ok, led.status
    return statistics.median(times)


def best_of(fn, k: int = 3) -> float:
    return min(fn() for _ in range(k))


def main() -> None:
    rng = random.Random(5)
    now_ms = int(time.time() * 1000)
    first = None
    with tempfile.TemporaryDirectory() as d:
        for size in SIZES:
            led = Ledger.open(f"sqlite:///{os.path.join(d, f'bench{size}.sqlite')}")
            fill(led, size, now_ms - 365 * DAY_MS, now_ms, rng)
            timings: dict = {}
            s = best_of(lambda: page_queries(led, now_ms, timings))
            first = first or s
            print(f"   {size:>9,} records (365 days), 30-day view queries: {s * 1000:7.1f} ms = "
                  f"{s / QUERY_TARGET_S:.2f} × target (1 s); {s / first:.1f}× the 10,000-record time", flush=True)
            if size == SIZES[-1]:
                slow = sorted(timings.items(), key=lambda kv: -kv[1])[:4]
                print("      slowest (3 runs): " + ", ".join(f"{k} {v / 3 * 1000:.0f} ms" for k, v in slow))
                med = append_median(led)
                print(f"   append one record (with text) at {size:,} records: median {med * 1000:.2f} ms = "
                      f"{med / APPEND_TARGET_S:.2f} × target (5 ms)", flush=True)
            led.close()
            os.remove(os.path.join(d, f"bench{size}.sqlite"))
        # Worst case: every record inside the 30-day view.
        led = Ledger.open(f"sqlite:///{os.path.join(d, 'bench30.sqlite')}")
        fill(led, SIZES[-1], now_ms - 29 * DAY_MS, now_ms, rng)
        s = best_of(lambda: page_queries(led, now_ms), 1)
        print(f"   worst case, all {SIZES[-1]:,} records inside the 30 days: {s * 1000:.0f} ms = "
              f"{s / QUERY_TARGET_S:.2f} × target", flush=True)
        led.close()


if __name__ == "__main__":
    main()
