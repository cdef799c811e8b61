"""The Usage page's filters (sidebar): date range, hour/day buckets, endpoint, model, label, page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from paramlab.usage.ledger import Filters, Ledger, explain
from paramlab.usage.ledger import queries as Q


@dataclass(frozen=True)
class View:
    filters: Filters
    bucket: str        # "hour" | "day"
    tz_offset_s: int   # local time zone, for day boundaries


def local_offset_s() -> int:
    off = datetime.now().astimezone().utcoffset()
    return int(off.total_seconds()) if off else 0


def _ms(d: date) -> int:
    # Local midnight: a whole UTC hour in whole-hour time zones, so the queries read only the hourly
    # rollups; elsewhere (UTC+5:30, ...) they read the partial hours at each end from the raw rows.
    return int(datetime.combine(d, time.min).timestamp() * 1000)


def render(led: Ledger) -> View | None:
    today = date.today()
    with st.sidebar:
        st.subheader("Filters", anchor=False)
        picked = st.date_input("Dates", value=(today - timedelta(days=29), today), max_value=today,
                               key="usage.dates", help="Local dates, both ends included. Default: the last 30 days.")
        start, end = (picked if isinstance(picked, (tuple, list)) and len(picked) == 2
                      else (picked[0] if isinstance(picked, (tuple, list)) and picked else today,) * 2)
        dated = Filters(_ms(start), _ms(end + timedelta(days=1)))
        try:
            with led.engine.connect() as conn:
                opts = Q.options(conn, dated)
        except SQLAlchemyError as e:
            st.error(explain(e, led.url))
            return None
        auto = "hour" if (end - start).days < 3 else "day"
        bucket = st.segmented_control("Buckets", ["hour", "day"], default=auto, key=f"usage.bucket.{auto}",
                                      help="Tokens and cost per hour or per day.") or auto
        endpoints = st.multiselect("Endpoint", opts["endpoints"], key="usage.endpoints", placeholder="all endpoints")
        models = st.multiselect("Model", opts["models"], key="usage.models", placeholder="all models")
        labels = st.multiselect("Session label", opts["labels"], key="usage.labels", placeholder="all labels",
                                format_func=lambda s: s or "(no label)")
        pages = st.multiselect("Page", opts["pages"], key="usage.pages", placeholder="all pages")
    return View(Filters(dated.start_ms, dated.end_ms, tuple(endpoints), tuple(models), tuple(labels), tuple(pages)),
                bucket, local_offset_s())
