"""Sessions with totals, the request list, and the drill-down to one request and its text
(messages, replies and each reply's thinking)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from components.common import cost_breakdown
from components.common import reopen
from components.common import thinking
from components.usage.charts import cost_text
from paramlab.usage.ledger import Ledger
from paramlab.client.metrics import fmt_cost
from paramlab.safety.markdown import safe_markdown


def _when(ms: int | None) -> str:
    return "—" if ms is None else datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def sessions(rows: list[dict]) -> None:
    st.subheader("Sessions", anchor=False)
    if not rows:
        st.caption("No requests in the selected range.")
        return
    df = pd.DataFrame(rows)
    df["label"] = df["label"].replace("", "(no label)")
    df["first"], df["last"] = df["first_ms"].map(_when), df["last_ms"].map(_when)
    df["cost"] = [cost_text(c) if u == 0 else "unknown" if pd.isna(c) else f"{cost_text(c)} + {u} unknown"
                  for c, u in zip(df["cost"], df["unpriced"])]
    st.dataframe(df[["label", "session_id", "first", "last", "requests", "prompt_tokens", "completion_tokens",
                     "cost", "models", "errors"]], hide_index=True, width="stretch",
                 column_config={"session_id": "browser session", "prompt_tokens": "prompt tok",
                                "completion_tokens": "completion tok"})


def requests(led: Ledger, rows: list[dict]) -> None:
    st.subheader("Requests", anchor=False)
    if not rows:
        st.caption("No requests in the selected range.")
        return
    df = pd.DataFrame(rows)
    df["time"] = df["ts_ms"].map(_when)
    df["cost"] = df["cost"].map(cost_text)
    df["finish"] = df["finish_reasons"].map(lambda s: ", ".join(str(x) for x in json.loads(s or "[]")))
    st.caption(f"The newest {len(df):,} requests. Select a row to see its parameters, messages and replies.")
    ev = st.dataframe(df[["id", "time", "label", "page", "endpoint", "model", "status", "prompt_tokens",
                          "completion_tokens", "cost", "ttft_ms", "latency_ms", "finish"]],
                      hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                      key="usage.requests", height=320)
    picked = ev.selection.rows if ev is not None else []
    if picked:
        detail(led, int(df.iloc[picked[0]]["id"]))


def detail(led: Ledger, request_id: int) -> None:
    r = led.request(request_id)
    if r is None:
        st.warning(f"Request {request_id} is no longer in the ledger.")
        return
    with st.container(border=True):
        st.markdown(f"**Request {r['id']}** · {_when(r['ts_ms'])} · {r['endpoint']} ({r['host']}) · `{r['model']}`")
        reopen.button(r, key=f"usage.open.{r['id']}")
        c1, c2 = st.columns([1, 2])
        with c1:
            facts: dict[str, Any] = {k: r[k] for k in (
                "status", "error_class", "error", "label", "page", "session_id", "response_model", "prompt_tokens",
                "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens", "cache_write_tokens",
                "audio_input_tokens", "audio_output_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens",
                "service_tier", "estimated", "ttft_ms",
                "latency_ms", "request_id", "response_id") if r.get(k) not in (None, "")}
            facts["cost"] = fmt_cost(r["cost"])
            st.json(facts)
            cost_breakdown.render(cost_breakdown.from_ledger_row(r), r["cost"])
            st.markdown("**Parameters**")
            st.json(json.loads(r["params"] or "{}"))
        with c2:
            if r.get("messages") is None:
                st.info("The text of this request was not stored (recording of text was off).")
                return
            for m in json.loads(r["messages"] or "[]"):
                with st.chat_message(m.get("role") or "user"):
                    st.markdown(safe_markdown(str(m.get("content") or "")))
            thoughts = json.loads(r.get("reasoning") or "[]")  # NULL: no thinking (or recorded before v5)
            for i, reply in enumerate(json.loads(r["replies"] or "[]")):
                with st.chat_message("assistant"):
                    st.caption(f"Reply, choice {i + 1}")
                    thinking.render(thoughts[i] if i < len(thoughts) else None)
                    st.markdown(safe_markdown(reply) if reply else "_(empty reply)_")
