"""What a request cost: the price table (per million tokens) and the arithmetic.

The shipped table lives in paramlab/data/prices.yaml; edits made in the UI are saved to
`prices.yaml` in the user data directory and override it model by model. A model with no
known price costs None ("unknown"), never 0; the embedded engine and local backends cost 0.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import yaml

from paramlab import paths
from paramlab.backends import registry

SHIPPED = Path(__file__).parent / "data" / "prices.yaml"
USER_FILE = "prices.yaml"
PER = 1_000_000
# Dated snapshots ("gpt-4o-2024-08-06", "o3-mini-2025-01-31", "gpt-4-0613") share the alias' price.
_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")


class PriceError(ValueError):
    pass


@dataclass(frozen=True)
class Price:
    input: float            # $ per million prompt tokens
    output: float           # $ per million completion tokens
    cached_input: float | None = None  # $ per million cached prompt tokens; None = input price
    taken: str | None = None  # date the price was taken
    source: str = "shipped"

    def to_yaml(self) -> dict[str, Any]:
        d: dict[str, Any] = {"input": self.input, "output": self.output}
        if self.cached_input is not None:
            d["cached_input"] = self.cached_input
        if self.taken:
            d["taken"] = self.taken
        return d


ZERO = Price(0.0, 0.0, 0.0, source="local")


@dataclass
class PriceTable:
    prices: dict[str, Price] = field(default_factory=dict)
    taken: str | None = None
    currency: str = "USD"

    def lookup(self, model: str | None) -> Price | None:
        """Exact name, then without a provider prefix ("openai/gpt-4o"), then without a date suffix."""
        if not model:
            return None
        m = model.strip()
        for candidate in (m, m.lower(), m.rsplit("/", 1)[-1], m.rsplit("/", 1)[-1].lower()):
            if candidate in self.prices:
                return self.prices[candidate]
            base = _SNAPSHOT.sub("", candidate)
            if base != candidate and base in self.prices:
                return self.prices[base]
        return None

    def price_for(self, model: str | None, endpoint: Any = None) -> Price | None:
        if endpoint is not None and is_local(endpoint):
            return ZERO
        return self.lookup(model)

    def merged(self, other: "PriceTable") -> "PriceTable":
        """This table with `other`'s models added or replacing ours."""
        return PriceTable({**self.prices, **other.prices}, other.taken or self.taken, self.currency)

    def to_yaml(self) -> str:
        doc = {"currency": self.currency, "taken": self.taken,
               "models": {k: v.to_yaml() for k, v in sorted(self.prices.items())}}
        return yaml.safe_dump(doc, sort_keys=False)

    def rows(self) -> list[dict[str, Any]]:
        return [{"model": k, "input": v.input, "output": v.output, "cached_input": v.cached_input,
                 "taken": v.taken or self.taken, "source": v.source} for k, v in sorted(self.prices.items())]


def is_local(endpoint: Any) -> bool:
    """Local servers (per the backend registry) and the embedded engine cost nothing."""
    return registry.for_endpoint(endpoint).local


