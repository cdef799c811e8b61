"""Altair charts of the ledger's aggregates (small frames: the database already grouped them)."""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from paramlab.client.metrics import fmt_cost, fmt_seconds


def _local(ms: pd.Series, tz_offset_s: int) -> pd.Series:
    """Bucket starts as naive local times, so the axis shows the user's clock."""
    return pd.to_datetime(ms + tz_offset_s * 1000, unit="ms")


# paramlab/ledger/rollups.py: durations are counted in buckets at most 1/16 of their value wide
ACCURACY = ("Read from duration buckets: accurate to the bucket width, within about 3 % "
            "(1 ms below 32 ms).")


def summary(data: dict[str, Any]) -> None:
    t = data["totals"]
    unpriced = t["requests"] - t["priced"]
    top, bottom = st.columns(4), st.columns(4)  # 8 in a row cut the cost to "$0.0…"
    cols = [*top, *bottom]
    cols[0].metric("Requests", compact(t["requests"]), help=f"{t['requests']:,} requests; {t['errors']:,} ended in an error.")
    cols[1].metric("Prompt tokens", compact(t["prompt_tokens"]),
                   help=f"{t['prompt_tokens']:,} prompt tokens: {t['cached_tokens']:,} read from the cache, "
                        f"{t.get('cache_write_tokens', 0):,} written to it, {t.get('audio_input_tokens', 0):,} audio. "
                        f"{t['estimated']:,} requests had estimated counts.")
    cols[2].metric("Output tokens", compact(t["completion_tokens"]),
                   help=f"{t['completion_tokens']:,} completion tokens, including {t['reasoning_tokens']:,} reasoning and "
                        f"{t.get('audio_output_tokens', 0):,} audio tokens.")
    # No requests cost nothing; "unknown" is for requests whose price is not known.
    cols[3].metric("Cost", headline_cost(t["cost"] or 0) if t["priced"] or not t["requests"] else "unknown",
                   help=f"Sum over requests with a known price (${t['cost']:.6f}); {unpriced:,} request(s) have an unknown cost.")
    lp, tp = data["latency_p"], data["ttft_p"]
    cols[4].metric("Latency p50", _s(lp[0.5]), help="Median time from sending to the last byte. " + ACCURACY)
    cols[5].metric("Latency p95", _s(lp[0.95]), help="95% of requests finished within this time. " + ACCURACY)
    cols[6].metric("TTFT p50", _s(tp[0.5]), help="Median time to first token (streaming requests only). " + ACCURACY)
    cols[7].metric("TTFT p95", _s(tp[0.95]),
                   help="95% of streaming requests got a first token within this time. " + ACCURACY)
    if unpriced:
        st.caption(f":orange[{unpriced:,} request(s) used a model with no known price: their cost is unknown, "
                   "not counted as $0. Add the model under “Prices, budgets and recording”.]")
    parts = {k: v for k, v in (data.get("cost_parts") or {}).items() if v}
    if parts:
        st.caption("Cost by part: " + " · ".join(f"{k.replace('_', ' ')} {fmt_cost(v)}" for k, v in parts.items())
                   + " (requests recorded before the breakdown existed count in none)")


def headline_cost(c: float) -> str:
    """Dollars for the headline: cents from $1, four significant digits below."""
    if c >= 1:
        return f"${c:,.2f}"
    return "$0" if c == 0 else f"${c:.4g}" if c >= 1e-4 else f"${c:.2e}"


def cost_text(c) -> str:
    """fmt_cost, with pandas' NaN (a missing cost) shown as unknown."""
    return fmt_cost(None if c is None or pd.isna(c) else float(c))


def compact(n: int) -> str:
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(n) >= div:
            return f"{n / div:.3g}{unit}" if unit != "k" else f"{n / 1e3:.4g}k"
    return f"{n:,}"


def _s(ms: int | None) -> str:
    return fmt_seconds(None if ms is None else ms / 1000)


def tokens_over_time(rows: list[dict], bucket: str, tz_offset_s: int) -> alt.Chart | None:
    if not rows:
        return None
    df = pd.DataFrame(rows)
    df["time"] = _local(df["start_ms"], tz_offset_s)
    long = df.melt(id_vars=["time"], value_vars=["prompt_tokens", "completion_tokens"], var_name="kind",
                   value_name="tokens")
    long["kind"] = long["kind"].str.replace("_tokens", "")
    unit = "yearmonthdatehours" if bucket == "hour" else "yearmonthdate"
    fmt = "%b %d %H:00" if bucket == "hour" else "%b %d"
    return alt.Chart(long, title=f"Tokens per {bucket}").mark_bar().encode(
        x=alt.X(f"{unit}(time):O", title=None, axis=alt.Axis(format=fmt, labelAngle=-45)),
        y=alt.Y("sum(tokens):Q", title="tokens", stack="zero"),
        color=alt.Color("kind:N", title=None, scale=alt.Scale(domain=["prompt", "completion"])),
        order=alt.Order("kind:N", sort="descending"),
        tooltip=[alt.Tooltip(f"{unit}(time):T", title=bucket), "kind:N", alt.Tooltip("sum(tokens):Q", format=",")],
    )


