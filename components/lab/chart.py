"""The next-token distribution as an altair bar chart: reshaped probabilities, the top_p nucleus
coloured, tokens that can no longer be sampled greyed, and the model's own probability as a tick."""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from paramlab.lab import reshape
from paramlab.lab.next_token import NextToken, show_token

COLOURS = {reshape.NUCLEUS: "#4f46e5", reshape.OUTSIDE: "#d1d5db", reshape.CUT_TOP_K: "#fde68a",
           reshape.CUT_MIN_P: "#bbf7d0", reshape.CUT_TYPICAL: "#bae6fd", reshape.BANNED: "#fca5a5",
           reshape.NOT_GREEDY: "#e5e7eb"}


def labels(rows: Sequence[reshape.Row]) -> list[str]:
    """Unique x-axis labels: the visible token, with its id when two tokens look the same."""
    shown = [show_token(r.token) for r in rows]
    dup = {s for s in shown if shown.count(s) > 1}
    return [f"{s} #{r.id}" if s in dup else s for s, r in zip(shown, rows)]


def frame(rows: Sequence[reshape.Row]) -> pd.DataFrame:
    return pd.DataFrame({
        "token": labels(rows),
        "id": [r.id for r in rows],
        "model": [r.raw_prob for r in rows],
        # Greyed tokens keep the height they had before the cut, so you can see what was removed.
        "height": [r.final_prob if r.sampleable else r.prob for r in rows],
        "reshaped": [r.final_prob for r in rows],
        "renormalised": [r.renormalised for r in rows],
        "status": [r.status for r in rows],
        "count": [r.count for r in rows],
        "adjustment": [r.adjustment for r in rows],
    })


def chart(rows: Sequence[reshape.Row], height: int = 320) -> alt.LayerChart:
    df = frame(rows)
    order = list(df["token"])
    x = alt.X("token:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45, labelLimit=90, labelOverlap=False))
    tooltip = [alt.Tooltip("token:N"), alt.Tooltip("id:Q"), alt.Tooltip("model:Q", format=".2%", title="model p"),
               alt.Tooltip("reshaped:Q", format=".2%", title="sampling p"), alt.Tooltip("status:N"),
               alt.Tooltip("adjustment:Q", format="+.2f", title="logit change"),
               alt.Tooltip("count:Q", title="count in history")]
    bars = alt.Chart(df).mark_bar().encode(
        x=x, y=alt.Y("height:Q", title="probability", axis=alt.Axis(format="%")),
        color=alt.Color("status:N", scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
                        legend=alt.Legend(orient="top", title=None, labelLimit=0, columns=3)),  # one row was cut
        tooltip=tooltip)
    ticks = alt.Chart(df).mark_tick(color="#111827", thickness=2, size=14).encode(
        x=x, y="model:Q", tooltip=tooltip)
    return alt.layer(bars, ticks).properties(height=height)


def summary(rows: Sequence[reshape.Row], dist: NextToken, outside: tuple[float, float] = (0.0, 0.0)) -> str:
    kept = [r for r in rows if r.sampleable]
    return (f"{len(kept)} of {len(rows)} candidates can be sampled · the {len(rows)} candidates hold "
            f"{dist.coverage:.1%} of the model's probability; {outside[0]:.1%} lies outside them, and "
            f"{outside[1]:.1%} still does after the cut-offs · cut-offs use the real probabilities · "
            "black ticks: the model's own probability")


MODEL_P, SAMPLING_P, AMONG = "model p", "sampling p", "of these"  # the table's short headers (help says more)


def render(dist: NextToken, rows: Sequence[reshape.Row], key: str = "lab",
           settings: reshape.Settings | None = None) -> None:
    st.altair_chart(chart(rows), width="stretch", key=f"chart-{key}")
    outside = reshape.outside(dist.candidates, settings, dist.tail) if settings is not None else (1 - dist.coverage, 0.0)
    st.caption(summary(rows, dist, outside))
    with st.expander("Table", expanded=key == "lab"):
        df = frame(rows).drop(columns=["height"]).rename(columns={
            "model": MODEL_P, "reshaped": SAMPLING_P, "renormalised": AMONG})
        n = len(rows)
        helps = {MODEL_P: "The model's own probability (temperature 1, nothing cut).",
                 SAMPLING_P: "What the sampler draws with the settings above, the rest of the vocabulary "
                             "keeping its share.",
                 AMONG: f"The reshaped probability if these {n} candidates were all there is."}
        percent = {c: st.column_config.NumberColumn(format="percent", width="small", help=h) for c, h in helps.items()}
        st.dataframe(df, hide_index=True, width="stretch", key=f"table-{key}",  # the status is the long text
                     column_config={**percent, "id": st.column_config.NumberColumn(width="small"),
                                    "status": st.column_config.TextColumn(width="large")})
        st.caption(f"Outside the {n} candidates: {outside[0]:.1%} of the model's probability, "
                   f"{outside[1]:.1%} after the cut-offs. “{AMONG}” is what the reshaping would give "
                   f"if the {n} candidates were all there is.")
