"""Reply panes: n choices side by side, streaming at the same time, each with its own status,
metrics row, finish_reason in words, and (with logprobs) the token-probability heatmap."""
from __future__ import annotations

import dataclasses
import time
from typing import Callable, Sequence

import streamlit as st

from components.common import cost_breakdown
from components.common import reply_extras, thinking, token_heatmap

from paramlab.client.metrics import metric_cells
from paramlab.client.result import ChatResult
from paramlab.runs.run import Run, Slot, slot_metrics
from paramlab.safety.markdown import safe_markdown

STATUS_WORDS = {
    "waiting": "waiting for the first token…", "streaming": "streaming…", "ok": "done",
    "truncated": "truncated: the stream ended early", "stopped": "stopped — partial text kept",
    "error": "error", "missing": "the server sent no such choice",
}


def copy_slot(s: Slot) -> Slot:
    """A snapshot of a slot the workers are writing to (taken under the run's lock)."""
    return dataclasses.replace(s)


def render_live(slots: Sequence[Slot], n: int, started: float) -> None:
    """Panes of a run still streaming: each choice's status and text so far (a fragment repaints them)."""
    cols = st.columns(max(n, 1), border=True)
    for i, col in enumerate(cols):
        s = slots[i] if i < len(slots) else None
        with col, st.container(key=f"pane-{i}"):
            st.markdown(f"**Choice {i + 1}**")
            if s is None:
                st.caption(STATUS_WORDS["waiting"])
                continue
            waited = f" {time.time() - started:.1f} s" if s.status == "waiting" else ""
            st.caption(_status_text(s) + waited)
            live = s.status in ("waiting", "streaming")
            thinking.paint(st.empty(), s.reasoning, live, bool(s.text))
            if s.spoken and not s.text:  # a spoken reply: its transcript as it arrives
                st.caption("🔊 Transcript (the audio plays when the reply has ended)")
            shown = s.text or s.spoken
            st.markdown(safe_markdown(shown) + (" ▌" if live else "") if shown else "…")


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
            spoken = reply_extras.spoken_text(run, pos)  # an audio reply: played with its transcript below
            thinking.render(s.reasoning)
            thinking.refusal(s.refusal)
            if show_heatmap and s.logprobs:
                heatmap(s.logprobs, f"{key}.hm{pos}")
            elif not failed and (s.text or not (s.refusal or spoken)):
                st.markdown(safe_markdown(s.text) if s.text else "_(empty reply)_")
            if not failed:
                reply_extras.finish_caption([s.finish_reason], s.status)
            _metric_cells(cost_breakdown.for_slot(slot_metrics(s), run, s))
            reply_extras.pane(run, pos, key, actions)
            if on_continue is not None and (s.text or spoken):
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
