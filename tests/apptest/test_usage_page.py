"""The Usage page (AppTest), the services that feed it (pricing + ledger observers) and budget warnings."""
from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.common import services
from paramlab.usage import budget
from paramlab.usage import pricing
from paramlab.client.chat import ChatClient
from paramlab.usage.ledger import Ledger
from paramlab.usage.ledger import queries as Q

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "4_Usage.py")


def seed(led: Ledger) -> None:
    """Twelve requests, one an hour back from now: eight priced at $0.25, four of an unknown model."""
    now = int(time.time() * 1000)
    led.append_many([_row(i, now) for i in range(12)])


def _row(i: int, now: int) -> dict:
    model = ["gpt-4o", "gpt-4o-mini", "mystery"][i % 3]
    return dict(ts_ms=now - i * 3_600_000, session_id=f"s{i % 2}", label=["exp-a", "exp-b"][i % 2],
                page="playground" if i < 8 else "compare", endpoint="OpenAI", host="api.openai.com",
                backend="openai", model=model, params="{}", prompt_tokens=100, completion_tokens=10,
                total_tokens=110, estimated=False, cost=None if model == "mystery" else 0.25,
                ttft_ms=100 + i, latency_ms=1000 + 10 * i, status="error" if i == 5 else "ok",
                error_class="RateLimitError" if i == 5 else None, finish_reasons='["stop"]')


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_the_page_shows_totals_charts_and_tables(ledger_at):
    seed(ledger_at())
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    assert metric(at, "Requests") == "12" and metric(at, "Prompt tokens") == "1,200"
    assert metric(at, "Cost") == "$2.00"  # 8 priced requests × $0.25; the 4 unknown are not counted as $0
    assert any("4 request(s) used a model with no known price" in c.value for c in at.caption)
    # nearest rank 6 of 1000..1110 ms is 1050 ms, read from its duration bucket 1024-1087 ms (middle 1055.5 ms)
    assert metric(at, "Latency p50") == "1.06 s"
    assert any("accurate to the bucket width" in c.value for c in at.caption)
    assert len(at.get("vega_lite_chart")) == 9  # 6 usage charts, 2 forecasts, 1 what-if
    sessions = next(d for d in at.dataframe if "session_id" in d.value.columns)
    assert len(sessions.value) == 2  # sessions: one row per label / browser session
    assert len(next(d for d in at.dataframe if d.key == "usage.requests").value) == 12


def test_no_requests_cost_nothing_not_unknown(ledger_at):
    ledger_at()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and not at.error
    assert metric(at, "Requests") == "0"
    assert metric(at, "Cost") == "$0"


def test_filters_narrow_every_figure(ledger_at):
    seed(ledger_at())
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.multiselect(key="usage.models").select("mystery").run()
    assert metric(at, "Requests") == "4" and metric(at, "Cost") == "unknown"
    at.multiselect(key="usage.models").unselect("mystery").run()
    at.multiselect(key="usage.pages").select("compare").run()
    assert metric(at, "Requests") == "4"
    at.multiselect(key="usage.labels").select("exp-a").run()
    assert metric(at, "Requests") == "2"


def test_a_corrupt_ledger_gives_a_clear_message_and_the_page_still_renders(ledger_at, tmp_path):
    bad = tmp_path / "broken.sqlite"
    bad.write_bytes(b"garbage" * 1000)
    assert ledger_at(f"sqlite:///{bad}") is None
    assert "corrupt" in services.ledger_status()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert any("corrupt" in e.value and "Requests still work" in e.value for e in at.error)


