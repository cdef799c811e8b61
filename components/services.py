"""Process-wide services started once (usage ledger, pricing, request log).

Each service subscribes to paramlab.observers; state.init() calls start() on every page.
"""
from __future__ import annotations

import streamlit as st


@st.cache_resource(show_spinner=False)
def start() -> bool:
    return True
