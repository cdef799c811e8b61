"""Distribution Lab: what the sampling parameters do to a real model's next-token distribution."""
import streamlit as st

from components.common import endpoint_picker
from components.lab import bias as lab_bias
from components.lab import controls as lab_controls
from components.lab import distribution as lab_distribution
from components.lab import conversation as lab_conversation
from components.lab import intro as lab_intro
from components.lab import send as lab_send
from components.lab import state as lab_state
from components.lab import step as lab_step
from components.lab import text as lab_text
from components.lab import work as lab_work
from components.common import state

st.set_page_config(page_title="ParamLab · Distribution Lab", layout="wide")
state.init()
endpoint = endpoint_picker.render()
lab_state.init(endpoint.backend if endpoint else "other")

st.title(lab_text.t("title"), anchor=False)
lab_text.switch()
lab_work.settle()
lab_intro.render(endpoint)
lab_conversation.render(endpoint)
lab_work.status()

left, right = st.columns([1, 2], gap="large")
with left:
    focus = lab_controls.focus_picker()
    lab_controls.sliders(focus)
    lab_controls.history(endpoint, focus)
    lab_bias.render(endpoint, focus)

with right:
    lab_distribution.render(endpoint)
    st.subheader(lab_text.t("step_mode"), anchor=False)
    lab_step.render(endpoint)
    st.subheader(lab_text.t("send_real"), anchor=False)
    lab_send.render(endpoint)
