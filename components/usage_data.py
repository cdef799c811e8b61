"""Runs the Usage page's aggregate queries (all GROUP BY in the database) in one connection."""
from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from paramlab.ledger import Ledger, explain
from paramlab.ledger import queries as Q

from components.usage_filters import View


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
    f = view.filters
    with led.engine.connect() as conn:
        tot = Q.totals(conn, f)
        data: dict[str, Any] = {
            "totals": tot,
            "over_time": Q.over_time(conn, f, view.bucket, view.tz_offset_s),
            "by_model": Q.by_model(conn, f),
            "by_status": Q.by_status(conn, f),
            "sessions": Q.sessions(conn, f),
            "recent": Q.recent(conn, f),
        }
        for which, key in (("latency", "timed"), ("ttft", "ttft_timed")):
            p = Q.percentiles(conn, f, which, count=tot[key])
            data[f"{which}_p"] = p
            upper = int((p[0.95] or 0) * 1.5) or 1000
            data[f"{which}_hist"] = Q.histogram(conn, f, which, upper) if tot[key] else []
    return data
