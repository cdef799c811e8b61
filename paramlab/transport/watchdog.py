"""The deadline watchdog: shuts a request's socket down at the deadline or on cancel, which
unblocks any recv() (a server trickling bytes or headers cannot hold a request past it)."""
from __future__ import annotations

import socket
import threading
from typing import Any

import requests


class Watchdog:
    """Started once per request (covering every retry); the socket is registered by the
    connection before the response headers are read, and again from the response."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self._done = False
        self.fired: str | None = None  # "deadline" | "cancel"

    def start(self, seconds: float) -> None:
        with self._lock:
            if self._timer is not None or self._done:
                return
            self._timer = threading.Timer(max(seconds, 0.0), self.fire, ("deadline",))
            self._timer.daemon = True
            self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._done:
                return
            self._sock = sock
            if self.fired:
                shutdown_socket(sock)

    def arm(self, resp: requests.Response, seconds: float) -> None:
        sock = response_socket(resp)
        if sock is not None:
            self.watch(sock)
        self.start(seconds)

    def fire(self, why: str) -> None:
        with self._lock:
            if self._done:
                return
            if self.fired is None:
                self.fired = why
            if self._sock is not None:
                shutdown_socket(self._sock)

    def disarm(self) -> None:
        """The request is over: its socket may go back to the pool, so it is never touched again."""
        with self._lock:
            self._done = True
            self._sock = None
            timer = self._timer
        if timer:
            timer.cancel()


def response_socket(resp: requests.Response) -> socket.socket | None:
    for path in (("raw", "_connection", "sock"), ("raw", "_fp", "fp", "raw", "_sock")):
        obj: Any = resp
        for attr in path:
            obj = getattr(obj, attr, None)
            if obj is None:
                break
        if isinstance(obj, socket.socket):
            return obj
    return None


def shutdown_socket(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
