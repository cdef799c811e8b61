"""Costs that reconcile: real recorded replies replayed over HTTP and priced by ParamLab equal the
same figures computed by hand (and OpenRouter's own bill), price changes apply from their date,
and what-if re-pricing and the forecast give known answers on seeded ledgers (SQLite and PostgreSQL).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.client.chat import ChatClient, Timeouts
from paramlab.client.result import ChatResult, Choice, Usage
from paramlab.settings import Endpoint
from paramlab.usage import forecast, pricing
from paramlab.usage.ledger import Filters, Ledger
from paramlab.usage.ledger import queries as Q
from paramlab.usage.ledger import repricing
from paramlab.usage.pricing import Price, PriceTable
from support.fault_server import FaultServer, Reply, Stream
from support.ledger_support import db_url  # noqa: F401 - the parametrised fixture
from support.ledger_support import copy_to_upgrade, old_file_url, old_ledger

CORPUS = Path(__file__).resolve().parents[1] / "support" / "corpus"
DAY_MS, HOUR_MS = 86_400_000, 3_600_000
T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def replay(name: str) -> tuple[ChatResult, dict]:
    """The recorded reply served by our own server on 127.0.0.1 and read by the real client."""
    rec = json.loads((CORPUS / name).read_text())
    body = rec["body"].encode()
    if rec["stream"]:
        behaviour = Stream([body], content_type=rec["headers"]["content-type"])
    else:  # the decompressed body as recorded (decoding gzip is the transport's own corpus test)
        behaviour = Reply(rec["status"], body, {}, rec["headers"]["content-type"])
    request = {**(rec["request"] or {}), "stream": rec["stream"]}
    with FaultServer(behaviour) as fs:
        result = ChatClient(Endpoint(name="replay", base_url=fs.base_url, backend="openai"),
                            timeouts=Timeouts(connect=2, read=5, total=20)).run(request)
    assert result.status == "ok", result.error
    return result, rec


def priced_at_recording(result: ChatResult, created: int) -> pricing.Breakdown:
    result.metrics.started_at = created  # the price in force when the reply was recorded
    return pricing.apply(pricing.load_prices(), Endpoint(name="x", base_url="https://api.example.com/v1",
                                                         backend="openai"), result)


def test_openai_reply_with_every_usage_detail_and_its_service_tier():
    r, rec = replay("openai__nonstream-n2-pretty-json-gzip.json")
    u = r.usage
    assert (u.prompt_tokens, u.completion_tokens, u.cached_tokens, u.audio_input_tokens, u.reasoning_tokens,
            u.audio_output_tokens, u.accepted_prediction_tokens, u.rejected_prediction_tokens) == (11, 29, 0, 0, 0, 0, 0, 0)
    assert r.service_tier == "default" and r.model == "gpt-3.5-turbo-0125"
    b = priced_at_recording(r, r.created)
    # by hand: gpt-3.5-turbo $0.50 / $1.50 per million: 11 × 0.50 + 29 × 1.50 = 49 millionths
    assert b.tier == "standard" and b.total == pytest.approx(49e-6, abs=1e-12)
    assert r.metrics.cost_parts["model"] == "gpt-3.5-turbo" and r.metrics.cost_parts["dollars"]["output"] == pytest.approx(43.5e-6)


def test_openai_o3_mini_hidden_reasoning_is_billed_as_output():
    r, _ = replay("openai__nonstream-o3-mini-hidden-reasoning-tokens.json")
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.reasoning_tokens) == (13, 238, 192)
    assert r.model == "o3-mini-2025-01-31" and r.service_tier == "default"
    b = priced_at_recording(r, r.created)
    # by hand, o3-mini at $1.10 / $4.40 per million: 13 × 1.10 = 14.3; the 238 completion tokens (192 of
    # them reasoning nobody sees) × 4.40 = 1047.2; 1061.5 millionths in all
    assert b.total == pytest.approx(1061.5e-6, abs=1e-12)
    d = b.dollars()
    assert d["input"] == pytest.approx(14.3e-6) and d["output"] + d["reasoning"] == pytest.approx(1047.2e-6)
    assert d["reasoning"] == pytest.approx(192 * 4.40e-6)  # shown apart, at the output price


def test_openai_gpt4o_snapshot_priced_as_its_alias():
    r, _ = replay("openai__nonstream-refusal-gzip.json")
    b = priced_at_recording(r, r.created)
    # gpt-4o-2024-08-06 at $2.50 / $10: 65 × 2.50 + 13 × 10 = 292.5 millionths
    assert b.total == pytest.approx(292.5e-6, abs=1e-12)
    assert b.dollars() == pytest.approx({"input": 162.5e-6, "cached_input": 0.0, "cache_write": 0.0,
                                         "output": 130e-6, "reasoning": 0.0, "audio": 0.0})


def test_openrouter_reasoning_reply_equals_the_providers_own_bill():
    r, rec = replay("openrouter__stream-reasoning-details.json")
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.reasoning_tokens) == (43, 36, 13)
    b = priced_at_recording(r, r.created)
    billed = json.loads(rec["body"].split("data: ")[-2])["usage"]["cost"]  # OpenRouter's cost field: 0.000669
    # by hand: claude-sonnet-4.5 $3 / $15: 43 × 3 + 23 × 15 (output) + 13 × 15 (reasoning) = 669 millionths
    assert billed == 0.000669 and b.total == pytest.approx(billed, abs=1e-12)
    assert b.dollars()["reasoning"] == pytest.approx(195e-6) and b.dollars()["output"] == pytest.approx(345e-6)


def test_deepseek_reasoner_priced_at_the_price_in_force_when_it_ran():
    r, _ = replay("deepseek__stream-reasoner-reasoning-content.json")
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.reasoning_tokens, r.usage.cached_tokens) == (
        6, 212, 198, 0)
    b = priced_at_recording(r, r.created)  # 2025-07-10: $0.55 in, $2.19 out
    assert b.effective is None and b.total == pytest.approx((6 * 0.55 + 212 * 2.19) / 1e6, abs=1e-12)
    # the same usage after DeepSeek's price change of 2025-09-29: $0.28 in, $0.42 out
    later = pricing.breakdown(r.usage, pricing.load_prices().lookup("deepseek-reasoner", 1_760_000_000))
    assert later.effective == "2025-09-29" and later.total == pytest.approx((6 * 0.28 + 212 * 0.42) / 1e6, abs=1e-12)


def test_gemini_thinking_counted_only_in_the_total_is_billed_as_reasoning():
    r, rec = replay("gemini__nonstream-tool-call-total-includes-thinking.json")
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (35, 12, 126)
    b = priced_at_recording(r, r.created)
    # by hand: gemini-2.5-pro $1.25 / $10: 35 × 1.25 + 12 × 10 + 79 hidden thinking × 10 = 953.75 millionths
    # (prompt + completion alone would be 163.75: 83 % short of the bill)
    assert b.total == pytest.approx(953.75e-6, abs=1e-12)
    assert b.dollars()["reasoning"] == pytest.approx(790e-6) and b.dollars()["output"] == pytest.approx(120e-6)
    # xAI's shape: reasoning_tokens reported, also outside completion_tokens
    xai = pricing.breakdown(Usage(10, 20, 130, reasoning_tokens=100), Price(1.0, 10.0))
    assert xai.total == pytest.approx((10 * 1 + 20 * 10 + 100 * 10) / 1e6)


def test_xai_reasoning_outside_completion_tokens_equals_xais_own_bill():
    r, rec = replay("xai__nonstream-grok3-mini-reasoning-outside-completion-tokens.json")
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens, r.usage.cached_tokens) == (
        307, 26, 588, 244)
    b = priced_at_recording(r, r.created)
    billed = json.loads(rec["body"])["usage"]["cost_in_usd_ticks"] * 1e-10  # xAI's own bill: $0.0001777
    # by hand, grok-3-mini $0.30 / $0.50, cached $0.075: 63 × 0.30 + 244 × 0.075 + 26 × 0.50 (output)
    # + 255 × 0.50 (reasoning, counted only in the total) = 177.7 millionths
    assert b.total == pytest.approx(177.7e-6, abs=1e-12) and b.total == pytest.approx(billed, abs=1e-12)
    assert b.dollars()["reasoning"] == pytest.approx(127.5e-6) and b.dollars()["output"] == pytest.approx(13e-6)


def test_a_model_missing_from_the_table_costs_what_the_provider_billed():
    """OpenRouter and xAI send their own charge with the reply: without a price it is the cost
    (it was "unknown"), with one it is noted beside the table's figure."""
    for name, billed in (("openrouter__stream-reasoning-details.json", 0.000669),
                         ("xai__nonstream-grok3-mini-reasoning-outside-completion-tokens.json", 0.0001777)):
        r, _ = replay(name)
        assert r.usage.billed == pytest.approx(billed, abs=1e-12)
        b = pricing.apply(PriceTable({}), Endpoint(name="x", base_url="https://api.example.com/v1", backend="openai"), r)
        assert b is None and r.metrics.cost == pytest.approx(billed, abs=1e-12)
        assert r.metrics.cost_parts["model"] == pricing.BILLED and r.metrics.cost_parts["parts"] == []
        priced_at_recording(r, r.created)  # the shipped table has both models
        assert r.metrics.cost_parts["model"] != pricing.BILLED
        assert r.metrics.cost_parts["notes"][-1] == f"The provider reported charging ${billed:.6f} for this request (the same)."


