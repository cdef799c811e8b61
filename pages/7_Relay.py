"""ParamLab — Relay: applications call ParamLab's /v1 (or the seed's /chat-room) on this port; every
request is forwarded upstream, recorded in the usage ledger, and can be opened in the Playground."""
import streamlit as st

from components.common import state
from components.relay import server
from components.relay import view as relay_view

st.set_page_config(page_title="ParamLab · Relay", layout="wide")
state.init()

st.title("🔀 Relay", anchor=False)
relay = server.relay()
relay_view.status(relay)
relay_view.examples(relay)
relay_view.requests()
