"""What a request cost and why: the price table (dollars per million tokens) and the arithmetic.

A model's price has one figure per billed part of a request (input, cached input, cache write,
output, reasoning, audio in and out), optional figures per service tier (flex, priority, batch)
and a date it applies from: a price change applies from its date on, older requests keep the
price in force when they ran. The shipped table (data/prices.yaml) says its date and source;
edits made in the UI are saved to `prices.yaml` in the user data directory and replace the
shipped entries of the models they name. A model with no known price costs None ("unknown"),
never 0; the embedded engine and local backends cost 0.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from paramlab import settings, yamltext
from paramlab.backends import registry

SHIPPED = Path(__file__).parent / "data" / "prices.yaml"
USER_FILE = "prices.yaml"
PER = 1_000_000
STANDARD = "standard"
TIERS = (STANDARD, "flex", "priority", "batch")
# What responses say for the ordinary tier ("scale" is a capacity commitment billed at the standard rate).
_STANDARD_NAMES = frozenset({"", "default", "auto", "standard", "scale", "on_demand"})
# Figures a price may hold besides input/output ($/M); None falls back as FALLBACK says.
PARTS = ("input", "cached_input", "cache_write", "output", "reasoning", "audio_input", "audio_output")
FALLBACK = {"cached_input": "input", "cache_write": "input", "reasoning": "output"}  # audio: no fallback
# The breakdown shown to users and stored in the ledger (audio in and out together).
COST_PARTS = ("input", "cached_input", "cache_write", "output", "reasoning", "audio")
COST_LABELS = {"input": "input", "cached_input": "cached input", "cache_write": "cache write", "output": "output",
               "reasoning": "reasoning", "audio": "audio"}
# Dated snapshots ("gpt-4o-2024-08-06", "o3-mini-2025-01-31", "gpt-4-0613") share the alias' price.
_SNAPSHOT = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PriceError(ValueError):
    pass


def tier_name(service_tier: Any) -> str:
    """The price tier of what a response says it was served with (None / default / auto → standard)."""
    t = str(service_tier or "").strip().lower()
    return STANDARD if t in _STANDARD_NAMES else t


@dataclass(frozen=True)
class Price:
    input: float            # $ per million prompt tokens
    output: float           # $ per million completion tokens
    cached_input: float | None = None  # $/M prompt tokens read from the cache; None = input price
    taken: str | None = None  # date the price was copied from the provider
    source: str = "shipped"
    cache_write: float | None = None   # $/M prompt tokens written to the cache; None = input price
    reasoning: float | None = None     # $/M reasoning tokens; None = output price
    audio_input: float | None = None   # $/M audio prompt tokens; None = unknown (audio is never text-priced)
    audio_output: float | None = None  # $/M audio completion tokens; None = unknown
    effective: str | None = None       # YYYY-MM-DD (UTC) from which this price applies; None = always
    tiers: Mapping[str, "Price"] = field(default_factory=dict, hash=False)  # flex / priority / batch

    def per_million(self, part: str) -> float | None:
        v = getattr(self, part)
        return getattr(self, FALLBACK[part]) if v is None and part in FALLBACK else v

    def for_tier(self, tier: str | None) -> tuple["Price", str, bool]:
        """(the price to use, the tier priced, whether the table had that tier)."""
        t = tier_name(tier)
        if t == STANDARD:
            return self, STANDARD, True
        if t in self.tiers:
            return self.tiers[t], t, True
        return self, STANDARD, False

    def to_yaml(self, with_meta: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if with_meta and self.effective:
            d["from"] = self.effective
        d.update({p: getattr(self, p) for p in PARTS if getattr(self, p) is not None})
        if with_meta and self.taken:
            d["taken"] = self.taken
        if self.tiers:
            d["tiers"] = {t: p.to_yaml(with_meta=False) for t, p in sorted(self.tiers.items())}
        return d


ZERO = Price(0.0, 0.0, 0.0, source="local", audio_input=0.0, audio_output=0.0)


def _day(at: Any) -> str | None:
    """A request time (unix seconds, datetime or date) as its UTC date, for effective dates."""
    if at is None:
        return None
    if isinstance(at, datetime):
        return at.astimezone(timezone.utc).date().isoformat() if at.tzinfo else at.date().isoformat()
    if isinstance(at, date):
        return at.isoformat()
    return datetime.fromtimestamp(float(at), timezone.utc).date().isoformat()


def in_force(entries: Iterable[Price], at: Any = None) -> Price | None:
    """The entry in force at a time (now when None): the latest whose date is on or before it."""
    day = _day(at) or datetime.now(timezone.utc).date().isoformat()
    best = None
    for p in entries:
        if p.effective is None or p.effective <= day:
            if best is None or (p.effective or "") >= (best.effective or ""):
                best = p
    return best


def effective_ms(day: str | None) -> int | None:
    """00:00 UTC of an effective date in unix milliseconds (None for "always")."""
    if day is None:
        return None
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp() * 1000)


@dataclass
class PriceTable:
    prices: dict[str, list[Price]] = field(default_factory=dict)  # model -> its dated entries
    taken: str | None = None
    currency: str = "USD"
    source: str | None = None  # where the shipped figures come from

    def key_for(self, model: str | None) -> str | None:
        """Exact name, then without a provider prefix ("openai/gpt-4o"), then without a date suffix."""
        if not model:
            return None
        m = model.strip()
        for candidate in (m, m.lower(), m.rsplit("/", 1)[-1], m.rsplit("/", 1)[-1].lower()):
            if candidate in self.prices:
                return candidate
            base = _SNAPSHOT.sub("", candidate)
            if base != candidate and base in self.prices:
                return base
        return None

    def lookup(self, model: str | None, at: Any = None) -> Price | None:
        key = self.key_for(model)
        return None if key is None else in_force(self.prices[key], at)

    def price_for(self, model: str | None, endpoint: Any = None, at: Any = None) -> Price | None:
        if endpoint is not None and is_local(endpoint):
            return ZERO
        return self.lookup(model, at)

    def add(self, model: str, price: Price) -> None:
        """Add an entry, replacing one of the same model and date."""
        kept = [p for p in self.prices.get(model, []) if p.effective != price.effective]
        self.prices[model] = sorted([*kept, price], key=lambda p: p.effective or "")

    def merged(self, other: "PriceTable") -> "PriceTable":
        """This table with `other`'s models added or replacing ours (all of a model's entries)."""
        return PriceTable({**self.prices, **other.prices}, other.taken or self.taken, self.currency,
                          self.source)

    def to_yaml(self) -> str:
        models = {}
        for k, entries in sorted(self.prices.items()):
            models[k] = entries[0].to_yaml() if len(entries) == 1 and entries[0].effective is None else [
                e.to_yaml() for e in entries]
        doc = {"currency": self.currency, "taken": self.taken, "source": self.source, "models": models}
        return yaml.safe_dump({k: v for k, v in doc.items() if v is not None}, sort_keys=False)

    def rows(self) -> list[dict[str, Any]]:
        """One row per (model, date, tier) for the editor."""
        out = []
        for k, entries in sorted(self.prices.items()):
            for e in entries:
                for tier, p in ((STANDARD, e), *sorted(e.tiers.items())):
                    out.append({"model": k, "from": e.effective, "tier": tier,
                                **{part: getattr(p, part) for part in PARTS},
                                "taken": e.taken or self.taken, "source": e.source})
        return out


def is_local(endpoint: Any) -> bool:
    """Local servers (per the backend registry) and the embedded engine cost nothing."""
    return registry.for_endpoint(endpoint).local


# -- the arithmetic ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Part:
    name: str                    # one of PARTS
    tokens: int
    per_million: float | None    # None: no price for this part (the total is then unknown)

    @property
    def dollars(self) -> float | None:
        return None if self.per_million is None else self.tokens * self.per_million / PER


@dataclass(frozen=True)
class Breakdown:
    """A request's cost part by part, and the price that made it."""
    parts: tuple[Part, ...]
    tier: str = STANDARD          # the tier priced
    served_tier: str | None = None  # what the response said
    effective: str | None = None  # the date the price applied from
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> float | None:
        ds = [p.dollars for p in self.parts]
        return None if any(d is None for d in ds) else sum(ds)

    def dollars(self) -> dict[str, float | None]:
        """COST_PARTS → dollars (audio in + out together); None where a part's price is unknown."""
        by = {p.name: p.dollars for p in self.parts}
        out: dict[str, float | None] = {k: by.get(k, 0.0) for k in COST_PARTS if k != "audio"}
        a_in, a_out = by.get("audio_input", 0.0), by.get("audio_output", 0.0)
        out["audio"] = None if a_in is None or a_out is None else a_in + a_out
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for Metrics.cost_parts (sessions, exports)."""
        return {"total": self.total, "tier": self.tier, "served_tier": self.served_tier,
                "effective": self.effective, "notes": list(self.notes), "dollars": self.dollars(),
                "parts": [{"name": p.name, "tokens": p.tokens, "per_million": p.per_million,
                           "dollars": p.dollars} for p in self.parts]}


def split_tokens(usage: Any) -> dict[str, int] | None:
    """The billed parts of a usage, each token in exactly one part (None without token counts).

    OpenAI counts cached, cache-write and audio prompt tokens inside prompt_tokens, and reasoning
    and audio completion tokens inside completion_tokens; predicted-output tokens, accepted or
    rejected, are inside completion_tokens too and billed as output. Gemini and xAI leave their
    hidden thinking out of completion_tokens and count it only in total_tokens: a total above
    prompt + completion is reasoning billed on top of the completion.
    """
    if usage is None:
        return None
    prompt, completion = getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
    if prompt is None and completion is None:
        return None
    left_in, left_out = prompt or 0, completion or 0

    def take(name: str, left: int) -> tuple[int, int]:
        n = min(max(getattr(usage, name, None) or 0, 0), left)
        return n, left - n
    cached, left_in = take("cached_tokens", left_in)
    write, left_in = take("cache_write_tokens", left_in)
    audio_in, left_in = take("audio_input_tokens", left_in)
    total = getattr(usage, "total_tokens", None)
    hidden = max((total or 0) - (prompt or 0) - (completion or 0), 0) if prompt is not None and completion is not None else 0
    if hidden:  # thinking outside completion_tokens: all of it is reasoning, the completion is output
        reasoning = hidden
    else:
        reasoning, left_out = take("reasoning_tokens", left_out)
    audio_out, left_out = take("audio_output_tokens", left_out)
    return {"input": left_in, "cached_input": cached, "cache_write": write, "audio_input": audio_in,
            "output": left_out, "reasoning": reasoning, "audio_output": audio_out}


def breakdown(usage: Any, price: Price | None, service_tier: str | None = None,
              cached_share: float | None = None) -> Breakdown | None:
    """The cost of one usage part by part; None when the price or the token counts are unknown.

    cached_share (what-if): that fraction of the prompt is taken as read from the cache.
    """
    if price is None:
        return None
    split = split_tokens(usage)
    if split is None:
        return None
    if cached_share is not None:
        prompt = split["input"] + split["cached_input"]
        split["cached_input"] = int(round(prompt * min(max(cached_share, 0.0), 1.0)))
        split["input"] = prompt - split["cached_input"]
    tp, tier, had = price.for_tier(service_tier)
    notes = []
    if not had:
        notes.append(f"the table has no {tier_name(service_tier)} price for this model: standard price used")
    parts = tuple(Part(name, n, tp.per_million(name)) for name, n in split.items()
                  if n or name in ("input", "output"))
    for p in parts:
        if p.per_million is None:
            notes.append(f"{p.tokens:,} {p.name.replace('_', ' ')} tokens have no price: cost unknown")
    for k in ("accepted_prediction_tokens", "rejected_prediction_tokens"):
        n = getattr(usage, k, None)
        if n:
            notes.append(f"{n:,} {k.split('_')[0]} prediction tokens, billed as output")
    served = str(service_tier) if service_tier else None
    return Breakdown(parts, tier, served, price.effective, tuple(notes))


def cost(usage: Any, price: Price | None, service_tier: str | None = None) -> float | None:
    """Dollars for one request's usage; None when the price or the token counts are unknown."""
    b = breakdown(usage, price, service_tier)
    return None if b is None else b.total