def test_perplexitys_cost_object_is_its_bill():
    """Perplexity reports its charge as an object in usage (token costs plus a per-request search
    fee, all in dollars): its total is the bill, which no token price table could work out."""
    r, rec = replay("perplexity__nonstream-sonar-citations-cost-delta-in-message.json")
    billed = json.loads(rec["body"])["usage"]["cost"]["total_cost"]  # $0.00507, $0.005 of it the request fee
    assert billed == 0.00507 and r.usage.billed == pytest.approx(billed, abs=1e-12)
    b = pricing.apply(PriceTable({}), Endpoint(name="x", base_url="https://api.example.com/v1", backend="openai"), r)
    assert b is None and r.metrics.cost == pytest.approx(billed, abs=1e-12)
    assert r.metrics.cost_parts["model"] == pricing.BILLED


def test_the_providers_bill_is_read_only_where_it_is_the_charge():
    assert Usage.from_api({"prompt_tokens": 1, "cost": 0.25}).billed == 0.25  # OpenRouter: dollars
    assert Usage.from_api({"cost_in_usd_ticks": 1_777_000}).billed == pytest.approx(0.0001777)  # xAI: 1e-10 $
    assert Usage.from_api({"cost": 0.01, "is_byok": True}).billed is None  # only OpenRouter's fee
    assert Usage.from_api({"cost": {"total_cost": 0.00507}}).billed == 0.00507  # Perplexity: an object
    for junk in ("0.1", -1, True, float("nan"), None, {}, {"total_cost": "0.1"}, {"request_cost": 0.005}):
        assert Usage.from_api({"cost": junk}).billed is None
    assert Usage.from_api({"prompt_tokens": 3}).billed is None


