"""“Check against the engine”: the server's own probabilities after its sampler chain beside the Lab's."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.common import state
from components.lab import state as ls
from paramlab.backends import registry
from paramlab.lab import engine_check
from paramlab.lab.next_token import NextToken, show_token
from paramlab.settings import Endpoint


def _check(endpoint: Endpoint, rows) -> None:
    ss = st.session_state
    try:
        comp = engine_check.check(state.client_for(endpoint), ss.get(state.MODEL) or "", ls.messages(),
                                  ss[ls.PREFIX], ls.settings(), rows, endpoint.backend)
        ss[ls.CHECK] = (_key(), comp)
    except engine_check.EngineCheckError as e:
        ss[ls.CHECK] = (_key(), str(e))


def _key() -> tuple:
    """What the check depends on: the distribution asked for and the Lab's settings."""
    ss = st.session_state
    return (id(ss.get(ls.DIST)), tuple(sorted(ss[ls.SETTINGS].items())), ss.get(ls.BIAS_TEXT, ""))


def render(endpoint: Endpoint | None, dist: NextToken, rows) -> None:
    able = endpoint is not None and registry.for_endpoint(endpoint).option("post_sampling_probs") is not None
    if st.button("Check against the engine", key="lab.b.engine_check", disabled=not able,
                 help="Asks the llama.cpp server for its own probabilities after its sampler chain "
                      "(n_probs 20, post_sampling_probs) with these temperature, top_k, top_p, min_p, "
                      "typical_p and logit_bias, and shows them beside the Lab's."
                      if able else "Needs a llama.cpp server (the embedded engine is one)."):
        _check(endpoint, rows)
    key, got = st.session_state.get(ls.CHECK) or (None, None)
    if got is not None and key != _key():
        st.caption("The settings or the distribution changed since the last check: press the button again.")
        return
    if isinstance(got, str):
        st.error(got)
    elif got is not None:
        df = pd.DataFrame([{"token": show_token(r["token"]), "id": r["id"], "Lab": r["lab"], "engine": r["server"],
                            "difference": r["difference"]} for r in got.rows])
        st.dataframe(df, hide_index=True, width="stretch", key="lab-engine-table",
                     column_config={c: st.column_config.NumberColumn(format="%.4f") for c in ("Lab", "engine", "difference")})
        st.caption(f"Largest difference: {got.max_difference:.4f}. "
                   + ("The engine listed every token it kept." if got.complete else
                      "The engine kept more than 20 tokens: blank cells are candidates it ranked below its 20th."))
