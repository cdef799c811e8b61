"""CSV export of the filtered requests, built only when the button is pressed."""
from __future__ import annotations

import streamlit as st

from paramlab.usage.ledger import Ledger
from paramlab.usage.ledger import queries as Q

from components.usage.filters import View


def render(led: Ledger, view: View) -> None:
    with_text = st.checkbox("Include message text, replies and thinking", value=True, key="usage.export_text",
                            help="Empty for requests recorded while text recording was off.")

    def build() -> bytes:
        with led.engine.connect() as conn:
            return "".join(Q.export_csv(conn, view.filters, with_text=with_text)).encode("utf-8")

    st.download_button("⬇️ Export the filtered requests to CSV", data=build, file_name="paramlab-usage.csv",
                       mime="text/csv", key="usage.export", on_click="ignore",
                       help="Every column of the ledger for the current filters. The API key is never recorded.")