def test_a_price_edit_never_rewrites_a_providers_bill(db_url):
    ep = Endpoint(name="E", base_url="https://api.example.com/v1", backend="openai")
    led = Ledger.open(db_url)
    r = result_at(T0 / 1000)
    r.usage.billed = 0.5
    pricing.apply(PriceTable({}), ep, r)
    assert r.metrics.cost == 0.5 and led.record(ep, r, {"page": "relay"})
    with led.engine.begin() as c:  # the model gets a price: the billed row keeps what was charged
        assert repricing.reprice(c, PriceTable({}), PriceTable({"m": [Price(1.0, 2.0)]})) == 0
    rec = led.request(1)
    assert rec["cost"] == 0.5 and rec["price_model"] == pricing.BILLED
    led.close()


def test_every_part_priced_by_hand():
    p = Price(2.0, 8.0, cached_input=0.5, cache_write=2.5, reasoning=10.0, audio_input=40.0, audio_output=80.0,
              tiers={"flex": Price(1.0, 4.0, cached_input=0.25)})
    u = Usage(10_000, 3_000, 13_000, cached_tokens=4_000, reasoning_tokens=1_000, cache_write_tokens=2_000,
              audio_input_tokens=1_000, audio_output_tokens=500, rejected_prediction_tokens=7)
    b = pricing.breakdown(u, p)
    # input 3,000 × 2 + cached 4,000 × 0.5 + write 2,000 × 2.5 + audio in 1,000 × 40
    # + output 1,500 × 8 + reasoning 1,000 × 10 + audio out 500 × 80 = 6,000 + 2,000 + 5,000 + 40,000
    # + 12,000 + 10,000 + 40,000 = 115,000 millionths
    assert b.total == pytest.approx(0.115)
    assert b.dollars() == pytest.approx({"input": 0.006, "cached_input": 0.002, "cache_write": 0.005,
                                         "output": 0.012, "reasoning": 0.010, "audio": 0.080})
    assert any("7 rejected prediction tokens, billed as output" in n for n in b.notes)
    flex = pricing.breakdown(Usage(1_000, 100, 1_100, cached_tokens=400), p, "flex")
    assert flex.tier == "flex" and flex.total == pytest.approx((600 * 1.0 + 400 * 0.25 + 100 * 4.0) / 1e6)
    prio = pricing.breakdown(Usage(1_000, 100, 1_100), p, "priority")  # no priority price in the table
    assert prio.tier == "standard" and "no priority price" in prio.notes[0]
    no_audio = pricing.breakdown(Usage(100, 10, 110, audio_input_tokens=5), Price(1.0, 1.0))
    assert no_audio.total is None and "no price" in no_audio.notes[0]  # unknown, never 0


