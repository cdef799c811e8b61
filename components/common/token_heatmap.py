"""A reply with logprobs, each token coloured by its probability, alternatives on hover.

Shared by the Playground and the Distribution Lab: `render(logprobs_content, key)` takes
OpenAI's `choices[i].logprobs.content` list. Model text is untrusted: every piece of it goes
through html.escape before it is put into the HTML, and nothing else from the model is used.
"""
from __future__ import annotations

import html
import math
from typing import Sequence

import streamlit as st

from paramlab.lab.next_token import show_token

MAX_ALTERNATIVES = 10

CSS = """
<style>
.pl-heat{line-height:2.1;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:0.92rem;
  white-space:pre-wrap;word-break:break-word}
.pl-tok{position:relative;border-radius:3px;padding:1px 1px;margin:0 1px 0 0;cursor:default;color:#111}
.pl-tok .pl-alt{display:none;position:absolute;left:0;top:1.9em;z-index:1000;background:#fff;color:#111;
  border:1px solid #ccc;border-radius:6px;padding:4px 8px;box-shadow:0 2px 8px rgba(0,0,0,.15);
  white-space:pre;font-size:0.8rem;line-height:1.35;min-width:12em}
.pl-tok:hover .pl-alt{display:block}
.pl-alt b{font-weight:600}
.pl-legend{font-size:0.8rem;color:#555;margin-top:4px}
.pl-legend span{padding:1px 6px;border-radius:3px;margin-right:4px;color:#111}
</style>
"""


def colour(prob: float) -> str:
    """Red (unlikely) through yellow to green (likely), light enough for dark text."""
    p = min(max(prob, 0.0), 1.0)
    return f"hsl({round(120 * p)}, 75%, 78%)"


def _prob(logprob) -> float:
    try:
        return math.exp(float(logprob))
    except (TypeError, ValueError, OverflowError):
        return 0.0


def _alternatives(entry: dict) -> str:
    lines = []
    chosen = entry.get("id", entry.get("token"))
    for alt in (entry.get("top_logprobs") or [])[:MAX_ALTERNATIVES]:
        mark = "▶ " if alt.get("id", alt.get("token")) == chosen else "  "
        lines.append(f"{mark}{show_token(str(alt.get('token', '')))}  {_prob(alt.get('logprob')):.1%}")
    return "\n".join(lines) or "no alternatives returned"


def build_html(logprobs_content: Sequence[dict]) -> str:
    """The heatmap as HTML; every model-derived string is escaped."""
    spans = []
    for entry in logprobs_content or []:
        if not isinstance(entry, dict):
            continue
        token = str(entry.get("token", ""))
        p = _prob(entry.get("logprob"))
        text = html.escape(token if token else "⟨end⟩")
        head = html.escape(f"{show_token(token)}  p = {p:.1%}")
        alts = html.escape(_alternatives(entry))
        spans.append(
            f'<span class="pl-tok" style="background:{colour(p)}" aria-label="{head}">{text}'
            f'<span class="pl-alt"><b>{head}</b>\n{alts}</span></span>')
    legend = ('<div class="pl-legend">probability: ' + "".join(
        f'<span style="background:{colour(p)}">{p:.0%}</span>' for p in (0.0, 0.25, 0.5, 0.75, 1.0))
        + " · hover a token for the alternatives</div>")
    return CSS + '<div class="pl-heat">' + "".join(spans) + "</div>" + legend


def render(logprobs_content: list[dict], key: str) -> None:
    """Show the heatmap; a caption instead when the reply carries no logprobs."""
    if not logprobs_content:
        st.caption("No logprobs in this reply: send it with logprobs true (and top_logprobs for alternatives).")
        return
    with st.container(key=f"heatmap-{key}"):
        st.html(build_html(logprobs_content))
