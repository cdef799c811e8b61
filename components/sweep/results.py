"""Sweep page, during and after a run: progress, the results table, the charts and each cell's outputs."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.common import reply_extras, thinking
from components.common import live
from components.sweep import charts as sweep_charts
from components.sweep.setup import RUN, STARTED, Started
from paramlab.experiments import sweep
from paramlab.runs.live import LiveRun
from paramlab.client.metrics import metric_cells
from paramlab.safety.markdown import safe_markdown

CHART_DATA = "sw.chart_data"   # the long-form frame the charts are drawn from (tests read it)
TABLE = "sw.table"


def progress() -> None:
    """The progress bar: a fragment that repaints itself while the sweep runs; the page is
    redrawn with the results when it ends."""
    run: LiveRun | None = st.session_state.get(RUN)
    if run is None:
        return
    live.painter("sw-progress", run, lambda: st.progress(run.done_count / max(run.total, 1),
                                                        text=_progress_text(run)))


def _progress_text(run: LiveRun) -> str:
    elapsed = run.elapsed()
    errors = sum(1 for r in run.results if r is not None and r.status == "error")
    state = "cancelled" if run.cancelled and run.finished else "done" if run.finished else "running"
    return (f"{run.done_count} / {run.total} requests · {elapsed:.1f} s · {state}"
            + (f" · {errors} failed (see the cells)" if errors else ""))


def _cells() -> tuple[Started, list[sweep.CellResult]] | None:
    started: Started | None = st.session_state.get(STARTED)
    run: LiveRun | None = st.session_state.get(RUN)
    if started is None or run is None or not run.finished:
        return None
    return started, sweep.collect(started.plan, started.jobs, run.results)


def results() -> None:
    got = _cells()
    if got is None:
        return
    started, cells = got
    rows = sweep.results_table(cells)
    if not rows:
        st.caption("No results yet.")
        return
    table = pd.DataFrame(rows)
    unasked = [c for c in ("json_parse_rate", "schema_valid_rate", "tool_calls", "valid_tool_calls")
               if c in table and table[c].isna().all()]  # no JSON asked for, no tools sent
    table = table.drop(columns=unasked)
    st.session_state[TABLE] = table
    st.subheader("Results per cell", anchor=False)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "output_tokens": st.column_config.NumberColumn("output tokens", format="%.1f"),
        "output_chars": st.column_config.NumberColumn("output chars", format="%.0f"),
        "distinct_1": st.column_config.NumberColumn("distinct-1", format="%.3f"),
        "distinct_2": st.column_config.NumberColumn("distinct-2", format="%.3f"),
        "mean_similarity": st.column_config.NumberColumn("mean similarity", format="%.3f"),
        "latency_s": st.column_config.NumberColumn("latency s", format="%.2f"),
        "ttft_s": st.column_config.NumberColumn("TTFT s", format="%.3f"),
        "cost": st.column_config.NumberColumn("cost $", format="%g"),
        "json_parse_rate": st.column_config.NumberColumn("JSON parse rate", format="percent"),
        "schema_valid_rate": st.column_config.NumberColumn("schema-valid rate", format="percent"),
        "valid_tool_calls": st.column_config.NumberColumn("valid tool calls"),
    })
    st.subheader("Charts", anchor=False)
    df = sweep_charts.chart_frame(sweep.chart_rows(rows, started.axes))
    st.session_state[CHART_DATA] = df
    chart = sweep_charts.build(df, started.axes)
    if chart is None:
        st.caption("Nothing to chart: no request succeeded.")
    else:
        st.altair_chart(chart, width="content")
    flat = sweep_charts.flat_metrics(df)
    if flat:
        st.caption(f"Not charted, 0 in every cell: {', '.join(flat)}.")
    st.caption("distinct-n: share of unique word n-grams across the repeats (1 = no repetition). "
               "Mean similarity: word-level similarity of every pair of repeats (1 = identical).")
    cell_outputs(cells)


def cell_outputs(cells: list[sweep.CellResult]) -> None:
    st.subheader("Outputs of a cell", anchor=False)
    done = [c for c in cells if c.results]
    pick = st.selectbox("Cell", range(len(done)), key="sw.cell",
                        format_func=lambda i: f"{done[i].cell.label()} — {len(done[i].results)} replies"
                        + (f", {len(done[i].errors())} failed" if done[i].errors() else ""))
    cell = done[pick]
    cols = st.columns(min(len(cell.results), 3), border=True)
    for k, r in enumerate(cell.results):
        with cols[k % len(cols)]:
            st.markdown(f"**Repeat {k + 1}** · {r.status}")
            if r.error:
                (st.warning if r.status in ("stopped", "truncated") else st.error)(r.error)
            for c in r.choices:
                thinking.render(c.reasoning)
                thinking.refusal(c.refusal)
                if c.text or not (c.tool_calls or c.audio):  # a spoken reply plays below
                    st.markdown(safe_markdown(c.text) if c.text else "_(empty reply)_")
                st.caption(f"finish_reason **{c.finish_reason or 'missing'}**")
            reply_extras.result_extras(r, f"sw.out{k}")  # tool calls (valid or not), structured verdict
            st.caption(" · ".join(f"{label} {value}" for label, value, _ in metric_cells(r)))
