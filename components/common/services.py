"""Process-wide services, started once: one cached `Services` object holds the usage ledger, the
price table, the embedded engine and the observers it subscribed.

The object lives in st.cache_resource, not in module globals, so it survives Streamlit reloading
this module (a module global would be reset to empty while the observers kept the old one).
get() subscribes two observers to paramlab.client.observers, in this order: "pricing" fills
result.metrics.cost (so every page shows it), then "ledger" appends the record. A ledger that
cannot open or write never breaks a request: ledger_status() says why, for the page to show.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import streamlit as st

from paramlab import settings
from paramlab.usage import logs as logsetup
from paramlab.client import observers
from paramlab.usage import pricing
from paramlab.usage.ledger import Ledger, LedgerError, default_url

log = logging.getLogger("paramlab.services")

@dataclass
class Services:
    ledger: Ledger | None = None
    ledger_error: str | None = None
    prices: pricing.PriceTable | None = None
    price_error: str | None = None
    observers: tuple[str, ...] = ()
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @staticmethod
    def engine():
        """The embedded engine (started on first use, once per process)."""
        from paramlab.backends.engine import get_engine
        return get_engine()


@st.cache_resource(show_spinner=False)
def get() -> Services:
    """The one Services object of this server process."""
    svc = Services()
    _load_prices(svc)
    _open_ledger(svc)
    observers.subscribe("pricing", _price_observer)
    observers.subscribe("ledger", _ledger_observer)
    logsetup.start()  # request log: subscribes "requestlog" after pricing, so lines carry the cost
    svc.observers = ("pricing", "ledger", logsetup.OBSERVER_NAME)
    return svc


def start() -> bool:
    get()
    return True


def prices() -> pricing.PriceTable:
    """The current price table (shipped + user edits); an unreadable user file falls back to shipped."""
    svc = get()
    return svc.prices if svc.prices is not None else _load_prices(svc)


def _load_prices(svc: Services) -> pricing.PriceTable:
    try:
        table, err = pricing.load_prices(), None
    except pricing.PriceError as e:
        table, err = pricing.read_price_file(pricing.SHIPPED, "shipped"), f"Your price edits were not loaded — {e}"
    with svc.lock:
        svc.prices, svc.price_error = table, err
    return table


def reload_prices() -> pricing.PriceTable:
    return _load_prices(get())


def price_status() -> str | None:
    return get().price_error


def _price_observer(endpoint, result, context) -> None:
    pricing.apply(prices(), endpoint, result)  # cost and its breakdown, at the price in force then


def reprice_ledger(old: pricing.PriceTable, new: pricing.PriceTable) -> tuple[int, str | None]:
    """After a price edit: re-price the ledger from each change's date on; (rows, error message)."""
    from paramlab.usage.ledger import explain, repricing
    led = get().ledger
    if led is None:
        return 0, None
    try:
        with led.engine.begin() as conn:
            return repricing.reprice(conn, old, new), None
    except Exception as e:  # noqa: BLE001 - the prices are saved; say why the past was not re-priced
        return 0, explain(e, led.url)


def _ledger_observer(endpoint, result, context) -> None:
    led = get().ledger
    if led is not None:
        led.record(endpoint, result, context)  # never raises; failures show in ledger_status()


def open_ledger(url: str | None = None) -> Ledger | None:
    """Open (or re-open) the ledger; on failure remember the message and return None."""
    return _open_ledger(get(), url)


def _open_ledger(svc: Services, url: str | None = None) -> Ledger | None:
    rt = settings.current()
    url = url or rt.database_url or default_url()
    store_text = rt.ledger_store_text
    try:
        led, err = Ledger.open(url, store_text=store_text), None
    except LedgerError as e:
        led, err = None, str(e)
        log.warning("usage ledger unavailable: %s", e)
    with svc.lock:
        old, svc.ledger, svc.ledger_error = svc.ledger, led, err
    if old is not None and old is not led:
        old.close()
    return led


def ledger() -> Ledger | None:
    return get().ledger


def ledger_status() -> str | None:
    """Why the usage ledger is not recording (None when it is fine): opening or the last write failed."""
    svc = get()
    if svc.ledger_error:
        return svc.ledger_error
    led = svc.ledger
    return led.status if led is not None else None


def show_status() -> None:
    """Show the ledger's problem, once per browser session per distinct message."""
    msg = ledger_status()
    if not msg:
        return
    seen = st.session_state.setdefault("pl.ledger_msgs_seen", set())
    if msg not in seen:
        seen.add(msg)
        st.toast(msg, icon="⚠️")