def test_litellm_import_maps_every_field_and_tier():
    spec = {"gpt-x": {"mode": "chat", "input_cost_per_token": 2e-6, "output_cost_per_token": 8e-6,
                      "cache_read_input_token_cost": 5e-7, "cache_creation_input_token_cost": 2.5e-6,
                      "output_cost_per_reasoning_token": 1e-5, "input_cost_per_audio_token": 4e-5,
                      "output_cost_per_audio_token": 8e-5, "input_cost_per_token_flex": 1e-6,
                      "output_cost_per_token_flex": 4e-6, "cache_read_input_token_cost_flex": 2.5e-7,
                      "input_cost_per_token_priority": 3.5e-6, "output_cost_per_token_priority": 1.4e-5,
                      "input_cost_per_token_batches": 1e-6, "output_cost_per_token_batches": 4e-6}}
    p = pricing.import_litellm(spec).prices["gpt-x"][0]
    assert (p.input, p.output, p.cached_input, p.cache_write, p.reasoning, p.audio_input, p.audio_output) == \
        pytest.approx((2.0, 8.0, 0.5, 2.5, 10.0, 40.0, 80.0))
    assert set(p.tiers) == {"flex", "priority", "batch"}
    assert (p.tiers["flex"].input, p.tiers["flex"].cached_input, p.tiers["priority"].output) == pytest.approx((1.0, 0.25, 14.0))


def test_dated_prices_in_yaml_and_their_errors():
    doc = {"taken": "2026-01-01", "models": {"m": [{"input": 1, "output": 2},
                                                   {"from": "2026-01-15", "input": 3, "output": 4}]}}
    t = pricing.parse_prices(doc)
    assert t.lookup("m", (T0 + 13 * DAY_MS) / 1000).input == 1.0
    assert t.lookup("m", (T0 + 14 * DAY_MS) / 1000).input == 3.0  # from 00:00 UTC on the 15th
    assert pricing.parse_prices(__import__("yaml").safe_load(t.to_yaml())).prices == t.prices
    with pytest.raises(pricing.PriceError, match=r"models\.m\[1\]\.from: must be a date"):
        pricing.parse_prices({"models": {"m": [{"input": 1, "output": 2}, {"from": "soon", "input": 1, "output": 2}]}})
    with pytest.raises(pricing.PriceError, match=r"models\.m\.tiers\.turbo: must be one of"):
        pricing.parse_prices({"models": {"m": {"input": 1, "output": 2, "tiers": {"turbo": {"input": 1, "output": 1}}}}})
    with pytest.raises(pricing.PriceError, match=r"row 2 \(m\) input: is required"):
        pricing.table_from_rows([{"model": "m", "input": 1, "output": 1}, {"model": "m", "from": "2026-02-01"}], t)
    shipped = pricing.load_prices()
    assert shipped.taken and shipped.source and "openai.com" in shipped.source


