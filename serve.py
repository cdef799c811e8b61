"""`make run` serves this: ParamLab's pages (playground.py is the entry page, pages/ the others) and,
on the same port, the relay's routes: POST /v1/chat/completions, GET /v1/models, POST /chat-room
(/stream, /reset). `streamlit run serve.py` finds `app` below and serves it with uvicorn; the page
scripts run exactly as under `streamlit run playground.py`, which still works, without the relay."""
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from components.relay import server
from paramlab.relay import http as relay_http

# The pages are declared by st.navigation (components/common/navigation.py). Until a script run
# calls it, Streamlit treats a pages/ folder as its older automatic navigation and runs a deep
# link such as /Compare straight from pages/, with the sidebar naming the entry page after its
# file ("playground"). Declaring the newer mode before the first session avoids that (under
# `streamlit run playground.py`, components/common/pages_mode.py repairs such a first run).
PagesManager.uses_pages_directory = False

# The relay's routes are also served ahead of Streamlit's middleware (relay/http.py ServedFirst).
routes = server.routes()
app = st.App("playground.py", routes=routes, middleware=[relay_http.served_first(routes)], lifespan=server.lifespan)
