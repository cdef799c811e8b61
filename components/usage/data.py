"""Runs the Usage page's queries (aggregates from the hourly rollups) in one connection."""
from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from paramlab.usage.ledger import Ledger, explain
from paramlab.usage.ledger import queries as Q

from components.usage.filters import View


def load(led: Ledger, view: View | None) -> dict[str, Any] | None:
    """The page's figures, or None (with the reason shown) when the database cannot answer."""
    if view is None:
        return None
    try:
        return _load(led, view)
    except SQLAlchemyError as e:
        st.error(explain(e, led.url))
        return None


def _load(led: Ledger, view: View) -> dict[str, Any]:
    with led.engine.connect() as conn:
        return Q.usage_view(conn, view.filters, view.bucket, view.tz_offset_s)


def ledger_or_stop() -> Ledger:
    """The ledger, with its problem shown; without one, only the settings (to fix it) are drawn."""
    from components.common import services
    from components.usage import settings as usage_settings
    led = services.ledger()
    if services.ledger_status():
        st.error(services.ledger_status())
    if led is None:
        usage_settings.render()
        st.stop()
    return led


def load_or_stop(led: Ledger, view: View | None) -> dict[str, Any]:
    """The page's figures; when the database cannot answer, the reason and the settings only."""
    from components.usage import settings as usage_settings
    data = load(led, view)
    if data is None:
        usage_settings.render()
        st.stop()
    return data
