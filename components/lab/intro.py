"""What the Lab computes, and the approximation it makes, stated on the page."""
from __future__ import annotations

import streamlit as st

from paramlab.backends import registry
from paramlab.settings import Endpoint

APPROXIMATION = (
    "**How this works.** ParamLab asks the model once for its next token with `logprobs: true, "
    "top_logprobs: 20` (temperature 1, top_p 1, so the numbers are the model's own probabilities). "
    "The sliders then reshape those **20 candidates** in ParamLab — bias and penalties on the logits, "
    "temperature, top_p — and **renormalise over them**. This is an approximation: the server samples "
    "from its whole vocabulary, and the probability outside the 20 candidates is left out here.")


def render(endpoint: Endpoint | None) -> None:
    st.markdown(APPROXIMATION)
    note = registry.for_endpoint(endpoint).lab_note if endpoint is not None else ""
    if note:
        st.caption(note)
