"""Cost arithmetic against hand-computed cases, the price file, and LiteLLM imports."""
from __future__ import annotations

import json

import pytest

from paramlab.usage import budget
from paramlab.usage import pricing
from paramlab.usage.pricing import Price, PriceError, PriceTable
from paramlab.client.result import Usage


class Ep:
    def __init__(self, backend="openai", embedded=False):
        self.backend, self.embedded, self.context_window = backend, embedded, None


def test_shipped_table_loads_with_dates_and_the_documented_prices():
    t = pricing.load_prices()
    p = t.price_for("gpt-4o-mini", Ep())
    assert (p.input, p.output, p.cached_input) == (0.15, 0.60, 0.075) and p.taken == "2025-10-01"
    assert all(r["taken"] for r in t.rows())


def test_cost_hand_computed():
    gpt4o = Price(2.50, 10.00, 1.25)
    # 1,000 prompt + 500 completion: 1000*2.5/1e6 + 500*10/1e6 = 0.0025 + 0.005
    assert pricing.cost(Usage(1000, 500, 1500), gpt4o) == pytest.approx(0.0075)
    # 400 of the 1,000 prompt tokens cached: 600*2.5 + 400*1.25 + 500*10 = 1500+500+5000 → 0.007
    assert pricing.cost(Usage(1000, 500, 1500, cached_tokens=400), gpt4o) == pytest.approx(0.007)
    # No cached price: cached tokens cost the input price.
    assert pricing.cost(Usage(1000, 0, 1000, cached_tokens=400), Price(1.0, 2.0)) == pytest.approx(0.001)
    # Reasoning tokens are already inside completion_tokens: not charged twice.
    assert pricing.cost(Usage(10, 1000, 1010, reasoning_tokens=800), Price(0, 4.4)) == pytest.approx(0.0044)
    assert pricing.cost(Usage(1_000_000, 1_000_000, 2_000_000), Price(0.15, 0.6)) == pytest.approx(0.75)


def test_unknown_model_or_usage_is_unknown_never_zero():
    t = pricing.load_prices()
    assert t.price_for("my-finetune-xyz", Ep()) is None
    assert pricing.cost(Usage(100, 100, 200), None) is None
    assert pricing.cost(None, Price(1, 1)) is None
    assert pricing.cost(Usage(None, None, None), Price(1, 1)) is None


def test_local_and_embedded_models_cost_zero_even_when_unlisted():
    t = pricing.load_prices()
    for ep in (Ep(embedded=True), Ep("ollama"), Ep("llamacpp"), Ep("lmstudio")):
        assert pricing.cost(Usage(5000, 5000, 10000), t.price_for("llama3.1:8b", ep)) == 0.0
    assert t.price_for("llama3.1:8b", Ep("vllm")) is None  # a vLLM server may be a paid service


def test_model_names_match_snapshots_and_provider_prefixes():
    t = pricing.load_prices()
    assert t.price_for("gpt-4o-2024-08-06", Ep()) == t.price_for("gpt-4o", Ep())
    assert t.price_for("openai/gpt-4.1-mini", Ep()) == t.price_for("gpt-4.1-mini", Ep())
    assert t.price_for("GPT-4o", Ep()) == t.price_for("gpt-4o", Ep())
    # not the same model, not priced as gpt-4o: its own entry, with audio prices
    assert t.price_for("gpt-4o-audio-preview-2024-12-17", Ep()).audio_input == 40.0
    assert t.price_for("gpt-4o-search-preview", Ep()) is None


def test_worst_case_cost():
    p = Price(2.0, 8.0)
    # 1,000 prompt at $2/M + 3 choices × 500 max tokens at $8/M = 0.002 + 0.012
    assert pricing.worst_case_cost(1000, 500, 3, p) == pytest.approx(0.014)
    assert pricing.worst_case_cost(1000, None, 1, p) is None
    assert pricing.worst_case_cost(1000, 500, 1, None) is None