def cumulative_cost(rows: list[dict], tz_offset_s: int) -> alt.Chart | None:
    if not rows:
        return None
    df = pd.DataFrame(rows)
    df["time"] = _local(df["start_ms"], tz_offset_s)
    return alt.Chart(df, title="Cumulative cost ($)").mark_line(point=True, interpolate="step-after").encode(
        x=alt.X("time:T", title=None), y=alt.Y("cumulative_cost:Q", title="$", axis=alt.Axis(format="$,.4~f")),
        tooltip=[alt.Tooltip("time:T"), alt.Tooltip("cost:Q", format="$.6f", title="this bucket"),
                 alt.Tooltip("cumulative_cost:Q", format="$.6f", title="so far")])


def cost_by_model(rows: list[dict]) -> alt.Chart | None:
    if not rows:
        return None
    df = pd.DataFrame(rows)
    df["cost_label"] = [cost_text(c) for c in df["cost"]]
    df["cost"] = df["cost"].fillna(0.0)
    base = alt.Chart(df, title="Cost by model ($; orange = some costs unknown)").encode(
        # the whole model name: Vega's default cut "smollm2-135m-instruct" to "smollm2-135m-in…"
        y=alt.Y("model:N", sort="-x", title=None, axis=alt.Axis(labelLimit=280)),
        x=alt.X("cost:Q", title="$", axis=alt.Axis(format="$,.4~f")),
        tooltip=["model:N", alt.Tooltip("cost_label:N", title="cost"), alt.Tooltip("requests:Q", format=","),
                 alt.Tooltip("tokens:Q", format=","), alt.Tooltip("unpriced:Q", title="unknown-cost requests")])
    bars = base.mark_bar().encode(
        color=alt.condition(alt.datum.unpriced > 0, alt.value("#f58518"), alt.value("#4c78a8")))
    return bars + base.mark_text(align="left", dx=4, color="#555").encode(text="cost_label:N")


def by_status(rows: list[dict]) -> alt.Chart | None:
    if not rows:
        return None
    return alt.Chart(pd.DataFrame(rows), title="Requests by status").mark_bar().encode(
        y=alt.Y("status:N", sort="-x", title=None), x=alt.X("requests:Q", title="requests", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.when(alt.datum.status == "ok").then(alt.value("#54a24b"))
        .when((alt.datum.status == "truncated") | (alt.datum.status == "stopped")).then(alt.value("#f58518"))
        .otherwise(alt.value("#e45756")),
        tooltip=["status:N", "requests:Q"])


def distribution(hist: list[dict], p: dict, title: str) -> alt.Chart | None:
    if not hist:
        return None
    df = pd.DataFrame(hist)
    df["from_s"], df["to_s"] = df["from_ms"] / 1000, df["to_ms"] / 1000
    bars = alt.Chart(df, title=f"{title} (p50 {_s(p[0.5])}, p95 {_s(p[0.95])})").mark_bar().encode(
        x=alt.X("from_s:Q", bin="binned", title="seconds (last bar: this and above)"), x2="to_s:Q",
        y=alt.Y("requests:Q", title="requests", axis=alt.Axis(tickMinStep=1, format="d")), tooltip=["from_s:Q", "to_s:Q", "requests:Q"])
    marks = pd.DataFrame([{"at": v / 1000, "which": k} for k, v in (("p50", p[0.5]), ("p95", p[0.95])) if v is not None])
    rules = alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="#e45756").encode(x="at:Q", tooltip=["which:N", "at:Q"])
    text = alt.Chart(marks).mark_text(align="left", dx=3, dy=-5, color="#e45756").encode(
        x="at:Q", y=alt.value(8), text="which:N")
    return bars + rules + text


def render(data: dict[str, Any], bucket: str, tz_offset_s: int) -> None:
    charts = [tokens_over_time(data["over_time"], bucket, tz_offset_s), cumulative_cost(data["over_time"], tz_offset_s),
              cost_by_model(data["by_model"]), by_status(data["by_status"]),
              distribution(data["latency_hist"], data["latency_p"], "Latency"),
              distribution(data["ttft_hist"], data["ttft_p"], "Time to first token")]
    for left, right in zip(charts[::2], charts[1::2]):
        c1, c2 = st.columns(2)
        for col, chart in ((c1, left), (c2, right)):
            with col:
                if chart is None:
                    st.caption("No data for this chart in the selected range.")
                else:
                    st.altair_chart(chart.properties(height=260), width="stretch")
    st.caption("Latency and TTFT percentiles and distributions are counted in duration buckets, so they are "
               "accurate to the bucket width: within about 3 % of the exact value.")
