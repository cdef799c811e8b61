"""The sidebar line that says the relay on this port is open to local clients only (no relay key)."""
from __future__ import annotations

import streamlit as st
from streamlit import config as st_config

from paramlab.relay import http as relay_http
from paramlab.relay.access import Gate, bound_to_loopback


def render(keys) -> None:
    if not relay_http.SERVED:
        return
    if Gate(keys, bound_to_loopback(str(st_config.get_option("server.address") or ""))).mode == "local":
        st.sidebar.caption(":material/lan: **Relay open to local clients only** — no relay key is set, so "
                           "`/v1` and `/chat-room` on this port answer this machine without a key.")
