"""Budgets on the pages that send (Playground, Compare, Sweep, Lab): the warnings and the hard-budget
block shown before sending (`warn`), and the one check every send point makes (`gate`)."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import streamlit as st

from components.common import services
from components.common import state
from paramlab.usage import budget as budgets
from paramlab.usage import pricing

BLOCKED = "pl.budget_blocked"  # why the last send was refused, shown once by warn() next to Send


def _spent() -> tuple[float, float] | None:
    led = services.ledger()
    if led is None:
        return None
    day, month = budgets.period_starts()
    try:
        return led.spend_since(day), led.spend_since(month)
    except Exception:  # noqa: BLE001 - a broken ledger must not break the page; services shows why
        return None


def _verdict(endpoints: Iterable[Any], worst_case: float | None = None) -> budgets.Verdict | None:
    """None when no budget is set or the spend cannot be read (then nothing is blocked)."""
    try:
        b = budgets.load_budget()
    except budgets.BudgetError as e:
        return budgets.Verdict(None, (f"Budget not checked — {e}",))
    if b.daily is None and b.monthly is None:
        return None
    spent = _spent()
    if spent is None:
        return None
    eps = [_resolve(e) for e in endpoints if e is not None]
    free = bool(eps) and all(e is not None and pricing.is_local(e) for e in eps)
    return budgets.verdict(b, spent[0], spent[1], worst_case, free=free)


def _resolve(endpoint: Any) -> Any:
    """An Endpoint, or the one a name (Compare's panes) stands for; None when it cannot be resolved."""
    if not isinstance(endpoint, str):
        return endpoint
    try:
        return state.resolve_endpoint(endpoint)
    except Exception:  # noqa: BLE001 - unresolvable: not known to be free
        return None


def gate(*endpoints: Any, inline: bool = False) -> bool:
    """The check at every send point: False when a hard budget is used up (nothing is sent, nothing
    typed is touched). From a button's callback, warn() says why next to Send on the rerun; a send
    made inline in the script (`if st.button(...)`, inline=True) says it where it stands. Local
    endpoints are never blocked."""
    v = _verdict(endpoints)
    if v is None or v.allowed:
        st.session_state.pop(BLOCKED, None)
        return True
    if inline:
        st.error(refusal(v.blocked), icon="⛔")
    else:
        st.session_state[BLOCKED] = v.blocked
    st.toast("Not sent: a hard budget is used up.", icon="⛔")
    return False


def refusal(why: str) -> str:
    return f"Not sent — {why} Your message and settings are kept."


def warn(worst_case: float | None, *endpoints: Any) -> None:
    """Before sending: a hard budget that blocks (with the figures), today's / this month's spend over
    budget, or a request that could pass one; and why the last send was refused.

    Also tells the user, once, when the usage ledger is not recording (the pages sending requests call this).
    """
    services.show_status()
    refused = st.session_state.pop(BLOCKED, None)
    v = _verdict(endpoints, worst_case)
    if refused:
        st.error(refusal(refused), icon="⛔")
    elif v is not None and v.blocked:
        st.error(f"Sending is blocked — {v.blocked}", icon="⛔")
    for msg in v.warnings if v is not None else ():
        if not (v.blocked or refused) or "used up" not in msg:
            st.warning(msg, icon="💸")


def warn_for_body(endpoint: Any, body: Mapping[str, Any]) -> None:
    """warn() with the worst case computed from a request body built by schema.build_body."""
    try:
        wc = budgets.worst_case_for(endpoint, body, services.prices())
    except Exception:  # noqa: BLE001 - an unreadable price table must not block sending
        wc = None
    warn(wc, endpoint)


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
        block_daily = c1.toggle("Block sending when used up", value=b.block_daily, key="budget.block_daily",
                                help="Hard budget: once today's spend reaches it, nothing more is sent to paid "
                                     "endpoints until tomorrow (local models still run).")
        block_monthly = c2.toggle("Block sending when used up", value=b.block_monthly, key="budget.block_monthly",
                                  help="Hard budget: once this month's spend reaches it, nothing more is sent "
                                       "to paid endpoints until next month (local models still run).")
        if st.form_submit_button("Save budgets"):
            try:
                new = budgets.parse_budget(daily, monthly, block_daily, block_monthly)
            except budgets.BudgetError as e:
                (daily_err if str(e).startswith("Daily") else monthly_err).error(f"Not saved — {e}")
            else:
                path = budgets.save_budget(new)
                st.success("Budgets saved: " + " · ".join(
                    f"{k} {budgets.fmt_dollars(v) if v is not None else 'none'}{' (blocks)' if hard else ''}"
                    for k, v, hard in (("daily", new.daily, new.block_daily),
                                       ("monthly", new.monthly, new.block_monthly))) + f" ({path}).")
    spent = _spent()
    if spent is not None:
        st.caption(f"Spent today ${spent[0]:.4f} · this month ${spent[1]:.4f} (requests with a known cost).")
