"""ParamLab — Compare: 2 to 6 configurations answer the same conversation side by side."""
import streamlit as st

from components.compare import panes as compare_panes
from components.compare import results as compare_results
from components.common import endpoint_picker
from components.common import state

st.set_page_config(page_title="ParamLab · Compare", layout="wide")
state.init()
endpoint_picker.render()

st.title("🆚 Compare", anchor=False)
compare_panes.toolbar()
prompt = compare_panes.prompt_box()
compare_panes.cost(prompt)
compare_panes.run_controls()
compare_panes.render_settings()
compare_panes.render_outputs()
compare_results.render()
