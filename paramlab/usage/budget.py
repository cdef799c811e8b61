"""Daily and monthly spending budgets: the warnings they give, and the sends a hard budget blocks.

Budgets are saved in `budget.yaml` in the user data directory; CHAT_BUDGET_DAILY and
CHAT_BUDGET_MONTHLY (dollars) override the amounts. A budget marked hard (`block_daily`,
`block_monthly`) blocks sending to paid endpoints once it is used up; local ones (the embedded
engine, llama.cpp, Ollama, LM Studio) cost nothing and are never blocked. Spend comes from the
usage ledger.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import yaml

from paramlab import settings, yamltext
from paramlab.usage import pricing
from paramlab.client import tokens

FILE = "budget.yaml"


class BudgetError(ValueError):
    pass


@dataclass(frozen=True)
class Budget:
    daily: float | None = None    # dollars per calendar day (local time); None = no budget
    monthly: float | None = None  # dollars per calendar month
    block_daily: bool = False     # hard: no sending once the daily budget is used up
    block_monthly: bool = False


@dataclass(frozen=True)
class Verdict:
    """What the budgets say about sending now."""
    blocked: str | None           # why sending is blocked (with the figures), None when it may go
    warnings: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.blocked is None


def _amount(value: Any, field_name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise BudgetError(f"{field_name}: must be an amount in dollars, got {value!r}") from None
    if f < 0 or f != f:
        raise BudgetError(f"{field_name}: must be zero or more, got {value!r}")
    return f


def budget_path() -> Path:
    return settings.data_dir() / FILE


def load_budget(env: Mapping[str, str] | None = None) -> Budget:
    rt = settings.current() if env is None else settings.runtime(env)
    doc: dict = {}
    p = budget_path()
    if p.exists():
        try:
            doc = yamltext.load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise BudgetError(f"budget file {p}: cannot be read ({e})") from None
        if not isinstance(doc, dict):
            raise BudgetError(f"budget file {p}: must be a mapping with daily and monthly")
    daily = doc.get("daily") if rt.budget_daily is None else rt.budget_daily  # CHAT_BUDGET_* win
    monthly = doc.get("monthly") if rt.budget_monthly is None else rt.budget_monthly
    return Budget(_amount(daily, "daily budget"), _amount(monthly, "monthly budget"),
                  _flag(doc.get("block_daily"), "block_daily"), _flag(doc.get("block_monthly"), "block_monthly"))


def _flag(value: Any, field_name: str) -> bool:
    if value in (None, ""):
        return False
    if not isinstance(value, bool):
        raise BudgetError(f"{field_name}: must be true or false, got {value!r}")
    return value


def save_budget(b: Budget) -> Path:
    p = budget_path()
    p.write_text(yaml.safe_dump({"daily": b.daily, "monthly": b.monthly, "block_daily": b.block_daily,
                                 "block_monthly": b.block_monthly}), encoding="utf-8")
    return p


def fmt_dollars(x: float) -> str:
    """An amount as typed: $5.00, $0.25, $0.0001 (never rounded to $0.00)."""
    if x == 0 or abs(x) >= 0.01:
        return f"${x:,.2f}"
    return "$" + f"{x:.8f}".rstrip("0")


def parse_budget(daily: Any, monthly: Any, block_daily: bool = False, block_monthly: bool = False) -> Budget:
    """A Budget from the editor's inputs; BudgetError names the bad field (nothing is saved)."""
    return Budget(_amount(daily, "Daily budget"), _amount(monthly, "Monthly budget"), bool(block_daily),
                  bool(block_monthly))


def period_starts(now: float | None = None) -> tuple[float, float]:
    """Unix times of the start of today and of this month, in local time."""
    d = datetime.fromtimestamp(time.time() if now is None else now)
    day = d.replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp(), day.replace(day=1).timestamp()


def check(b: Budget, spent_today: float, spent_month: float, worst_case: float | None = None) -> list[str]:
    """Warnings (empty when all is well): a budget already exceeded, or one this request could exceed."""
    out = []
    for name, limit, spent in (("daily", b.daily, spent_today), ("monthly", b.monthly, spent_month)):
        if limit is None:
            continue
        if spent >= limit:
            out.append(f"The {name} budget of {fmt_dollars(limit)} is used up: ${spent:.4f} spent.")
        elif worst_case is not None and spent + worst_case > limit:
            out.append(f"This request could cost up to {fmt_dollars(worst_case)}, which would pass the {name} "
                       f"budget of {fmt_dollars(limit)} (${spent:.4f} spent).")
    return out


def verdict(b: Budget, spent_today: float, spent_month: float, worst_case: float | None = None,
            free: bool = False) -> Verdict:
    """May a request be sent now? Blocked when a hard budget is used up (unless the request is free:
    a local endpoint); the warnings of check() either way."""
    warnings = tuple(check(b, spent_today, spent_month, worst_case))
    if free:
        return Verdict(None, warnings)
    for name, limit, spent, hard, when in (("daily", b.daily, spent_today, b.block_daily, "tomorrow"),
                                           ("monthly", b.monthly, spent_month, b.block_monthly, "next month")):
        if hard and limit is not None and spent >= limit:
            period = "today" if name == "daily" else "this month"
            return Verdict(f"The {name} budget of ${limit:.2f} is used up (${spent:.4f} spent {period}) and it "
                           f"blocks sending until {when}. Raise it or turn blocking off on the Usage page "
                           "(Prices, budgets and recording → Budgets); local models still run.", warnings)
    return Verdict(None, warnings)


def worst_case_for(endpoint: Any, body: Mapping[str, Any], table: pricing.PriceTable | None = None) -> float | None:
    """The worst case of a request body: estimated prompt + n × max tokens at the model's price.

    Unknown (None) when the model has no price or no max_tokens / max_completion_tokens is set
    (then only the context window bounds the reply, which we may not know).
    """
    table = table or pricing.load_prices()
    price = table.price_for(str(body.get("model") or ""), endpoint)
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    prompt = tokens.estimate_messages_tokens(list(body.get("messages") or []))
    if max_tokens is None and price is not None and price.output == 0 and price.input == 0:
        return 0.0
    if max_tokens is None and getattr(endpoint, "context_window", None):
        max_tokens = max(int(endpoint.context_window) - prompt, 0)
    return pricing.worst_case_cost(prompt, max_tokens, int(body.get("n") or 1), price)
