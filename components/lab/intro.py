"""What the Lab computes, and the approximation it makes, stated on the page."""
from __future__ import annotations

import streamlit as st

from components.lab.text import t
from paramlab.backends import registry
from paramlab.settings import Endpoint

APPROXIMATION = (
    "**How this works.** ParamLab asks the model once for its next token with `logprobs: true, "
    "top_logprobs: 20` (temperature 1, top_p 1, so the numbers are the model's own probabilities). "
    "The sliders then reshape those **20 candidates** in ParamLab — bias and penalties on the logits, then "
    "temperature, top_k, top_p, min_p and typical_p in the chosen sampler order. The cut-offs use the model's "
    "**real probabilities**, not the 20 renormalised to 100 %: the probability outside the 20 candidates is "
    "kept as a tail of less likely tokens (its size is known, its shape estimated), so the result is exact "
    "whenever the cut-offs remove that tail and an estimate otherwise. **Check against the engine** asks "
    "a llama.cpp server for its own numbers under the same settings.")


def render(endpoint: Endpoint | None) -> None:
    st.markdown(t("approximation"))
    note = registry.for_endpoint(endpoint).lab_note if endpoint is not None else ""
    if note:
        st.caption(note)
