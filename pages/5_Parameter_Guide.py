"""Parameter Guide: what each parameter does, in English and Chinese, with links to the Lab."""
import streamlit as st

from components import guide_view, state

st.set_page_config(page_title="ParamLab · Parameter Guide", page_icon="📖", layout="wide")
state.init()

st.title("📖 Parameter Guide")
lang = guide_view.language()
guide_view.intro(lang)
guide_view.entries(lang)
