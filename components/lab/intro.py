"""What the Lab computes, and the approximation it makes, stated on the page."""
from __future__ import annotations

import streamlit as st

from paramlab.settings import Endpoint
from paramlab.settings import LLAMACPP_LIKE

APPROXIMATION = (
    "**How this works.** ParamLab asks the model once for its next token with `logprobs: true, "
    "top_logprobs: 20` (temperature 1, top_p 1, so the numbers are the model's own probabilities). "
    "The sliders then reshape those **20 candidates** in ParamLab — bias and penalties on the logits, "
    "temperature, top_p — and **renormalise over them**. This is an approximation: the server samples "
    "from its whole vocabulary, and the probability outside the 20 candidates is left out here.")
LLAMACPP_NOTE = ("llama.cpp servers also apply their own top_k (40) and min_p (0.05) by default, which the Lab "
                 "does not model; a real request can therefore be a little less varied than the Lab shows.")


def render(endpoint: Endpoint | None) -> None:
    st.markdown(APPROXIMATION)
    if endpoint is not None and endpoint.backend in LLAMACPP_LIKE:
        st.caption(LLAMACPP_NOTE)
