"""Compare: what one run of every pane could cost at most, and the budget warnings for it."""
from __future__ import annotations

import streamlit as st

from components.common import budget as budget_ui
from components.common import services
from components.common import state
from components.compare import context
from paramlab import settings as config
from paramlab.backends.engine import EngineError
from paramlab.client.metrics import fmt_cost
from paramlab.experiments import compare
from paramlab.experiments.compare import Pane
from paramlab.request.schema import ValidationError
from paramlab.usage import budget as budgets


def worst_case(panes: list[Pane], messages: list[dict]) -> tuple[float | None, list[int]]:
    """The sum of every sendable pane's worst case (None when any is unknown), and the panes
    (1-based) whose cost is unknown."""
    total, unknown = 0.0, []
    table = services.prices()
    stream, usage = st.session_state[state.STREAM], st.session_state[state.INCLUDE_USAGE]
    for i, pane in enumerate(panes, start=1):
        try:
            body = compare.body_for(pane, messages, stream, usage)
            endpoint = state.resolve_endpoint(pane.endpoint)
        except (ValidationError, config.ConfigError, EngineError):
            continue  # not sent: the pane says why when the run starts
        wc = budgets.worst_case_for(endpoint, body, table)
        if wc is None:
            unknown.append(i)
        else:
            total += wc
    return (None if unknown else total), unknown


def view(panes: list[Pane], prompt: str) -> tuple[float | None, list[int]]:
    """What render() shows: the worst case and the panes whose cost is unknown."""
    return worst_case(panes, context.messages_for(prompt))


def render(panes: list[Pane], prompt: str) -> None:
    """The worst case next to Run, and a budget warning when a run could pass a budget."""
    wc, unknown = view(panes, prompt)
    if wc is None:
        which = ", ".join(map(str, unknown))
        st.caption(f"Worst-case cost of one run: **unknown** (pane {which}: no price for the model, "
                   "or max_tokens unset and the context window unknown)")
    else:
        st.caption(f"Worst-case cost of one run: **{fmt_cost(wc)}** — {len(panes)} panes, each its prompt "
                   "plus n × max tokens at its model's price")
    budget_ui.warn(wc, *[p.endpoint for p in panes])
