"""Month-to-date and today's spend, where each will end at the recent rate, drawn against the budgets."""
from __future__ import annotations

import time

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components.usage.filters import View
from paramlab.client.metrics import fmt_cost
from paramlab.usage import budget as budgets
from paramlab.usage import forecast
from paramlab.usage.ledger import Filters, Ledger, explain
from paramlab.usage.ledger import queries as Q


def load(led: Ledger, tz_offset_s: int, now_s: float | None = None) -> tuple[forecast.Forecast, forecast.Forecast]:
    """(this month, today) over the whole ledger (budgets count every request, whatever the filters)."""
    now_s = time.time() if now_s is None else now_s
    m0, today, m1 = forecast.month_bounds(now_s, tz_offset_s)
    start = min(m0, today - forecast.DAY_WINDOW * forecast.DAY_MS)
    try:
        b = budgets.load_budget()
    except budgets.BudgetError:
        b = budgets.Budget()
    with led.engine.connect() as conn:
        first = Q.first_request_ms(conn)
        daily = Q.over_time(conn, Filters(start, m1), "day", tz_offset_s)
        hours = Filters(today - forecast.HOUR_WINDOW * forecast.HOUR_MS, today + forecast.DAY_MS)
        hourly = Q.over_time(conn, hours, "hour", tz_offset_s)
    return (forecast.month(daily, now_s, tz_offset_s, first, b.monthly),
            forecast.day(hourly, now_s, tz_offset_s, first, b.daily))


def _chart(f: forecast.Forecast, title: str, unit: str) -> alt.Chart:
    step = 86_400_000 if unit == "day" else 3_600_000
    pts = [{"t": f.start_ms, "spend": 0.0, "kind": "spent"}]
    pts += [{"t": t + step, "spend": v, "kind": "spent"} for t, v in f.cumulative]
    now = int(time.time() * 1000)
    pts.append({"t": min(now, f.end_ms), "spend": f.spent, "kind": "spent"})
    df = pd.DataFrame(pts)
    fc = pd.DataFrame([{"t": min(now, f.end_ms), "expected": f.spent, "low": f.spent, "high": f.spent},
                       {"t": f.end_ms, "expected": f.expected, "low": f.low, "high": f.high}])
    for d in (df, fc):
        d["time"] = pd.to_datetime(d["t"], unit="ms", utc=True).dt.tz_convert(None)
    layers = [
        alt.Chart(fc).mark_area(opacity=0.2, color="#f58518").encode(x="time:T", y="low:Q", y2="high:Q"),
        alt.Chart(fc).mark_line(strokeDash=[5, 3], color="#f58518").encode(
            x="time:T", y="expected:Q", tooltip=[alt.Tooltip("expected:Q", format="$.4f"),
                                                 alt.Tooltip("low:Q", format="$.4f"), alt.Tooltip("high:Q", format="$.4f")]),
        alt.Chart(df).mark_line(interpolate="step-after", color="#4c78a8").encode(
            x=alt.X("time:T", title=None), y=alt.Y("spend:Q", title="$", axis=alt.Axis(format="$,.4~f")),
            tooltip=[alt.Tooltip("time:T"), alt.Tooltip("spend:Q", format="$.4f")]),
    ]
    if f.budget is not None:
        rule = pd.DataFrame([{"budget": f.budget, "label": f"budget {fmt_cost(f.budget)}"}])
        layers.append(alt.Chart(rule).mark_rule(color="#e45756", strokeWidth=2).encode(y="budget:Q", tooltip=["label:N"]))
    return alt.layer(*layers, title=title).properties(height=240)


def _metrics(f: forecast.Forecast, period: str) -> None:
    unit = "day" if period == "this month" else "hour"
    c = st.columns(2)
    c[0].metric(f"Spent {period}", fmt_cost(f.spent))
    over = f.over_budget
    c[1].metric(f"Forecast, end of {'month' if unit == 'day' else 'day'}", fmt_cost(f.expected),
                delta=None if over is None else ("over budget" if over else "within budget"),
                delta_color="inverse" if over else "normal",
                help=f"Spent so far + {fmt_cost(f.rate)} per {unit} × {f.left:.1f} {unit}s left ({f.basis}).")
    st.caption(f"90 % range **{fmt_cost(f.low)} – {fmt_cost(f.high)}** · rate {fmt_cost(f.rate)} per {unit}, "
               f"{f.basis} · " + (f"budget {fmt_cost(f.budget)}" if f.budget is not None else "no budget set"))


def render(led: Ledger, view: View) -> None:
    st.subheader("Forecast", anchor=False)
    try:
        month, day = load(led, view.tz_offset_s)
    except SQLAlchemyError as e:
        st.error(explain(e, led.url))
        return
    left, right = st.columns(2)
    with left:
        _metrics(month, "this month")
        st.altair_chart(_chart(month, "This month: spend and forecast ($)", "day"), width="stretch")
    with right:
        _metrics(day, "today")
        st.altair_chart(_chart(day, "Today: spend and forecast ($)", "hour"), width="stretch")