# -- the ledger ----------------------------------------------------------------------------
def row(ts_ms: int, model: str = "m", prompt: int = 1_000, completion: int = 100, cached: int = 0, cost=None,
        backend: str = "openai", tier: str | None = None, **extra) -> dict:
    return {"ts_ms": ts_ms, "session_id": "s", "label": "l", "page": "playground", "endpoint": "E", "host": "h",
            "backend": backend, "model": model, "prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion, "cached_tokens": cached, "reasoning_tokens": 0, "cost": cost,
            "status": "ok", "estimated": False, "service_tier": tier, **extra}


def result_at(ts_s: float, model: str = "m") -> ChatResult:
    r = ChatResult(choices=[Choice(0, "ok", finish_reason="stop")], usage=Usage(1_000, 100, 1_100), model=model,
                   request={"model": model, "messages": [{"role": "user", "content": "hi"}]})
    r.metrics.started_at = ts_s
    return r


def test_a_mid_month_price_change_reprices_only_later_requests(db_url):
    old = PriceTable({"m": [Price(1.0, 2.0)]})
    ep = Endpoint(name="E", base_url="https://api.example.com/v1", backend="openai")
    led = Ledger.open(db_url)
    for day in range(30):  # one request a day in January, priced as it ran: 1,000 × $1 + 100 × $2 = $0.0012
        r = result_at((T0 + day * DAY_MS + 12 * HOUR_MS) / 1000)
        pricing.apply(old, ep, r)
        assert led.record(ep, r, {"page": "playground"})
    new = PriceTable({"m": [Price(1.0, 2.0), Price(3.0, 4.0, effective="2026-01-15")]})
    with led.engine.begin() as c:
        assert repricing.reprice(c, old, new) == 16  # the 15th to the 30th
    with led.engine.connect() as c:
        days = Q.over_time(c, Filters(T0, T0 + 31 * DAY_MS), "day")
        assert [d["cost"] for d in days] == pytest.approx([0.0012] * 14 + [0.0034] * 16)  # 3,000 + 400
        assert Q.totals(c, Filters())["cost"] == pytest.approx(14 * 0.0012 + 16 * 0.0034)
        # days 11-19 whole from the day rollups (rebuilt from the 15th on), the hours of day 10 hourly
        mid = Filters(T0 + 10 * DAY_MS + 5 * HOUR_MS, T0 + 20 * DAY_MS)
        assert Q.totals(c, mid)["cost"] == pytest.approx(4 * 0.0012 + 6 * 0.0034)  # the 11th-14th, the 15th-20th
        assert Q.by_model(c, mid)[0]["cost"] == pytest.approx(4 * 0.0012 + 6 * 0.0034)
    late = led.request(20)
    assert late["price_from"] == "2026-01-15" and late["cost_input"] == pytest.approx(0.003)
    early = led.request(3)
    assert early["price_from"] is None and early["cost"] == pytest.approx(0.0012)
    with led.engine.begin() as c:
        assert repricing.reprice(c, new, new) == 0  # nothing changed, nothing re-priced
    led.close()


