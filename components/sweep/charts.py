"""Altair charts of a sweep: each metric against the swept parameter(s), one small chart per metric."""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd


def chart_frame(long_rows: Sequence[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(long_rows))


def build(df: pd.DataFrame, axes: Sequence[str]) -> alt.FacetChart | None:
    """x = first swept parameter, colour = the second (if any), one facet per metric with its own y scale."""
    if df.empty:
        return None
    x, color = axes[0], (axes[1] if len(axes) > 1 else None)
    base = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=60)).encode(
        x=alt.X(f"{x}:Q", title=x),
        y=alt.Y("value:Q", title=None),
        tooltip=[*(alt.Tooltip(f"{a}:Q") for a in axes), "title:N", alt.Tooltip("value:Q", format=".3f")],
    )
    if color:
        base = base.encode(color=alt.Color(f"{color}:N", title=color))
    return (base.properties(width=260, height=170)
            .facet(facet=alt.Facet("title:N", title=None), columns=3)
            .resolve_scale(y="independent"))
