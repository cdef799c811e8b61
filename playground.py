"""ParamLab — the Playground (entry page). Run: `make run`."""
import streamlit as st

from components import endpoint_picker, playground, state

st.set_page_config(page_title="ParamLab · Playground", page_icon="🎛️", layout="wide")
state.init()

endpoint = endpoint_picker.render()
playground.sidebar_controls(endpoint)

st.title("🎛️ Playground")
playground.system_prompt()
playground.history()
playground.last_reply()
playground.composer(endpoint)