def test_observers_price_then_record_real_requests(ledger_at, engine_endpoint):
    led = ledger_at()
    body = {"model": "smollm2", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5, "temperature": 0}
    ctx = {"page": "playground", "session_id": "abc", "label": "lab"}
    # embedded engine: free
    r1 = ChatClient(engine_endpoint).run(body, context=ctx)
    assert r1.metrics.cost == 0.0
    # the same server presented as a paid remote endpoint: unknown model → unknown cost, never 0
    remote = replace(engine_endpoint, embedded=False, backend="vllm", name="Remote")
    r2 = ChatClient(remote).run({**body, "model": "my-private-model"}, context=ctx)
    assert r2.metrics.cost is None
    # a priced model name: hand-computed from the usage the server reported
    r3 = ChatClient(remote).run({**body, "model": "gpt-4o-mini"}, context=ctx)
    u = r3.usage  # llama.cpp reports its prompt cache as cached_tokens: those cost the cached price
    cached = u.cached_tokens or 0
    expected = ((u.prompt_tokens - cached) * 0.15 + cached * 0.075 + u.completion_tokens * 0.60) / 1e6
    assert r3.metrics.cost == pytest.approx(expected) and r3.metrics.cost > 0
    assert led.count() == 3 and services.ledger_status() is None
    with led.engine.connect() as c:
        rows = Q.recent(c, Q.Filters())
    assert [r["cost"] for r in rows][::-1][:2] == [0.0, None]
    assert rows[0]["cost"] == pytest.approx(r3.metrics.cost)


def test_text_recording_can_be_turned_off(ledger_at, engine_endpoint, monkeypatch):
    monkeypatch.setenv("CHAT_LEDGER_STORE_TEXT", "0")
    led = ledger_at()
    assert led.store_text is False
    ChatClient(engine_endpoint).run({"model": "m", "messages": [{"role": "user", "content": "private words"}],
                                     "max_tokens": 3}, context={"page": "playground"})
    row = led.request(1)
    assert row["messages"] is None and row["prompt_tokens"]
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert at.toggle(key="usage.store_text").value is False
    at.toggle(key="usage.store_text").set_value(True).run()
    assert led.store_text is True


def test_budget_warnings(ledger_at, tmp_path):
    led = ledger_at()
    seed(led)  # $2.00 spent in the last 12 hours (some of it may fall on yesterday, or last month)
    # and $0.50 just now: this month's spend passes $0.50 even early on the 1st (it once failed then)
    led.append_many([{**_row(0, int(time.time() * 1000)), "cost": 0.50}])
    spent_today = services.ledger().spend_since(budget.period_starts()[0])
    budget.save_budget(budget.Budget(daily=spent_today + 0.10, monthly=None))

    def page(wc):
        from components.common import budget as budget_ui
        budget_ui.warn(wc)

    quiet = AppTest.from_function(page, args=(0.05,)).run()
    assert not quiet.exception and not quiet.warning
    loud = AppTest.from_function(page, args=(0.50,)).run()
    assert "could cost up to $0.50" in loud.warning[0].value and "daily budget" in loud.warning[0].value
    budget.save_budget(budget.Budget(daily=None, monthly=0.5))
    over = AppTest.from_function(page, args=(None,)).run()
    assert "monthly budget of $0.50 is used up" in over.warning[0].value


def test_price_edits_from_the_page_are_saved_and_used(ledger_at, tmp_path):
    ledger_at()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    table = pricing.load_prices()
    table.prices["my-model"] = [pricing.Price(1.0, 2.0)]
    pricing.save_user_prices(table)
    services.reload_prices()
    p = services.prices().price_for("my-model", None)
    assert (p.input, p.output, p.cached_input, p.source) == (1.0, 2.0, None, "edited")
    saved = (tmp_path / "prices.yaml").read_text()
    assert "my-model" in saved and json.dumps("gpt-4o-mini") not in saved


def test_the_page_on_postgresql(ledger_at):
    """The same page and figures with the ledger (and its rollups) on the real PostgreSQL."""
    from support.ledger_support import fresh_postgres_db

    url, drop = fresh_postgres_db()
    try:
        led = ledger_at(url)
        assert led is not None and led.dialect == "postgresql", services.ledger_status()
        seed(led)
        at = AppTest.from_file(PAGE, default_timeout=60).run()
        assert not at.exception and not at.error
        assert metric(at, "Requests") == "12" and metric(at, "Cost") == "$2.00"
        assert metric(at, "Latency p50") == "1.06 s" and len(at.get("vega_lite_chart")) == 9
        at.multiselect(key="usage.models").select("mystery").run()
        assert metric(at, "Requests") == "4" and metric(at, "Cost") == "unknown"
    finally:
        services.open_ledger()  # back to the SQLite file in the test data dir, letting go of the database
        drop()