def test_whatif_on_a_seeded_ledger(db_url):
    led = Ledger.open(db_url, store_text=False)
    rows = [row(T0 + h * HOUR_MS, "gpt-a", 1_000, 100, 400, cost=0.01) for h in range(48)]  # two days
    rows += [row(T0 + h * HOUR_MS + 60_000, "gpt-b", 2_000, 0, cost=0.02, tier="flex") for h in range(0, 48, 2)]
    rows += [row(T0 + 5 * HOUR_MS, "local-llama", 500, 500, cost=0.0, backend="ollama")]
    rows += [row(T0 + 7 * HOUR_MS, "mystery", 100, 100, cost=None)]
    led.append_many(rows)
    table = PriceTable({"gpt-a": [Price(1.0, 10.0, 0.5)],
                        "gpt-b": [Price(2.0, 20.0, tiers={"flex": Price(1.0, 10.0)})],
                        "cheap": [Price(0.1, 1.0, 0.05, tiers={"batch": Price(0.05, 0.5)})]})
    f = Filters(T0, T0 + 2 * DAY_MS)
    with led.engine.connect() as c:
        own = repricing.whatif(c, f, repricing.Scenario(table))
        t = own["totals"]
        # gpt-a: 600 × 1 + 400 × 0.5 + 100 × 10 = 1,800 millionths × 48; gpt-b flex: 2,000 × 1 = 2,000 × 24
        assert t["whatif"] == pytest.approx(48 * 0.0018 + 24 * 0.002)
        assert t["actual"] == pytest.approx(48 * 0.01 + 24 * 0.02) and t["unpriced"] == 1 and t["actual_unpriced"] == 1
        assert t["difference"] == pytest.approx(t["whatif"] - t["actual"])
        assert [d["whatif"] for d in own["by_day"]] == pytest.approx([24 * 0.0018 + 12 * 0.002] * 2)
        models = {m["model"]: m for m in own["by_model"]}
        assert models["local-llama"]["whatif"] == 0.0 and models["local-llama"]["unpriced"] == 0
        assert models["mystery"]["unpriced"] == 1
        assert t["cached_input"] == pytest.approx(48 * 400 * 0.5 / 1e6)
        as_cheap = repricing.whatif(c, f, repricing.Scenario(table, model="cheap", tier="batch", cached_share=0.5))
        a = as_cheap["totals"]
        # every request as "cheap" at batch ($0.05 in, cached falls back to the batch input price, $0.5 out)
        per = {"gpt-a": (1_000 * 0.05 + 100 * 0.5) / 1e6, "gpt-b": 2_000 * 0.05 / 1e6,
               "local-llama": (500 * 0.05 + 500 * 0.5) / 1e6, "mystery": (100 * 0.05 + 100 * 0.5) / 1e6}
        assert a["whatif"] == pytest.approx(48 * per["gpt-a"] + 24 * per["gpt-b"] + per["local-llama"] + per["mystery"])
        assert a["unpriced"] == 0 and a["tier_missing"] == 0
        assert own["totals"]["tier_missing"] == 0  # gpt-b's flex requests: the table has flex for it
        as_prio = repricing.whatif(c, f, repricing.Scenario(table, tier="priority"))["totals"]
        assert as_prio["tier_missing"] == 48 + 24 and as_prio["whatif"] == pytest.approx(48 * 0.0018 + 24 * 0.004)
        one_day = repricing.whatif(c, Filters(T0, T0 + DAY_MS, models=["gpt-a"]), repricing.Scenario(table))
        assert one_day["totals"]["requests"] == 24 and one_day["totals"]["whatif"] == pytest.approx(24 * 0.0018)
        # a slice cut inside an hour reads the partial hours from the raw rows: the same answer
        cut = repricing.whatif(c, Filters(T0 + 30 * 60_000, T0 + 10 * HOUR_MS + 30 * 60_000, models=["gpt-a"]),
                               repricing.Scenario(table))
        assert cut["totals"]["requests"] == 10 and cut["totals"]["whatif"] == pytest.approx(10 * 0.0018)
    led.close()


def test_whatif_and_repricing_bill_thinking_counted_only_in_the_total(db_url):
    led = Ledger.open(db_url, store_text=False)
    gem = row(T0 + HOUR_MS, "gem", 35, 12, cost=0.0)
    gem["total_tokens"] = 126  # Gemini: 79 thinking tokens only in the total
    led.append_many([gem, row(T0 + 2 * HOUR_MS, "gem", 100, 10, cost=0.0)])
    table = PriceTable({"gem": [Price(1.25, 10.0)]})
    with led.engine.connect() as c:
        t = repricing.whatif(c, Filters(), repricing.Scenario(table))["totals"]
    assert t["whatif"] == pytest.approx((35 * 1.25 + 12 * 10 + 79 * 10 + 100 * 1.25 + 10 * 10) / 1e6)
    assert t["reasoning"] == pytest.approx(790e-6)
    with led.engine.begin() as c:
        assert repricing.reprice(c, PriceTable({}), table) == 2
    assert led.request(1)["cost"] == pytest.approx(953.75e-6) and led.request(1)["cost_reasoning"] == pytest.approx(790e-6)
    led.close()


