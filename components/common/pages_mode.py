"""Streamlit's older pages/ mode, left at once.

Under `streamlit run playground.py`, a deep link that is a fresh server's first visit runs straight
from pages/ (Streamlit's older mode: its own page list, the entry page named "playground") until
some run calls st.navigation. serve.py (`make run`) declares the newer mode before the first
session; `state.init()`, the first call of every page, calls leave() for the other case.
"""
from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from components.common import fragments


def leave() -> None:
    """Declare the newer mode and run again, so the same page runs through navigation.route().
    Not under AppTest: it sets the older mode before every run of a script beside pages/, and its
    switch_page() addresses the pages that mode registers."""
    if PagesManager.uses_pages_directory and fragments.browser():
        PagesManager.uses_pages_directory = False
        st.rerun()
