"""What-if: the filtered slice priced again under another model, price table, tier or cached share."""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components.common import services
from components.usage.filters import View
from paramlab.client.metrics import fmt_cost
from paramlab.usage import pricing
from paramlab.usage.ledger import Ledger, explain
from paramlab.usage.ledger import repricing

OWN = "each request's own model"
AS_SERVED = "as served"
AS_RECORDED = "as recorded"


def _table() -> tuple[pricing.PriceTable | None, str]:
    up = st.file_uploader("Another price table (optional): LiteLLM JSON or ParamLab YAML", type=["json", "yaml", "yml"],
                          key="usage.whatif.file", help="Empty: the current table (shipped + your edits).")
    if up is None:
        return services.prices(), "the current price table"
    text = up.getvalue().decode("utf-8", "replace")
    try:
        if up.name.endswith(".json"):
            return pricing.import_litellm(text), up.name
        return pricing.parse_price_text(text, up.name, "file"), up.name
    except (pricing.PriceError, ValueError) as e:
        st.error(f"Price table not used — {e}")
        return None, ""


def controls() -> repricing.Scenario | None:
    c1, c2, c3 = st.columns(3)
    table, name = _table()
    if table is None:
        return None
    models = [OWN, *sorted(table.prices)]
    model = c1.selectbox("Price every request as", models, key="usage.whatif.model",
                         help="Another model's prices for the whole slice, or each request under its own model.")
    tier = c2.selectbox("Service tier", [AS_SERVED, *pricing.TIERS], key="usage.whatif.tier",
                        help="The tier each response said it was served at, or one tier for all.")
    share = c3.select_slider("Cached share of prompt tokens", [AS_RECORDED, *[f"{p}%" for p in range(0, 101, 10)]],
                             key="usage.whatif.cached", help="As recorded, or this share of every prompt read "
                                                             "from the provider's cache (cached price).")
    st.caption(f"Prices from {name}.")
    return repricing.Scenario(table, None if model == OWN else model, None if tier == AS_SERVED else tier,
                              None if share == AS_RECORDED else int(share.rstrip("%")) / 100)


def _chart(by_day: list[dict], tz_offset_s: int) -> alt.Chart:
    df = pd.DataFrame(by_day)
    df["day"] = pd.to_datetime(df["start_ms"] + tz_offset_s * 1000, unit="ms")
    long = df.melt(id_vars=["day"], value_vars=["actual", "whatif"], var_name="pricing", value_name="cost")
    long["pricing"] = long["pricing"].map({"actual": "as recorded", "whatif": "what-if"})
    return alt.Chart(long, title="Cost per day: as recorded and what-if ($)").mark_bar().encode(
        x=alt.X("yearmonthdate(day):O", title=None, axis=alt.Axis(format="%b %d", labelAngle=-45)),
        xOffset="pricing:N", y=alt.Y("cost:Q", title="$", axis=alt.Axis(format="$,.4~f")),
        color=alt.Color("pricing:N", title=None, scale=alt.Scale(range=["#4c78a8", "#f58518"])),
        tooltip=[alt.Tooltip("yearmonthdate(day):T", title="day"), "pricing:N",
                 alt.Tooltip("cost:Q", format="$.6f")]).properties(height=260)


def _money_table(rows: list[dict], first: str, first_fmt=None) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    if first_fmt is not None:
        df[first] = df[first].map(first_fmt)
    def money(col: str, unpriced: str) -> list[str]:  # a group with no priced request is unknown, not $0
        return ["unknown" if u == n else fmt_cost(v) + (f" + {u} unknown" if u else "")
                for v, u, n in zip(df[col], df[unpriced], df["requests"])]
    known = (df["actual_unpriced"] < df["requests"]) & (df["unpriced"] < df["requests"])
    return pd.DataFrame({first: df[first], "requests": df["requests"], "as recorded": money("actual", "actual_unpriced"),
                         "what-if": money("whatif", "unpriced"),
                         "difference": [(_signed(d) if k else "—") for d, k in zip(df["difference"], known)]})


def _signed(x: float) -> str:
    return ("+" if x > 0 else "−" if x < 0 else "") + fmt_cost(abs(x))


def render(led: Ledger, view: View) -> None:
    st.subheader("What-if re-pricing", anchor=False)
    st.caption("The requests in the filters above, priced again in the database. Requests the scenario has no "
               "price for are counted as unpriced, never as $0; local models stay $0 under their own model.")
    s = controls()
    if s is None:
        return
    try:
        with led.engine.connect() as conn:
            r = repricing.whatif(conn, view.filters, s, view.tz_offset_s)
    except SQLAlchemyError as e:
        st.error(explain(e, led.url))
        return
    t = r["totals"]
    if not t["requests"]:
        st.caption("No requests in the selected range.")
        return
    c = st.columns(4)
    c[0].metric("As recorded", fmt_cost(t["actual"]), help=f"{t['actual_unpriced']:,} request(s) had no known cost.")
    c[1].metric("What-if", fmt_cost(t["whatif"]), help=r["scenario"])
    c[2].metric("Difference", _signed(t["difference"]),
                delta=None if not t["actual"] else f"{t['difference'] / t['actual']:+.1%}", delta_color="inverse")
    c[3].metric("Unpriced (what-if)", f"{t['unpriced']:,}", help="Requests the scenario's table has no price for.")
    if t["actual_unpriced"]:
        st.caption(f":orange[{t['actual_unpriced']:,} request(s) had no known cost as recorded: they count $0 in "
                   "“as recorded” and in the difference, and at their what-if price in “what-if”.]")
    if t["tier_missing"]:
        st.caption(f":orange[{t['tier_missing']:,} request(s) priced at the standard price: the table has no "
                   f"{s.tier or 'served'}-tier price for their model.]")
    st.caption("What-if by part: " + " · ".join(f"{k.replace('_', ' ')} {fmt_cost(t[k])}"
                                               for k in pricing.COST_PARTS if t[k]))
    left, right = st.columns(2)
    with left:
        st.altair_chart(_chart(r["by_day"], view.tz_offset_s), width="stretch")
    with right:
        st.dataframe(_money_table(r["by_model"], "model"), hide_index=True, width="stretch", key="usage.whatif.models")
    with st.expander("Per day"):
        st.dataframe(_money_table(r["by_day"], "start_ms", _day(view.tz_offset_s)).rename(columns={"start_ms": "day"}),
                     hide_index=True, width="stretch")


def _day(tz_offset_s: int):
    def f(ms: Any) -> str:
        return pd.to_datetime(int(ms) + tz_offset_s * 1000, unit="ms").strftime("%Y-%m-%d")
    return f