def test_worst_case_for_a_body_and_budget_warnings():
    t = PriceTable({"m": [Price(1.0, 10.0)]})
    body = {"model": "m", "messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 1000, "n": 2}
    # prompt estimate: 100 tokens + 4 overhead + 2 = 106 → 106*1 + 2*1000*10 = 20106 → $0.020106
    assert budget.worst_case_for(Ep(), body, t) == pytest.approx(0.020106)
    assert budget.worst_case_for(Ep(embedded=True), {**body, "max_tokens": None}, t) == 0.0
    b = budget.Budget(daily=1.0, monthly=10.0)
    assert budget.check(b, 0.5, 5.0, 0.1) == []
    over = budget.check(b, 0.95, 5.0, 0.1)
    assert len(over) == 1 and "daily budget of $1.00" in over[0] and "could cost up to $0.10," in over[0]
    assert "used up" in budget.check(b, 2.0, 12.0)[1]
    with pytest.raises(budget.BudgetError, match="daily budget"):
        budget.load_budget({"CHAT_BUDGET_DAILY": "lots"})


def test_price_file_errors_name_the_field(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("models:\n  gpt-x: {input: 1}\n")
    with pytest.raises(PriceError, match=r"models\.gpt-x\.output: is required"):
        pricing.load_prices(f)
    f.write_text("models:\n  gpt-x: {input: cheap, output: 1}\n")
    with pytest.raises(PriceError, match=r"models\.gpt-x\.input: must be a number"):
        pricing.load_prices(f)
    f.write_text("models: [oops")
    with pytest.raises(PriceError, match="not valid YAML"):
        pricing.load_prices(f)


def test_an_uploaded_table_that_is_not_yaml_is_a_price_error_naming_the_file():
    """The Usage page's what-if upload shows PriceError next to the uploader; broken YAML used to
    escape as a bare yaml error."""
    with pytest.raises(PriceError, match=r"^my-prices\.yaml: is not valid YAML at line 2$"):
        pricing.parse_price_text("models: [oops", "my-prices.yaml", "file")
    table = pricing.parse_price_text("models:\n  gpt-x: {input: 1, output: 2}\n", "my-prices.yaml", "file")
    assert table.price_for("gpt-x") is not None


def test_user_edits_override_the_shipped_table(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path))
    t = pricing.load_prices()
    t.prices["gpt-4o"] = [Price(3.0, 12.0, None, "2026-01-01", "edited")]
    t.prices["my-model"] = [Price(0.5, 0.5)]
    path = pricing.save_user_prices(t)
    saved = path.read_text()
    assert "my-model" in saved and "gpt-4o:" in saved and "gpt-4o-mini" not in saved  # only the changes
    again = pricing.load_prices()
    assert again.price_for("gpt-4o", Ep()).input == 3.0 and again.price_for("gpt-4o", Ep()).source == "edited"
    assert again.price_for("gpt-4o-mini", Ep()).input == 0.15


LITELLM = {
    "sample_spec": {"input_cost_per_token": 0, "output_cost_per_token": 0, "mode": "chat"},
    "gpt-4o": {"max_tokens": 16384, "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
               "cache_read_input_token_cost": 1.25e-06, "litellm_provider": "openai", "mode": "chat"},
    "anthropic/claude-3-5-haiku": {"input_cost_per_token": 8e-07, "output_cost_per_token": 4e-06,
                                   "litellm_provider": "anthropic", "mode": "chat"},
    "text-embedding-3-small": {"input_cost_per_token": 2e-08, "output_cost_per_token": 0, "mode": "embedding"},
    "dall-e-3": {"mode": "image_generation", "output_cost_per_image": 0.04},
}


def test_litellm_price_file_imports(tmp_path):
    f = tmp_path / "model_prices_and_context_window.json"
    f.write_text(json.dumps(LITELLM))
    for source in (f, str(f), LITELLM, json.dumps(LITELLM)):
        t = pricing.import_litellm(source)
        assert set(t.prices) == {"gpt-4o", "anthropic/claude-3-5-haiku"}
        p = t.prices["gpt-4o"][0]
        assert (p.input, p.output, p.cached_input) == pytest.approx((2.5, 10.0, 1.25))
        assert t.price_for("claude-3-5-haiku", Ep()) is None  # only its full name
        assert pricing.cost(Usage(1000, 1000, 2000), t.prices["anthropic/claude-3-5-haiku"][0]) == pytest.approx(0.0048)
    with pytest.raises(PriceError, match="not valid JSON"):
        pricing.import_litellm("{broken")
    with pytest.raises(PriceError, match="no chat model"):
        pricing.import_litellm({"x": {"mode": "embedding"}})