def _num(value: Any, where: str, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise PriceError(f"{where}: must be a number of dollars per million tokens, got {value!r}") from None
    if f < 0 or f != f:
        raise PriceError(f"{where}: must be zero or more, got {value!r}")
    return f


def parse_prices(doc: Any, source: str = "shipped") -> PriceTable:
    """A price table from the YAML document (already parsed); errors name the field."""
    if not isinstance(doc, Mapping):
        raise PriceError("price file: must be a mapping with a 'models' key")
    taken = doc.get("taken")
    taken = str(taken) if taken is not None else None
    models = doc.get("models") or {}
    if not isinstance(models, Mapping):
        raise PriceError("models: must map model names to {input, output, cached_input}")
    prices: dict[str, Price] = {}
    for name, p in models.items():
        where = f"models.{name}"
        if not isinstance(p, Mapping):
            raise PriceError(f"{where}: must be a mapping with input and output prices")
        for key in ("input", "output"):
            if key not in p:
                raise PriceError(f"{where}.{key}: is required")
        prices[str(name)] = Price(_num(p["input"], f"{where}.input"), _num(p["output"], f"{where}.output"),
                                  _num(p.get("cached_input"), f"{where}.cached_input", optional=True),
                                  str(p["taken"]) if p.get("taken") else taken, source)
    return PriceTable(prices, taken, str(doc.get("currency") or "USD"))


def read_price_file(path: Path | str, source: str) -> PriceTable:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PriceError(f"price file {path}: cannot be read ({e.strerror or e})") from None
    except yaml.YAMLError as e:
        raise PriceError(f"price file {path}: is not valid YAML ({e})") from None
    return parse_prices(doc, source)


def user_price_path() -> Path:
    return paths.data_dir() / USER_FILE


def load_prices(path: Path | str | None = None) -> PriceTable:
    """`path` alone when given; else the shipped table overridden by the user's edits."""
    if path is not None:
        return read_price_file(path, "file")
    table = read_price_file(SHIPPED, "shipped")
    user = user_price_path()
    if user.exists():
        table = table.merged(read_price_file(user, "edited"))
    return table


def save_user_prices(table: PriceTable) -> Path:
    """Save edited/imported prices (the models differing from the shipped table) to the data dir."""
    shipped = read_price_file(SHIPPED, "shipped").prices
    changed = {k: v for k, v in table.prices.items()
               if k not in shipped or replace(shipped[k], source="") != replace(v, source="")}
    path = user_price_path()
    path.write_text(PriceTable(changed, table.taken, table.currency).to_yaml(), encoding="utf-8")
    return path


def cost(usage: Any, price: Price | None) -> float | None:
    """Dollars for one request's usage; None when the price or the token counts are unknown.

    OpenAI counts cached tokens inside prompt_tokens, and reasoning tokens inside
    completion_tokens, so cached ones are moved to the cached price and reasoning is not added.
    """
    if price is None or usage is None:
        return None
    prompt, completion = getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
    if prompt is None and completion is None:
        return None
    prompt, completion = prompt or 0, completion or 0
    cached = min(getattr(usage, "cached_tokens", None) or 0, prompt)
    cached_price = price.input if price.cached_input is None else price.cached_input
    return ((prompt - cached) * price.input + cached * cached_price + completion * price.output) / PER


def worst_case_cost(prompt_tokens: int | None, max_tokens: int | None, n: int | None,
                    price: Price | None) -> float | None:
    """Most a request can cost: the whole prompt at the input price plus n × max_tokens of output."""
    if price is None or max_tokens is None or prompt_tokens is None:
        return None
    return (prompt_tokens * price.input + max(n or 1, 1) * max_tokens * price.output) / PER


def import_litellm(json_path_or_dict: Any) -> PriceTable:
    """Prices from LiteLLM's model_prices_and_context_window.json (dollars per token there)."""
    data = json_path_or_dict
    if isinstance(data, (str, Path)) and not (isinstance(data, str) and data.lstrip().startswith("{")):
        try:
            data = json.loads(Path(data).read_text(encoding="utf-8"))
        except OSError as e:
            raise PriceError(f"LiteLLM price file {data}: cannot be read ({e.strerror or e})") from None
        except ValueError as e:
            raise PriceError(f"LiteLLM price file: is not valid JSON ({e})") from None
    elif isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as e:
            raise PriceError(f"LiteLLM price file: is not valid JSON ({e})") from None
    if not isinstance(data, Mapping):
        raise PriceError("LiteLLM price file: must be a JSON object mapping model names to prices")
    prices: dict[str, Price] = {}
    for name, spec in data.items():
        if name == "sample_spec" or not isinstance(spec, Mapping):
            continue
        if spec.get("mode") not in (None, "chat", "completion", "responses"):
            continue  # embeddings, images, audio: not chat completions
        inp, out = spec.get("input_cost_per_token"), spec.get("output_cost_per_token")
        if inp is None or out is None:
            continue
        cached = spec.get("cache_read_input_token_cost")
        try:
            prices[str(name)] = Price(float(inp) * PER, float(out) * PER,
                                      None if cached is None else float(cached) * PER, None, "litellm")
        except (TypeError, ValueError):
            raise PriceError(f"{name}: input_cost_per_token/output_cost_per_token must be numbers") from None
    if not prices:
        raise PriceError("LiteLLM price file: no chat model with input_cost_per_token and output_cost_per_token")
    return PriceTable(prices, None)
