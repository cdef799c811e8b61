"""Prices (edit, import LiteLLM's file), budgets and whether message text is recorded."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.common import budget
from components.common import services
from paramlab.usage import pricing
from paramlab.usage.pricing import Price, PriceError, PriceTable


def recording() -> None:
    led = services.ledger()
    if led is None:
        return
    on = st.toggle("Record message text and replies", value=led.store_text, key="usage.store_text",
                   help="Off: new requests are recorded without their text (tokens, cost and timings only). "
                        "Default from CHAT_LEDGER_STORE_TEXT. Applies to this ParamLab server.")
    led.store_text = on


def price_editor() -> None:
    table = services.prices()
    st.caption(f"Dollars per million tokens. Shipped table taken {table.taken or 'unknown date'}; your edits are saved "
               f"to {pricing.user_price_path()}. Local and embedded models always cost $0; a model not listed "
               "costs “unknown”.")
    if services.price_status():
        st.warning(services.price_status())
    df = pd.DataFrame(table.rows(), columns=["model", "input", "output", "cached_input", "taken", "source"])
    edited = st.data_editor(df, num_rows="dynamic", hide_index=True, width="stretch", key="usage.prices",
                            disabled=["source"], column_config={
                                "input": st.column_config.NumberColumn("input $/M", min_value=0.0, format="%.4f"),
                                "output": st.column_config.NumberColumn("output $/M", min_value=0.0, format="%.4f"),
                                "cached_input": st.column_config.NumberColumn("cached input $/M", min_value=0.0,
                                                                              format="%.4f"),
                                "taken": st.column_config.TextColumn("date taken")})
    if st.button("Save prices", key="usage.save_prices"):
        try:
            new = _table_from(edited, table)
        except PriceError as e:
            st.error(f"Prices not saved — {e}")
        else:
            path = pricing.save_user_prices(new)
            services.reload_prices()
            st.success(f"Prices saved to {path}. New requests use them.")
    up = st.file_uploader("Import LiteLLM's model_prices_and_context_window.json", type=["json"],
                          key="usage.litellm", help="Adds or replaces the chat models it lists.")
    if up is not None and st.button("Import these prices", key="usage.import"):
        try:
            imported = pricing.import_litellm(up.getvalue().decode("utf-8", "replace"))
        except PriceError as e:
            st.error(f"Not imported — {e}")
        else:
            pricing.save_user_prices(table.merged(imported))
            services.reload_prices()
            st.success(f"Imported {len(imported.prices):,} model prices.")


def _table_from(df: pd.DataFrame, old: PriceTable) -> PriceTable:
    rows = {}
    for i, r in enumerate(df.to_dict("records")):
        name = str(r.get("model") or "").strip()
        if not name:
            raise PriceError(f"row {i + 1} model: is required")
        vals = []
        for k in ("input", "output", "cached_input"):
            v = r.get(k)
            if v is None or pd.isna(v):
                if k != "cached_input":
                    raise PriceError(f"{name} {k}: is required (dollars per million tokens)")
                v = None
            elif float(v) < 0:
                raise PriceError(f"{name} {k}: must be zero or more")
            vals.append(None if v is None else float(v))
        taken = r.get("taken")
        rows[name] = Price(vals[0], vals[1], vals[2], None if taken is None or pd.isna(taken) else str(taken), "edited")
    return PriceTable(rows, old.taken, old.currency)


def render() -> None:
    with st.expander("Prices, budgets and recording"):
        t1, t2, t3 = st.tabs(["Prices", "Budgets", "Recording"])
        with t1:
            price_editor()
        with t2:
            budget.editor()
        with t3:
            recording()
            led = services.ledger()
            if led is not None:
                from paramlab.usage.ledger import safe_url
                st.caption(f"Ledger: {safe_url(led.url)} ({led.dialect}). Set CHAT_DATABASE_URL to use another "
                           "database, e.g. a shared PostgreSQL.")
