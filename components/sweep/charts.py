"""Altair charts of a sweep: each metric against the swept parameter(s), one small chart per metric."""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd


def chart_frame(long_rows: Sequence[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(long_rows))


def flat_metrics(df: pd.DataFrame) -> list[str]:
    """Titles of the metrics that are 0 in every cell (e.g. the cost on a local model): a chart of
    them is a flat line on a "0.000000" axis, so they are said in words instead."""
    if df.empty:
        return []
    flat = df.groupby("title")["value"].apply(lambda v: bool((v == 0).all()))
    return [t for t, is_flat in flat.items() if is_flat]


def build(df: pd.DataFrame, axes: Sequence[str]) -> alt.FacetChart | None:
    """x = first swept parameter, colour = the second (if any, else swept prompts by name), one facet per
    metric with its own y scale.
    Metrics without a value in any cell have no rows, and flat-zero ones are left out, so no
    facet is empty; the columns are chosen so the last row is as full as possible."""
    if df.empty:
        return None
    df = df[~df["title"].isin(flat_metrics(df))]
    if df.empty:
        return None
    count = df["title"].nunique()
    columns = min((3, 4, 2), key=lambda c: ((-count) % c, c != 3)) if count > 3 else count
    x, color = axes[0], (axes[1] if len(axes) > 1 else None)
    kind = {a: "Q" if pd.api.types.is_numeric_dtype(df[a]) else "N" for a in axes}
    if kind[x] == "Q":
        mark, x_axis = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=60)), {}
    else:  # system prompts: unordered, so points not joined by a line; the axis says "#1", "#2"…
        # and the legend (or, beside a second parameter's, the table) names each prompt
        mark = alt.Chart(df).mark_point(size=80, filled=True)
        x_axis = {"axis": alt.Axis(labelExpr="split(datum.label, ' ')[0]", labelAngle=0)}
        color = color or x
    base = mark.encode(
        x=alt.X(f"{x}:{kind[x]}", title=x, **x_axis),
        y=alt.Y("value:Q", title=None),
        tooltip=[*(alt.Tooltip(f"{a}:{kind[a]}") for a in axes), "title:N", alt.Tooltip("value:Q", format=".3f")],
    )
    if color:
        # prompts' names are long: their legend goes under the charts, so the row keeps its width
        legend = alt.Legend(orient="bottom", direction="vertical", labelLimit=600) if kind[color] == "N" else alt.Legend()
        base = base.encode(color=alt.Color(f"{color}:N", title=color, legend=legend))
    return (base.properties(width=260, height=170)
            .facet(facet=alt.Facet("title:N", title=None), columns=columns)
            .resolve_scale(y="independent"))
