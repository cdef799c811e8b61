"""Prices (edit, import LiteLLM's file), budgets and whether message text is recorded."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.common import budget
from components.common import services
from paramlab.usage import pricing
from paramlab.usage.pricing import PriceError, PriceTable


def recording() -> None:
    led = services.ledger()
    if led is None:
        return
    on = st.toggle("Record message text and replies", value=led.store_text, key="usage.store_text",
                   help="Off: new requests are recorded without their text (tokens, cost and timings only). "
                        "Default from CHAT_LEDGER_STORE_TEXT. Applies to this ParamLab server.")
    led.store_text = on


EDITOR_COLUMNS = ["model", "from", "tier", "input", "cached_input", "cache_write", "output", "reasoning",
                  "audio_input", "audio_output", "taken", "source"]


def _money(label: str, help_: str):
    return st.column_config.NumberColumn(label, min_value=0.0, format="%.4f", help=help_)


def price_editor() -> None:
    table = services.prices()
    st.caption(f"Dollars per million tokens, one row per model × date × tier. Shipped table of "
               f"{table.taken or 'unknown date'} — {table.source or 'source unknown'}. Your edits are saved to "
               f"{pricing.user_price_path()}. A row with a **from** date is a price change: requests from that "
               "date on (00:00 UTC) are re-priced, earlier ones keep the price they ran at. Empty cached input / "
               "cache write = the input price, empty reasoning = the output price, empty audio = unknown. Local "
               "and embedded models always cost $0; a model not listed costs “unknown”.")
    if services.price_status():
        st.warning(services.price_status())
    df = pd.DataFrame(table.rows(), columns=EDITOR_COLUMNS)
    edited = st.data_editor(df, num_rows="dynamic", hide_index=True, width="stretch", key="usage.prices",
                            disabled=["source"], column_config={
                                "from": st.column_config.TextColumn("from (UTC date)", help="YYYY-MM-DD; empty = always"),
                                "tier": st.column_config.SelectboxColumn("tier", options=list(pricing.TIERS),
                                                                         default=pricing.STANDARD),
                                "input": _money("input $/M", "Prompt tokens not cached"),
                                "cached_input": _money("cached in $/M", "Prompt tokens read from the cache"),
                                "cache_write": _money("cache write $/M", "Prompt tokens written to the cache"),
                                "output": _money("output $/M", "Completion tokens"),
                                "reasoning": _money("reasoning $/M", "Reasoning tokens (inside completion)"),
                                "audio_input": _money("audio in $/M", "Audio prompt tokens"),
                                "audio_output": _money("audio out $/M", "Audio completion tokens"),
                                "taken": st.column_config.TextColumn("date taken")})
    if st.button("Save prices", key="usage.save_prices"):
        try:
            new = pricing.table_from_rows(edited.to_dict("records"), table)
        except PriceError as e:
            st.error(f"Prices not saved — {e}")
        else:
            _save(table, new, "Prices saved")
    up = st.file_uploader("Import LiteLLM's model_prices_and_context_window.json", type=["json"],
                          key="usage.litellm", help="Adds or replaces the chat models it lists, with cache, "
                                                    "reasoning, audio and flex / priority / batch prices.")
    if up is not None and st.button("Import these prices", key="usage.import"):
        try:
            imported = pricing.import_litellm(up.getvalue().decode("utf-8", "replace"))
        except PriceError as e:
            st.error(f"Not imported — {e}")
        else:
            _save(table, table.merged(imported), f"Imported {len(imported.prices):,} model prices")


def _save(old: PriceTable, new: PriceTable, what: str) -> None:
    """Save, then re-price the ledger's requests from each change's date on."""
    path = pricing.save_user_prices(new)
    services.reload_prices()
    with st.spinner("Re-pricing the recorded requests from each change's date…"):
        n, err = services.reprice_ledger(old, services.prices())
    note = f" {n:,} recorded request(s) re-priced from the change's date on." if n else ""
    st.success(f"{what} to {path}. New requests use them.{note}")
    if err:
        st.error(err)


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