def price_of(table: PriceTable, models: Iterable[str | None], endpoint: Any = None,
             at: Any = None) -> tuple[str | None, Price | None]:
    """(the table's name for the first model it knows, its price in force at `at`); local → ("local", ZERO)."""
    if endpoint is not None and is_local(endpoint):
        return "local", ZERO
    for m in models:
        key = table.key_for(m)
        if key is not None:
            return key, in_force(table.prices[key], at)
    return None, None


def apply(table: PriceTable, endpoint: Any, result: Any) -> Breakdown | None:
    """Price a finished request (the pricing observer): metrics.cost and metrics.cost_parts.

    The model asked for is priced first, then the one the reply names; at the price in force when
    the request was sent, at the tier the response says served it.
    """
    m = result.metrics
    asked = str((getattr(result, "request", None) or {}).get("model") or "")
    key, price = price_of(table, (asked, getattr(result, "model", None)), endpoint, m.started_at or None)
    b = breakdown(result.usage, price, getattr(result, "service_tier", None))
    if b is None and price is not None and _unbilled_failure(result):
        b = Breakdown((Part("input", 0, price.input), Part("output", 0, price.output)), effective=price.effective,
                      notes=("refused before any token: nothing billed",))
    m.cost = None if b is None else b.total
    m.cost_parts = {} if b is None else {**b.to_dict(), "model": key}
    billed = getattr(result.usage, "billed", None) if result.usage is not None else None
    if billed is not None:
        _with_bill(m, billed)
    return b