def test_forecast_on_a_seeded_ledger(db_url):
    led = Ledger.open(db_url, store_text=False)
    now_s = (T0 + 14 * DAY_MS + 12 * HOUR_MS) / 1000  # 2026-01-15 12:00 UTC
    spend = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 2.0]  # Jan 8..14, one request at 10:00 each day
    rows = [row(T0 + (7 + i) * DAY_MS + 10 * HOUR_MS, cost=c) for i, c in enumerate(spend)]
    rows += [row(T0 + d * DAY_MS + 10 * HOUR_MS, cost=0.5) for d in range(7)]  # Jan 1..7
    rows += [row(T0 + 14 * DAY_MS + h * HOUR_MS, cost=0.25) for h in range(12)]  # today 00:00..11:00
    led.append_many(rows)
    with led.engine.connect() as c:
        first = Q.first_request_ms(c)
        daily = Q.over_time(c, Filters(T0 - 10 * DAY_MS, T0 + 31 * DAY_MS), "day")
        hourly = Q.over_time(c, Filters(T0 + 13 * DAY_MS, T0 + 15 * DAY_MS), "hour")
    m = forecast.month(daily, now_s, 0, first, budget=40.0)
    assert m.spent == pytest.approx(7 * 0.5 + sum(spend) + 3.0) and m.samples == 7
    assert m.rate == pytest.approx(2.0)  # mean of Jan 8..14
    left = 16.5  # Jan 15 12:00 to Feb 1 00:00
    assert m.left == pytest.approx(left) and m.expected == pytest.approx(m.spent + 2.0 * left)
    sd = (sum((x - 2.0) ** 2 for x in spend) / 6) ** 0.5
    assert m.high - m.expected == pytest.approx(1.645 * sd * left ** 0.5)
    assert m.low == pytest.approx(m.expected - 1.645 * sd * left ** 0.5) and m.over_budget is True
    d = forecast.day(hourly, now_s, 0, first, budget=10.0)
    # the last 24 complete hours: yesterday 12:00..23:00 ($0) and today 00:00..11:00 ($0.25 each)
    assert d.spent == pytest.approx(3.0) and d.samples == 24 and d.rate == pytest.approx(0.125)
    assert d.expected == pytest.approx(3.0 + 0.125 * 12) and d.over_budget is False
    fresh = forecast.month([{"start_ms": T0 + 14 * DAY_MS, "cost": 1.0}], now_s, 0, T0 + 14 * DAY_MS)
    assert fresh.samples == 0 and fresh.expected == fresh.low == fresh.high == 1.0 and "no complete day" in fresh.basis
    led.close()


