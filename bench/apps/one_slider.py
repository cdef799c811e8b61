"""The benchmark's reference: a Streamlit page with one slider and nothing else."""
import streamlit as st

st.slider("value", 0.0, 2.0, 1.0, 0.01, key="x")
