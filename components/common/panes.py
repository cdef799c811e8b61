"""Reply panes: n choices side by side, streaming at the same time, each with its own status,
metrics row, finish_reason in words, and (with logprobs) the token-probability heatmap."""
from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import streamlit as st

from components.common import cost_breakdown
from components.common import reply_extras, thinking, token_heatmap

from paramlab.client.metrics import metric_cells
from paramlab.client.result import ChatResult, explain_finish_reason
from paramlab.runs.run import Run, Slot, slot_metrics
from paramlab.safety.markdown import safe_markdown

PAINT_EVERY_S = 0.08  # repaint a pane at most ~12 times a second
STATUS_WORDS = {
    "waiting": "waiting for the first token…", "streaming": "streaming…", "ok": "done",
    "truncated": "truncated: the stream ended early", "stopped": "stopped — partial text kept",
    "error": "error", "missing": "the server sent no such choice",
}


class LivePanes:
    """Placeholders for each slot of a running Run; paint() redraws one pane's text."""

    def __init__(self, run: Run):
        self.run = run
        self.cols = st.columns(max(run.n, 1), border=True)
        self.text, self.status, self.thinking = [], [], []
        self._painted = [0.0] * run.n
        for i, col in enumerate(self.cols):
            with col, st.container(key=f"pane-{i}"):
                st.markdown(f"**Choice {i + 1}**")
                self.status.append(st.empty())
                self.thinking.append(thinking.placeholder())
                self.text.append(st.empty())
        self.paint_all(force=True)

    def paint(self, pos: int, force: bool = False) -> None:
        if pos >= len(self.text) or pos >= len(self.run.slots):
            return
        now = time.monotonic()
        if not force and now - self._painted[pos] < PAINT_EVERY_S:
            return
        self._painted[pos] = now
        s = self.run.slots[pos]
        live = s.status in ("waiting", "streaming")
        self.status[pos].caption(_status_text(s))
        thinking.paint(self.thinking[pos], s.reasoning, live, bool(s.text))
        self.text[pos].markdown(safe_markdown(s.text) + (" ▌" if live else "") if s.text else "…")

    def paint_all(self, force: bool = False) -> None:
        for i in range(min(len(self.run.slots), self.run.n)):
            self.paint(i, force)

    def tick(self, elapsed: float) -> None:
        """A cheap UI touch during quiet periods so a click (Stop) is noticed promptly."""
        for i, s in enumerate(self.run.slots[: self.run.n]):
            if s.status == "waiting":
                self.status[i].caption(f"waiting for the first token… {elapsed:.1f} s")


def _status_text(s: Slot) -> str:
    word = STATUS_WORDS.get(s.status, s.status)
    color = {"stopped": "orange", "truncated": "orange", "error": "red", "missing": "red"}.get(s.status)
    return f":{color}[{word}]" if color else word


def render_run(run: Run, key: str, on_continue: Callable[[int], None] | None = None,
               show_heatmap: bool = True, actions: reply_extras.Actions | None = None) -> None:
    """A finished (or stopped) run: every choice with its metrics, finish reason and heatmap."""
    results = run.chat_results()
    for r in results:
        if r.error:
            (st.warning if r.status in ("stopped", "truncated") else st.error)(f"{r.status.upper()}: {r.error}")
    reply_extras.failures(run, key, actions)
    cols = st.columns(max(run.n, 1), border=True)
    for pos, (col, s) in enumerate(zip(cols, run.slots)):
        with col, st.container(key=f"pane-{pos}"):
            st.markdown(f"**Choice {pos + 1}**")
            st.caption(_status_text(s))
            failed = s.status == "error" and not s.text  # the error above says it all
            thinking.render(s.reasoning)
            thinking.refusal(s.refusal)
            if show_heatmap and s.logprobs:
                heatmap(s.logprobs, f"{key}.hm{pos}")
            elif not failed and (s.text or not s.refusal):
                st.markdown(safe_markdown(s.text) if s.text else "_(empty reply)_")
            if not failed:
                st.caption(f"finish_reason **{s.finish_reason or 'missing'}** — {explain_finish_reason(s.finish_reason)}")
            _metric_cells(cost_breakdown.for_slot(slot_metrics(s), run, s))
            reply_extras.pane(run, pos, key, actions)
            if on_continue is not None and s.text:
                st.button("Continue with this choice", key=f"{key}.cont{pos}", on_click=on_continue, args=(pos,),
                          help="Adds this reply to the conversation as the assistant's turn.")


def _metric_cells(cells: Sequence[tuple[str, str, str]]) -> None:
    text = " · ".join(f"{label} **{value}**" for label, value, _ in cells)
    st.caption(text, help="\n\n".join(f"**{label}**: {h}" for label, _, h in cells))


def heatmap(logprobs: list[dict], key: str) -> None:
    """The reply coloured by token probability."""
    token_heatmap.render(logprobs, key=key)


def metrics_row(result: ChatResult) -> None:
    _metric_cells(cost_breakdown.with_breakdown(metric_cells(result), result))
