"""The requests.Session every call uses, and connections that check the address they reached.

- trust_env=False: ~/.netrc must never replace the configured key (requests reads it when
  trust_env is on). Proxies from the environment (honouring NO_PROXY) and the CA bundle from
  REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE are applied explicitly by the transport instead.
- The connection checks its real peer before a byte of the request (or the key) is sent: the
  name may resolve differently now than when the URL was checked (DNS rebinding).
- The connection registers its socket with the request's watchdog before waiting for the
  response (requests gives no handle on the socket until the headers are in).
"""
from __future__ import annotations

import os
import threading
from typing import Any

import requests
import urllib3

from paramlab.safety import urls as urlsafety
from paramlab.transport.decoding import ACCEPT_ENCODING

USER_AGENT = "ParamLab/0.1"

# Per-thread context of the request being sent: its watchdog and the peer policy.
current = threading.local()


def environ_ca_bundle() -> str | None:
    """The CA bundle requests would take from the environment (trust_env is off, so we do)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def make_session(ca_bundle: str | None = None, verify_tls: bool = True) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.headers["User-Agent"] = USER_AGENT
    s.headers["Accept-Encoding"] = ACCEPT_ENCODING  # only what transport.decoding decodes
    s.verify = (ca_bundle or environ_ca_bundle() or True) if verify_tls else False
    adapter = WatchedAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


class _WatchedMixin:
    sock: Any

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        policy = getattr(current, "peer_policy", None)
        if policy is None or self.sock is None:
            return
        try:
            peer = self.sock.getpeername()[0]
        except OSError:
            return
        ip = urlsafety.parse_literal(str(peer).split("%")[0])
        why = urlsafety.refusal(ip, policy) if ip is not None else f"{peer!r} is not an IP address"
        if why:
            self.sock.close()
            self.sock = None
            raise urlsafety.UnsafeURLError(f"connected to {why}; nothing was sent")

    def getresponse(self, *args: Any, **kwargs: Any):
        watchdog = getattr(current, "watchdog", None)
        if watchdog is not None and self.sock is not None:
            watchdog.watch(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_WatchedMixin, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedMixin, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any):
        manager = super().proxy_manager_for(proxy, **kwargs)
        # HTTP(S) proxies only: a SOCKS manager brings its own connection classes
        if manager.pool_classes_by_scheme is urllib3.poolmanager.pool_classes_by_scheme:
            manager.pool_classes_by_scheme = _POOLS
        return manager
