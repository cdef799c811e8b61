"""Budget warnings for the pages that send requests (Playground, Compare)."""
from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from components.common import services
from paramlab.usage import budget as budgets


def _spent() -> tuple[float, float] | None:
    led = services.ledger()
    if led is None:
        return None
    day, month = budgets.period_starts()
    try:
        return led.spend_since(day), led.spend_since(month)
    except Exception:  # noqa: BLE001 - a broken ledger must not break the page; services shows why
        return None


def warn(worst_case: float | None) -> None:
    """Show a warning when today's / this month's spend is over budget, or this request could pass it.

    Also tells the user, once, when the usage ledger is not recording (the pages sending requests call this).
    """
    services.show_status()
    try:
        b = budgets.load_budget()
    except budgets.BudgetError as e:
        st.warning(f"Budget not checked — {e}")
        return
    if b.daily is None and b.monthly is None:
        return
    spent = _spent()
    if spent is None:
        return
    for msg in budgets.check(b, spent[0], spent[1], worst_case):
        st.warning(msg, icon="💸")


def warn_for_body(endpoint: Any, body: Mapping[str, Any]) -> None:
    """warn() with the worst case computed from a request body built by schema.build_body."""
    try:
        wc = budgets.worst_case_for(endpoint, body, services.prices())
    except Exception:  # noqa: BLE001 - an unreadable price table must not block sending
        wc = None
    warn(wc)


def editor() -> None:
    """Daily and monthly budget inputs (on the Usage page)."""
    try:
        b = budgets.load_budget()
    except budgets.BudgetError as e:
        st.error(str(e))
        b = budgets.Budget()
    with st.form("budget_form", border=False):
        c1, c2 = st.columns(2)
        # No min_value: the browser would refuse a negative number and keep the old value, so the
        # check happens on Save, with the message under the field.
        daily = c1.number_input("Daily budget ($)", value=b.daily, step=1.0, format="%g",
                                placeholder="no budget", help="Empty = no daily budget. Days are local time.")
        daily_err = c1.empty()
        monthly = c2.number_input("Monthly budget ($)", value=b.monthly, step=5.0, format="%g",
                                  placeholder="no budget", help="Empty = no monthly budget.")
        monthly_err = c2.empty()
        if st.form_submit_button("Save budgets"):
            try:
                new = budgets.parse_budget(daily, monthly)
            except budgets.BudgetError as e:
                (daily_err if str(e).startswith("Daily") else monthly_err).error(f"Not saved — {e}")
            else:
                path = budgets.save_budget(new)
                st.success("Budgets saved: " + " · ".join(
                    f"{k} {budgets.fmt_dollars(v) if v is not None else 'none'}"
                    for k, v in (("daily", new.daily), ("monthly", new.monthly))) + f" ({path}).")
    spent = _spent()
    if spent is not None:
        st.caption(f"Spent today ${spent[0]:.4f} · this month ${spent[1]:.4f} (requests with a known cost).")
