"""ParamLab — the Playground (entry page). Run: `make run`."""
import streamlit as st

from components import code_view, conversation_editor, inspector, playground, state

st.set_page_config(page_title="ParamLab · Playground", page_icon="🎛️", layout="wide")
state.init()

endpoint = playground.endpoint_and_sidebar()

st.title("🎛️ Playground")
playground.system_prompt()
conversation_editor.render()
playground.composer(endpoint)
playground.reply_panes(endpoint)
inspector.render(playground.last_results())
code_view.render(endpoint, playground.last_body(), playground.next_body())
playground.session_box(endpoint)
