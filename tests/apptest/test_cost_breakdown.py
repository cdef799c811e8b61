"""Each request's cost part by part where the user looks: the Playground's reply metrics tooltip and
the inspector, for a reply with cached, reasoning and flex-tier usage from our own server."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.common import state
from support.fault_server import FaultServer, Reply, chat_stream

ROOT = Path(__file__).resolve().parents[2]
USAGE = {"prompt_tokens": 2_000, "completion_tokens": 500, "total_tokens": 2_500,
         "prompt_tokens_details": {"cached_tokens": 1_500, "audio_tokens": 0},
         "completion_tokens_details": {"reasoning_tokens": 300, "audio_tokens": 0,
                                       "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}


def test_reply_tooltip_and_inspector_show_the_breakdown(ledger_at, tmp_path, monkeypatch):
    led = ledger_at()
    stream = chat_stream(["It ", "depends."], usage=USAGE).replace(
        b'"object": "chat.completion.chunk"', b'"object": "chat.completion.chunk", "service_tier": "flex"', 1)
    with FaultServer(Reply(200, stream, content_type="text/event-stream")) as fs:
        cfg = tmp_path / "paid.yaml"
        cfg.write_text(f"endpoints:\n  - name: Paid\n    base_url: {fs.base_url}\n    models: [o4-mini]\n"
                       "    backend: openai\ndefault_endpoint: Paid\n")
        monkeypatch.setenv("CHAT_CONFIG", str(cfg))
        monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "1")
        state._settings_cached.clear()
        try:
            at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=60).run()
            at.text_area(key="w.prompt").input("Which is cheaper?").run()
            at.button(key="send").click().run()
            at.run()
            assert not at.exception and fs.count == 1
        finally:
            state._settings_cached.clear()
    # o4-mini at the flex tier ($0.55 in, $0.138 cached, $2.20 out): 500 × 0.55 + 1,500 × 0.138
    # + 200 × 2.20 + 300 × 2.20 = 275 + 207 + 440 + 660 = 1,582 millionths
    tips = [c.proto.help for c in at.caption if "Cost" in c.value and c.proto.help]
    tip = next(t for t in tips if "Priced as" in t)
    assert "Priced as `o4-mini`, flex tier" in tip
    assert "cached input: 1,500 tok × $0.138/M = $0.000207" in tip
    assert "reasoning: 300 tok × $2.2/M = $0.000660" in tip and "output: 200 tok × $2.2/M = $0.000440" in tip
    assert any("**Cost $0.001582**" in m.value for m in at.markdown)  # the inspector's breakdown
    row = led.request(1)
    assert row["service_tier"] == "flex" and row["price_tier"] == "flex"
    assert abs(row["cost"] - 0.001582) < 1e-12 and abs(row["cost_cached_input"] - 0.000207) < 1e-12


def test_saving_a_dated_price_reprices_the_ledger_from_that_date(ledger_at):
    from components.common import services
    from paramlab.client.result import ChatResult, Choice, Usage
    from paramlab.settings import Endpoint
    from paramlab.usage import pricing
    from paramlab.usage.pricing import Price, PriceTable

    led = ledger_at()
    ep = Endpoint(name="E", base_url="https://api.example.com/v1", backend="openai")
    old = PriceTable({"m": [Price(1.0, 2.0)]})
    for day in (5, 25):  # 2026-01-06 and 2026-01-26
        r = ChatResult(choices=[Choice(0, "ok", finish_reason="stop")], usage=Usage(1_000, 100, 1_100), model="m",
                       request={"model": "m", "messages": [{"role": "user", "content": "hi"}]})
        r.metrics.started_at = 1_767_225_600 + day * 86_400
        pricing.apply(old, ep, r)
        assert led.record(ep, r, {"page": "playground"})
    new = PriceTable({"m": [Price(1.0, 2.0), Price(3.0, 4.0, effective="2026-01-15")]})
    assert services.reprice_ledger(old, new) == (1, None)
    assert abs(led.request(1)["cost"] - 0.0012) < 1e-12 and abs(led.request(2)["cost"] - 0.0034) < 1e-12
