"""ParamLab — the Playground (entry page). Run: `make run`."""
import streamlit as st

from components.playground import conversation as conversation_editor
from components.playground import inspector
from components.playground import sections as playground
from components.common import navigation
from components.common import reopen, state

navigation.route()  # the other pages run from here; the Playground continues below
st.set_page_config(page_title="ParamLab · Playground", layout="wide")
state.init()

endpoint = playground.endpoint_and_sidebar()

st.title("🎛️ Playground", anchor=False)
playground.settle_run(endpoint)
reopen.show_note()
playground.system_prompt()
conversation_editor.render()
playground.composer(endpoint)
playground.reply_panes(endpoint)
inspector.render(playground.last_results())
playground.code(endpoint)
playground.session_box(endpoint)