def test_upgrade_from_v3_on_a_copy_of_a_populated_ledger_loses_nothing(db_url, tmp_path):
    import random

    from sqlalchemy import insert, select

    from paramlab.usage.ledger import SCHEMA_VERSION, migrations, schema

    eng, md3, req3, texts3 = old_ledger(old_file_url(db_url, tmp_path, "v3.sqlite"), 3)
    assert "service_tier" not in req3.c and "backend" not in md3.tables["ledger_rollup_model"].c
    rng = random.Random(3)
    rows = [{"ts_ms": T0 + rng.randrange(20 * DAY_MS), "session_id": f"s{i % 5}", "label": f"exp-{i % 3}",
             "page": rng.choice(["playground", "compare"]), "endpoint": "E", "host": "api.example.com",
             "backend": rng.choice(["openai", "ollama"]), "model": rng.choice(["gpt-4o", "gpt-4o-mini", "mystery"]),
             "params": '{"temperature":0.7}', "n": 1, "stream": True, "prompt_tokens": rng.randrange(2000),
             "completion_tokens": rng.randrange(500), "total_tokens": 0, "cached_tokens": rng.choice([None, 64]),
             "reasoning_tokens": None, "estimated": False, "cost": rng.choice([None, 0.001, 0.02]),
             "ttft_ms": rng.randrange(900), "latency_ms": rng.randrange(100, 5000), "status": "ok", "error_class": None,
             "error": None, "finish_reasons": '["stop"]', "request_id": f"req-{i}", "response_id": f"chatcmpl-{i}"}
            for i in range(300)]
    with eng.begin() as c:
        c.execute(insert(req3), rows)
        c.execute(insert(texts3), [{"request_id": i, "messages": f'[{{"role":"user","content":"q{i}"}}]',
                                    "replies": f'["a{i}"]'} for i in range(1, 301)])
        before = [dict(r) for r in c.execute(select(req3).order_by(req3.c.id)).mappings()]
    eng.dispose()
    db_url = copy_to_upgrade(db_url, tmp_path, "v3.sqlite")
    led = Ledger.open(db_url)
    assert led.upgraded_from == 3
    with led.engine.connect() as c:
        assert migrations.read_version(c) == SCHEMA_VERSION == 7
        after = [dict(r) for r in c.execute(select(schema.REQUESTS).order_by(schema.REQUESTS.c.id)).mappings()]
        tot = Q.totals(c, Filters())
        models = {m["model"]: m for m in Q.by_model(c, Filters())}
    assert [{k: r[k] for k in before[0]} for r in after] == before  # every old value kept
    assert all(r["service_tier"] is None and r["cost_input"] is None for r in after)  # new columns: unknown
    assert tot["requests"] == 300 and tot["cost"] == pytest.approx(sum(r["cost"] or 0 for r in rows))
    assert tot["prompt_tokens"] == sum(r["prompt_tokens"] for r in rows)
    assert models["mystery"]["unpriced"] == sum(r["model"] == "mystery" and r["cost"] is None for r in rows)
    assert json.loads(led.request(300)["replies"]) == ["a300"]
    r = result_at((T0 + DAY_MS) / 1000, "gpt-4o")
    r.service_tier = "priority"
    pricing.apply(pricing.load_prices(), Endpoint(name="E", base_url="https://api.example.com/v1", backend="openai"), r)
    assert led.record(Endpoint(name="E", base_url="https://api.example.com/v1", backend="openai"), r, {})
    new = led.request(301)
    # gpt-4o at the priority tier: 1,000 × $4.25 + 100 × $17 = 5,950 millionths
    assert new["service_tier"] == "priority" and new["price_tier"] == "priority" and new["price_model"] == "gpt-4o"
    assert new["cost"] == pytest.approx(0.00595) and new["cost_output"] == pytest.approx(0.0017)
    with led.engine.connect() as c:
        assert Q.totals(c, Filters())["requests"] == 301
        assert Q.cost_parts(c, Filters())["input"] == pytest.approx(0.00425)
    led.close()
    assert Ledger.open(db_url).upgraded_from == SCHEMA_VERSION  # opening again changes nothing


def test_export_has_iso_times_and_the_breakdown_columns(db_url):
    import csv
    import io

    led = Ledger.open(db_url)
    ep = Endpoint(name="E", base_url="https://api.example.com/v1", backend="openai")
    r = result_at((T0 + 9 * HOUR_MS + 30 * 60_000 + 123) / 1000)
    pricing.apply(PriceTable({"m": [Price(1.0, 2.0, effective="2025-12-01")]}), ep, r)
    assert led.record(ep, r, {"page": "playground"})
    with led.engine.connect() as c:
        table = list(csv.DictReader(io.StringIO("".join(Q.export_csv(c, Filters())))))
    assert table[0]["time"] == "2026-01-01T09:30:00.123Z" and "ts_ms" not in table[0]
    assert float(table[0]["cost_input"]) == pytest.approx(0.001) and float(table[0]["cost_output"]) == pytest.approx(0.0002)
    assert table[0]["price_model"] == "m" and table[0]["price_from"] == "2025-12-01" and table[0]["price_tier"] == "standard"
    assert {"cost_cached_input", "cost_cache_write", "cost_reasoning", "cost_audio", "service_tier"} <= set(table[0])
    led.close()


def test_the_editor_rows_round_trip_and_a_new_dated_row_is_a_price_change():
    shipped = pricing.load_prices()
    rows = shipped.rows()
    again = pricing.table_from_rows(rows, shipped, source="shipped")
    assert {k: [pricing._values(p) for p in v] for k, v in again.prices.items()} == \
        {k: [pricing._values(p) for p in v] for k, v in shipped.prices.items()}
    rows.append({"model": "gpt-4o", "from": "2026-03-01", "tier": "standard", "input": 2.0, "output": 8.0})
    changed = pricing.table_from_rows(rows, shipped)
    assert pricing.changes(shipped, changed) == {"gpt-4o": "2026-03-01"}
    assert changed.lookup("gpt-4o", 1_780_000_000).input == 2.0 and changed.lookup("gpt-4o", 1_770_000_000).input == 2.5
