"""Usage and budget defects of issue 10: a failed request for a priced model is not "no known
price"; budgets keep their exact amount; a rejected budget is not also "saved"."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.common import services
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint
from paramlab.usage import budget
from paramlab.usage.ledger import queries as Q
from support.failing_servers import closed_port

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "4_Usage.py")


def test_a_refused_request_for_a_priced_model_costs_zero_not_unknown(ledger_at):
    led = ledger_at()
    ep = Endpoint(name="Priced", base_url=f"http://127.0.0.1:{closed_port()}/v1", backend="openai")
    res = ChatClient(ep).run({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
                             context={"page": "playground"})
    assert res.status == "error" and res.metrics.cost == 0.0
    unknown = ChatClient(ep).run({"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]},
                                 context={"page": "playground"})
    assert unknown.metrics.cost is None  # no price: unknown, never $0
    with led.engine.connect() as c:
        t = Q.totals(c, Q.Filters())
    assert (t["requests"], t["priced"]) == (2, 1)


def test_a_tiny_budget_is_saved_and_shown_exactly(ledger_at):
    ledger_at()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    next(n for n in at.number_input if n.label == "Daily budget ($)").set_value(0.0001)
    next(b for b in at.button if b.label == "Save budgets").click().run()
    assert not at.exception
    assert budget.load_budget().daily == 0.0001
    assert any("daily $0.0001" in s.value for s in at.success)
    assert next(n for n in at.number_input if n.label == "Daily budget ($)").value == 0.0001
    assert budget.check(budget.load_budget(), 0.0, 0.0, 0.001)[0].startswith(
        "This request could cost up to $0.001, which would pass the daily budget of $0.0001")


def test_a_negative_budget_is_refused_and_not_saved(ledger_at):
    ledger_at()
    budget.save_budget(budget.Budget(daily=5.0))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    next(n for n in at.number_input if n.label == "Daily budget ($)").set_value(-3.0)
    next(b for b in at.button if b.label == "Save budgets").click().run()
    assert [e.value for e in at.error] == ["Not saved — Daily budget: must be zero or more, got -3.0"]
    assert not at.success
    assert budget.load_budget().daily == 5.0


def test_the_headline_cost_is_readable(ledger_at):
    import time
    led = ledger_at()
    led.append_many([dict(ts_ms=int(time.time() * 1000), session_id="s", label="", page="playground",
                          endpoint="OpenAI", host="api.openai.com", backend="openai", model="gpt-4o-mini",
                          params="{}", prompt_tokens=10, completion_tokens=10, total_tokens=20, estimated=False,
                          cost=0.0123456, status="ok", finish_reasons='["stop"]')])
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert next(m.value for m in at.metric if m.label == "Cost") == "$0.01235"


def test_compare_shows_the_worst_case_and_warns_about_the_budget(ledger_at, tmp_path, monkeypatch):
    ledger_at()
    cfg = tmp_path / "priced.yaml"
    cfg.write_text(f"endpoints:\n  - name: Priced\n    base_url: http://127.0.0.1:{closed_port()}/v1\n"
                   "    models: [gpt-4o-mini]\n    backend: openai\ndefault_endpoint: Priced\n")
    monkeypatch.setenv("CHAT_CONFIG", str(cfg))
    from components.common import state
    state._settings_cached.clear()
    try:
        budget.save_budget(budget.Budget(daily=0.0001))
        at = AppTest.from_file(str(Path(PAGE).parent / "2_Compare.py"), default_timeout=60).run()
        assert not at.exception
        for p in at.session_state["cmp.panes"]:
            p.params["max_tokens"] = 1000
        at.run()
        wc = next(c.value for c in at.caption if c.value.startswith("Worst-case cost of one run:"))
        # two panes, each ≥ 1,000 output tokens at $0.60 per million
        dollars = float(wc.split("**$")[1].split("**")[0])
        assert 0.0012 <= dollars < 0.0013, wc
        warnings = [w.value for w in at.warning if "budget" in w.value]
        assert len(warnings) == 1 and warnings[0].startswith("This request could cost up to $0.0012")
        assert warnings[0].endswith("which would pass the daily budget of $0.0001 ($0.0000 spent).")
    finally:
        state._settings_cached.clear()