BILLED = "provider's bill"  # cost_parts["model"] when the cost is what the provider said it charged


def _with_bill(m: Any, billed: float) -> None:
    """A provider that reports its own charge (OpenRouter, xAI): the cost when the table has no
    price for the model, and a note beside the table's price otherwise (they differ when the
    table is out of date)."""
    if m.cost is None:
        m.cost = billed
        m.cost_parts = {"total": billed, "model": BILLED, "parts": [], "dollars": {},
                        "notes": ["The price table has no price for this model: this is what the provider "
                                  "reported it charged for the request."]}
        return
    same = abs(billed - m.cost) <= max(1e-9, 0.01 * billed)
    note = f"The provider reported charging ${billed:.6f} for this request" + (
        " (the same)." if same else ": the price table may be out of date for this model.")
    m.cost_parts = {**m.cost_parts, "notes": [*m.cost_parts.get("notes", []), note]}


def _unbilled_failure(result: Any) -> bool:
    """An error before any token (no usage, no text): nothing was billed, so it costs $0 when the price
    is known, not "unknown"."""
    return getattr(result, "status", None) == "error" and result.usage is None and not any(result.texts())


def worst_case_cost(prompt_tokens: int | None, max_tokens: int | None, n: int | None,
                    price: Price | None) -> float | None:
    """Most a request can cost: the whole prompt at the input price plus n × max tokens of output
    (at the reasoning price when it is dearer: a reasoning model may think for all of them)."""
    if price is None or max_tokens is None or prompt_tokens is None:
        return None
    out = max(price.output, price.per_million("reasoning") or 0.0)
    return (prompt_tokens * price.input + max(n or 1, 1) * max_tokens * out) / PER


