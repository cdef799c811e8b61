"""Who hears about finished requests: the usage ledger and the request log subscribe here.

The client publishes every finished request; a failing observer is logged, never raised,
so a broken ledger cannot break the playground.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable

log = logging.getLogger("paramlab.client.observers")

Observer = Callable[[Any, Any, dict], None]  # (endpoint, ChatResult, context)
_observers: dict[str, Observer] = {}
_lock = threading.Lock()


def subscribe(name: str, fn: Observer) -> None:
    """Register (or replace) an observer under a name, so reruns do not add duplicates."""
    with _lock:
        _observers[name] = fn


def unsubscribe(name: str) -> None:
    with _lock:
        _observers.pop(name, None)


def publish(endpoint: Any, result: Any, context: dict) -> None:
    with _lock:
        current = list(_observers.items())
    for name, fn in current:
        try:
            fn(endpoint, result, context)
        except Exception as e:  # noqa: BLE001 - an observer must never break a request
            log.warning("observer %s failed: %s", name, type(e).__name__)
