"""The Lab's right column head: the reshaped next-token distribution, the engine check and sampling."""
from __future__ import annotations

import streamlit as st

from components.common import fragments

from components.lab import chart as lab_chart
from components.lab import engine as lab_engine
from components.lab import sample as lab_sample
from components.lab import state as lab_state
from components.lab.text import t
from paramlab.lab import reshape
from paramlab.settings import Endpoint


def render(endpoint: Endpoint | None) -> None:
    """The chart, engine check and sampling: a fragment that a setting's change reruns (watched)."""
    fragments.run("lab-distribution", _render, endpoint, watch=lambda _: lab_state.view())


def _render(endpoint: Endpoint | None) -> None:
    dist = st.session_state.get(lab_state.DIST)
    if dist is None:
        st.info(t("press_fetch"))
        return
    settings = lab_state.settings()
    rows = reshape.reshape(dist.candidates, settings, dist.tail)
    lab_chart.render(dist, rows, settings=settings)
    lab_engine.render(endpoint, dist, rows)
    st.subheader(t("sample"), anchor=False)
    lab_sample.render(rows)