# -- reading and writing tables ------------------------------------------------------------------
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


def parse_date(value: Any, where: str) -> str | None:
    if value in (None, ""):
        return None
    s = value.isoformat() if isinstance(value, (date, datetime)) else str(value).strip()
    s = s[:10] if isinstance(value, datetime) else s
    if not _DATE.match(s):
        raise PriceError(f"{where}: must be a date like 2025-08-15, got {value!r}")
    try:
        date.fromisoformat(s)
    except ValueError:
        raise PriceError(f"{where}: is not a real date: {value!r}") from None
    return s


def _parse_price(p: Any, where: str, taken: str | None, source: str, top: bool = True) -> Price:
    if not isinstance(p, Mapping):
        raise PriceError(f"{where}: must be a mapping with input and output prices")
    for key in ("input", "output"):
        if key not in p:
            raise PriceError(f"{where}.{key}: is required")
    unknown = set(p) - {*PARTS, "taken", "from", "tiers"}
    if unknown:
        raise PriceError(f"{where}.{sorted(unknown)[0]}: is not a price field (fields: {', '.join(PARTS)}, "
                         "from, taken, tiers)")
    tiers: dict[str, Price] = {}
    raw_tiers = p.get("tiers") or {}
    if not top and raw_tiers:
        raise PriceError(f"{where}.tiers: a tier cannot have tiers")
    if not isinstance(raw_tiers, Mapping):
        raise PriceError(f"{where}.tiers: must map flex / priority / batch to prices")
    for t, tp in raw_tiers.items():
        t = str(t).strip().lower()
        if t == STANDARD or t not in TIERS:
            raise PriceError(f"{where}.tiers.{t}: must be one of {', '.join(TIERS[1:])}")
        tiers[t] = _parse_price(tp, f"{where}.tiers.{t}", taken, source, top=False)
    vals = {k: _num(p.get(k), f"{where}.{k}", optional=k not in ("input", "output")) for k in PARTS}
    return Price(vals["input"], vals["output"], vals["cached_input"],
                 parse_date(p.get("taken"), f"{where}.taken") or taken, source,
                 vals["cache_write"], vals["reasoning"], vals["audio_input"], vals["audio_output"],
                 parse_date(p.get("from"), f"{where}.from") if top else None, tiers)


