"""Reply panes: n choices side by side, streaming live, each with its metrics row."""
from __future__ import annotations

import time
from typing import Sequence

import streamlit as st

from paramlab.assembly import Delta
from paramlab.metrics import metric_cells
from paramlab.result import ChatResult, explain_finish_reason
from paramlab.safe_text import safe_markdown

UPDATE_EVERY_S = 0.05  # repaint at most 20 times a second per pane


class StreamView:
    """Columns with a live text placeholder each; feed it Delta objects from the client."""

    def __init__(self, n: int, labels: Sequence[str] | None = None):
        self.cols = st.columns(max(n, 1), border=True)
        self.text: dict[int, str] = {}
        self.slots = {}
        self.meta = {}
        self._last = 0.0
        for i, col in enumerate(self.cols):
            with col:
                st.markdown(f"**{labels[i] if labels else f'Choice {i + 1}'}**")
                self.slots[i] = st.empty()
                self.meta[i] = st.empty()
                self.meta[i].caption("waiting for the first token…")

    def on_delta(self, d: Delta) -> None:
        self.text[d.index] = self.text.get(d.index, "") + d.text
        now = time.monotonic()
        if now - self._last >= UPDATE_EVERY_S:
            self._last = now
            self.flush(streaming=True)

    def flush(self, streaming: bool = False) -> None:
        for i, t in self.text.items():
            slot = self.slots.get(i)
            if slot is None:  # a backend sent more choices than asked for
                continue
            slot.markdown(safe_markdown(t) + (" ▌" if streaming else ""))
            self.meta[i].caption("streaming…")


def render_result(result: ChatResult, labels: Sequence[str] | None = None, key: str = "res") -> None:
    """A finished (or failed) request: choices side by side with metrics and finish_reason."""
    if result.error:
        kind = st.warning if result.status in ("stopped", "truncated") else st.error
        kind(f"{result.status.upper()}: {result.error}")
    choices = result.choices
    if not choices:
        return
    cols = st.columns(len(choices), border=True)
    for col, c in zip(cols, choices):
        with col:
            st.markdown(f"**{labels[c.index] if labels and c.index < len(labels) else f'Choice {c.index + 1}'}**")
            partial = result.status in ("stopped", "truncated", "error") and c.finish_reason is None
            if partial:
                st.caption(f":orange[partial text — {result.status}]")
            st.markdown(safe_markdown(c.text) if c.text else "_(empty reply)_")
            st.caption(f"finish_reason **{c.finish_reason or 'missing'}** — {explain_finish_reason(c.finish_reason)}")
    metrics_row(result)


def metrics_row(result: ChatResult) -> None:
    cells = metric_cells(result)
    cols = st.columns(len(cells))
    for col, (label, value, help_text) in zip(cols, cells):
        col.metric(label, value, help=help_text)
