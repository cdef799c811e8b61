"""The relay wired into the app's process: its settings, the usage ledger and pricing (started here
too, so relayed requests are recorded even before anyone opens a page), and whether the app listens
on loopback only. serve.py mounts `routes()` on the app's port."""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from streamlit import config as st_config

from components.common import services, state
from paramlab.relay import http as relay_http
from paramlab.relay.access import bound_to_loopback
from paramlab.relay.service import Relay

log = logging.getLogger("paramlab.relay")
_lock = threading.Lock()
_relay: list[Relay] = []


def server_address() -> str:
    return str(st_config.get_option("server.address") or "")


def relay() -> Relay:
    """The process's relay, built on first use (after the Streamlit runtime has started)."""
    with _lock:
        if not _relay:
            services.start()
            _relay.append(Relay(state.settings(), local_only=bound_to_loopback(server_address()),
                                ledger=services.ledger))
        return _relay[0]


def routes():
    return relay_http.routes(relay)


@asynccontextmanager
async def lifespan(_app):
    """At startup, with the port bound: replies leave at once instead of after a delayed ACK (~40 ms)."""
    port = int(st_config.get_option("server.port"))
    if not relay_http.nodelay_listeners(port):
        log.info("TCP_NODELAY could not be set on the listening socket of port %s", port)
    yield
