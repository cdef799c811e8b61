"""Distribution Lab: what the sampling parameters do to a real model's next-token distribution."""
import streamlit as st

from components.common import endpoint_picker
from components.lab import bias as lab_bias
from components.lab import chart as lab_chart
from components.lab import controls as lab_controls
from components.lab import conversation as lab_conversation
from components.lab import engine as lab_engine
from components.lab import intro as lab_intro
from components.lab import sample as lab_sample
from components.lab import send as lab_send
from components.lab import state as lab_state
from components.lab import step as lab_step
from components.common import state
from paramlab.lab import reshape

st.set_page_config(page_title="ParamLab · Distribution Lab", page_icon="🔬", layout="wide")
state.init()
endpoint = endpoint_picker.render()
lab_state.init(endpoint.backend if endpoint else "other")

st.title("🔬 Distribution Lab")
lab_intro.render(endpoint)
lab_conversation.render(endpoint)

left, right = st.columns([1, 2], gap="large")
with left:
    focus = lab_controls.focus_picker()
    lab_controls.sliders(focus)
    lab_controls.history(endpoint, focus)
    lab_bias.render(endpoint, focus)

with right:
    dist = st.session_state.get(lab_state.DIST)
    if dist is None:
        st.info("Press **Get next-token distribution** to ask the model.")
    else:
        rows = reshape.reshape(dist.candidates, lab_state.settings())
        lab_chart.render(dist, rows, settings=lab_state.settings())
        lab_engine.render(endpoint, dist, rows)
        st.subheader("Sample")
        lab_sample.render(rows)
    st.subheader("Step mode")
    lab_step.render(endpoint)
    st.subheader("Send a real request with these settings")
    lab_send.render(endpoint)
