"""ParamLab — Sweep: one or two parameters × values × repeats, charted; and the seed check."""
import streamlit as st

from components.common import endpoint_picker
from components.common import state
from components.sweep import results as sweep_results
from components.sweep import seedcheck as sweep_seedcheck
from components.sweep import setup as sweep_setup

st.set_page_config(page_title="ParamLab · Sweep", layout="wide")
state.init()
endpoint = endpoint_picker.render()

st.title("📈 Sweep", anchor=False)
sweep_tab, seed_tab = st.tabs(["Parameter sweep", "Seed check"])
with sweep_tab:
    plan, errors = sweep_setup.form(endpoint)
    may_start = sweep_setup.plan_summary(endpoint, plan, errors)
    sweep_setup.controls(endpoint, plan, may_start)
    sweep_results.progress()
    sweep_results.results()
with seed_tab:
    sweep_seedcheck.render(endpoint)
