"""Parameter Guide: what each parameter does, in English and Chinese, with links to the Lab."""
import streamlit as st

from components.guide import view as guide_view
from components.common import state

st.set_page_config(page_title="ParamLab · Parameter Guide", layout="wide")
state.init()

lang = guide_view.header()
guide_view.intro(lang)
guide_view.entries(lang)
guide_view.backends(lang)