def parse_prices(doc: Any, source: str = "shipped") -> PriceTable:
    """A price table from the YAML document (already parsed); errors name the field.

    A model maps to one price (in force always) or a list of prices each with a `from` date.
    """
    if not isinstance(doc, Mapping):
        raise PriceError("price file: must be a mapping with a 'models' key")
    taken = parse_date(doc.get("taken"), "taken")
    models = doc.get("models") or {}
    if not isinstance(models, Mapping):
        raise PriceError("models: must map model names to prices")
    table = PriceTable({}, taken, str(doc.get("currency") or "USD"),
                       str(doc["source"]) if doc.get("source") else None)
    for name, spec in models.items():
        where = f"models.{name}"
        specs = spec if isinstance(spec, list) else [spec]
        if not specs:
            raise PriceError(f"{where}: needs at least one price")
        seen: set = set()
        for i, s in enumerate(specs):
            p = _parse_price(s, where if len(specs) == 1 else f"{where}[{i}]", taken, source)
            if p.effective in seen:
                raise PriceError(f"{where}[{i}].from: two prices from the same date {p.effective or '(always)'}")
            seen.add(p.effective)
            table.add(str(name), p)
    return table


def read_price_file(path: Path | str, source: str) -> PriceTable:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PriceError(f"price file {path}: cannot be read ({e.strerror or e})") from None
    return parse_price_text(text, f"price file {path}", source)


def parse_price_text(text: str, name: str, source: str) -> PriceTable:
    """A price table in ParamLab's YAML; `name` (which file) starts every message."""
    try:
        doc = yamltext.load(text)
    except yaml.YAMLError as e:
        raise PriceError(f"{name}: is not valid YAML{yamltext.where(e)}") from None
    return parse_prices(doc, source)


def user_price_path() -> Path:
    return settings.data_dir() / USER_FILE


def load_prices(path: Path | str | None = None) -> PriceTable:
    """`path` alone when given; else the shipped table overridden by the user's edits."""
    if path is not None:
        return read_price_file(path, "file")
    table = read_price_file(SHIPPED, "shipped")
    user = user_price_path()
    if user.exists():
        table = table.merged(read_price_file(user, "edited"))
    return table


def _values(p: Price) -> tuple:
    """What of a price affects a cost (not where or when it was copied)."""
    return (p.effective, tuple(getattr(p, k) for k in PARTS),
            tuple((t, tuple(getattr(tp, k) for k in PARTS)) for t, tp in sorted(p.tiers.items())))


def _same(a: list[Price], b: list[Price]) -> bool:
    return sorted(map(_values, a), key=str) == sorted(map(_values, b), key=str) and \
        [p.taken for p in a] == [p.taken for p in b]


def save_user_prices(table: PriceTable) -> Path:
    """Save edited/imported prices (the models differing from the shipped table) to the data dir."""
    shipped = read_price_file(SHIPPED, "shipped").prices
    changed = {k: v for k, v in table.prices.items() if k not in shipped or not _same(shipped[k], v)}
    path = user_price_path()
    path.write_text(PriceTable(changed, table.taken, table.currency).to_yaml(), encoding="utf-8")
    return path


def changes(old: PriceTable, new: PriceTable) -> dict[str, str | None]:
    """Models whose prices differ → the earliest date from which they differ (None = all time).

    This is what must be re-priced in the ledger after an edit: a change dated mid-month leaves
    the requests before that date at the price they had.
    """
    out: dict[str, str | None] = {}
    for model in set(old.prices) | set(new.prices):
        differ = set(map(_values, old.prices.get(model, []))) ^ set(map(_values, new.prices.get(model, [])))
        if differ:
            out[model] = min((v[0] for v in differ), key=lambda d: d or "")
    return out


