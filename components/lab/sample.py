"""“Sample 100”: draws from the reshaped distribution, observed counts against expected ones."""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from components.lab import state as ls
from components.lab.chart import labels
from components.lab.text import t
from paramlab.lab import reshape

N = 100


def _start(seed_step: int) -> None:
    ss = st.session_state
    ss[ls.SEED] = int(ss.get("lab.w.seed", ss[ls.SEED])) + seed_step
    ss["lab.w.seed"] = ss[ls.SEED]
    ss[ls.SAMPLE] = {"n": N}


def frame(rows: Sequence[reshape.Row], freqs: Sequence[reshape.Frequency]) -> pd.DataFrame:
    names = labels(rows)
    data = []
    for f in freqs:
        if f.observed or f.expected >= 0.005:
            data.append({"token": names[f.rank], "kind": "observed", "count": f.observed})
            data.append({"token": names[f.rank], "kind": "expected", "count": round(f.expected, 2)})
    return pd.DataFrame(data, columns=["token", "kind", "count"])


def chart(df: pd.DataFrame) -> alt.Chart:
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("token:N", sort=list(dict.fromkeys(df["token"])), title=None, axis=alt.Axis(labelAngle=-45, labelOverlap=False)),
        xOffset="kind:N", y=alt.Y("count:Q", title=f"times in {N} draws"),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["observed", "expected"], range=["#4f46e5", "#a5b4fc"]),
                        legend=alt.Legend(orient="top", title=None)),
        tooltip=["token", "kind", "count"]).properties(height=260)


def render(rows: Sequence[reshape.Row]) -> None:
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    ls.bound_text(c1.number_input, ls.SEED, label=t("seed"), step=1, help="The Lab's own random seed.")
    c2.button(t("sample_n", n=N), key="lab.b.sample", on_click=_start, args=(0,), type="primary")
    if st.session_state[ls.SAMPLE]:
        c3.button(t("sample_again"), key="lab.b.resample", on_click=_start, args=(1,))
    if not st.session_state[ls.SAMPLE]:
        return
    # Re-drawn from the current settings on every run: moving a slider updates the comparison.
    draws = reshape.sample(rows, N, int(st.session_state[ls.SEED]))
    if not draws:
        st.warning("Nothing can be sampled with these settings (every candidate is banned or cut).")
        return
    freqs = reshape.observed_vs_expected(rows, draws)
    st.altair_chart(chart(frame(rows, freqs)), width="stretch", key="chart-sample")
    distinct = sum(1 for f in freqs if f.observed)
    gap = sum(abs(f.observed - f.expected) for f in freqs) / 2
    st.caption(f"{N} draws with seed {st.session_state[ls.SEED]}: {distinct} distinct tokens; observed and "
               f"expected differ by {gap:.0f} draws in total (random variation shrinks as 1/√n).")
