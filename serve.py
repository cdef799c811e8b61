"""`make run` serves this: ParamLab's pages (playground.py is the entry page, pages/ the others) and,
on the same port, the relay's routes: POST /v1/chat/completions, GET /v1/models, POST /chat-room
(/stream, /reset). `streamlit run serve.py` finds `app` below and serves it with uvicorn; the page
scripts run exactly as under `streamlit run playground.py`, which still works, without the relay."""
import streamlit as st

from components.relay import server

app = st.App("playground.py", routes=server.routes(), lifespan=server.lifespan)