def table_from_rows(rows: Iterable[Mapping[str, Any]], like: PriceTable, source: str = "edited") -> PriceTable:
    """The editor's rows (PriceTable.rows() shape: model, from, tier, the parts, taken) as a table;
    errors name the row and the field. Empty cells are None (a part's fallback applies)."""
    def blank(v: Any) -> bool:
        return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())

    base: dict[tuple[str, str | None], dict[str, Any]] = {}
    tiers: dict[tuple[str, str | None], dict[str, Price]] = {}
    for i, r in enumerate(rows, start=1):
        name = "" if blank(r.get("model")) else str(r["model"]).strip()
        if not name:
            raise PriceError(f"row {i} model: is required")
        where = f"row {i} ({name})"
        eff = parse_date(None if blank(r.get("from")) else r.get("from"), f"{where} from")
        tier = STANDARD if blank(r.get("tier")) else str(r["tier"]).strip().lower()
        if tier not in TIERS:
            raise PriceError(f"{where} tier: must be one of {', '.join(TIERS)}")
        vals = {}
        for k in PARTS:
            v = None if blank(r.get(k)) else r.get(k)
            if v is None and k in ("input", "output"):
                raise PriceError(f"{where} {k}: is required (dollars per million tokens)")
            vals[k] = _num(v, f"{where} {k}", optional=True)
        taken = None if blank(r.get("taken")) else parse_date(r.get("taken"), f"{where} taken")
        p = Price(vals["input"], vals["output"], vals["cached_input"], taken, source, vals["cache_write"],
                  vals["reasoning"], vals["audio_input"], vals["audio_output"], eff if tier == STANDARD else None)
        key = (name, eff)
        if tier == STANDARD:
            if key in base:
                raise PriceError(f"{where}: two standard prices from {eff or 'always'}")
            base[key] = {"price": p}
        else:
            tiers.setdefault(key, {})[tier] = p
    for (name, eff), t in tiers.items():
        if (name, eff) not in base:
            raise PriceError(f"{name} {', '.join(t)} tier from {eff or 'always'}: needs a standard price from the "
                             "same date")
    table = PriceTable({}, like.taken, like.currency, like.source)
    for (name, eff), b in base.items():
        table.add(name, replace(b["price"], tiers=tiers.get((name, eff), {})))
    return table


# -- LiteLLM's price file ------------------------------------------------------------------------
# LiteLLM field (dollars per token) → our part; tier variants carry a suffix.
_LITELLM_FIELDS = {"input_cost_per_token": "input", "output_cost_per_token": "output",
                   "cache_read_input_token_cost": "cached_input",
                   "cache_creation_input_token_cost": "cache_write",
                   "output_cost_per_reasoning_token": "reasoning",
                   "input_cost_per_audio_token": "audio_input", "output_cost_per_audio_token": "audio_output"}
_LITELLM_TIERS = {"flex": "_flex", "priority": "_priority", "batch": "_batches"}


def _litellm_price(name: str, spec: Mapping[str, Any], suffix: str) -> Price | None:
    vals: dict[str, float | None] = {}
    for key, part in _LITELLM_FIELDS.items():
        v = spec.get(key + suffix)
        try:
            vals[part] = None if v is None else float(v) * PER
        except (TypeError, ValueError):
            raise PriceError(f"{name}: {key + suffix} must be a number") from None
    if vals["input"] is None or vals["output"] is None:
        return None
    return Price(vals["input"], vals["output"], vals["cached_input"], None, "litellm", vals["cache_write"],
                 vals["reasoning"], vals["audio_input"], vals["audio_output"])


def import_litellm(json_path_or_dict: Any) -> PriceTable:
    """Prices from LiteLLM's model_prices_and_context_window.json (dollars per token there): input,
    output, cache read and creation, reasoning and audio costs, and the flex / priority / batch
    variants of each."""
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
    table = PriceTable({}, None)
    for name, spec in data.items():
        if name == "sample_spec" or not isinstance(spec, Mapping):
            continue
        if spec.get("mode") not in (None, "chat", "completion", "responses"):
            continue  # embeddings, images, audio: not chat completions
        base = _litellm_price(str(name), spec, "")
        if base is None:
            continue
        tiers = {t: p for t, suffix in _LITELLM_TIERS.items() if (p := _litellm_price(str(name), spec, suffix))}
        table.add(str(name), replace(base, tiers=tiers))
    if not table.prices:
        raise PriceError("LiteLLM price file: no chat model with input_cost_per_token and output_cost_per_token")
    return table
