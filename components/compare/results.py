"""Compare page, after a run: word-level diff of two panes, the preferred reply, exports."""
from __future__ import annotations

import streamlit as st

from components.compare.panes import PREFERRED, RUN, SNAPSHOT, Snapshot, running
from paramlab.experiments import compare, similarity, worddiff
from paramlab.runs.live import LiveRun


def _texts(snap: Snapshot, run: LiveRun | None) -> dict[int, str]:
    """Pane index -> first choice's text, for the panes that produced any."""
    out = {}
    for i in range(len(snap.panes)):
        r = snap.result(run, i)
        if r is not None and r.choices and r.choices[0].text:
            out[i] = r.choices[0].text
    return out


def records(snap: Snapshot, run: LiveRun | None, preferred: int | None) -> list[dict]:
    return [compare.record(p, i, snap.titles[i], snap.result(run, i), snap.errors.get(i), preferred=preferred == i)
            for i, p in enumerate(snap.panes)]


def render() -> None:
    snap: Snapshot | None = st.session_state.get(SNAPSHOT)
    run: LiveRun | None = st.session_state.get(RUN)
    if snap is None or run is None or running():
        return
    texts = _texts(snap, run)
    diff_section(snap, texts)
    preferred_section(snap, texts)
    export_section(snap, run)


def diff_section(snap: Snapshot, texts: dict[int, str]) -> None:
    st.subheader("Word-level diff", anchor=False)
    if len(texts) < 2:
        st.caption("Two panes with a reply are needed for a diff.")
        return
    options = list(texts)
    c1, c2 = st.columns(2)
    a = c1.selectbox("Pane A", options, index=0, format_func=lambda i: snap.titles[i], key="cmp.diff.a")
    b = c2.selectbox("Pane B", options, index=1, format_func=lambda i: snap.titles[i], key="cmp.diff.b")
    if a == b:
        st.caption("Pick two different panes.")
        return
    ops = worddiff.diff(texts[a], texts[b])
    n = worddiff.counts(ops)
    st.caption(f"Similarity **{similarity.similarity(texts[a], texts[b]):.0%}** · {n['equal']} word{'' if n['equal'] == 1 else 's'} shared · "
               f":red-background[~~only in A~~] {n['delete']} · :green-background[**only in B**] {n['insert']}")
    with st.container(border=True, key="cmp-diff"):
        st.markdown(worddiff.to_markdown(ops))


def preferred_section(snap: Snapshot, texts: dict[int, str]) -> None:
    if not texts:
        return
    options = [None] + list(texts)
    current = st.session_state.get(PREFERRED)
    choice = st.radio("Preferred reply", options, horizontal=True, key="cmp.pref",
                      index=options.index(current) if current in options else 0,
                      format_func=lambda i: "none" if i is None else f"★ {snap.titles[i]}",
                      help="Marked in the exports.")
    st.session_state[PREFERRED] = choice


def export_section(snap: Snapshot, run: LiveRun) -> None:
    recs = records(snap, run, st.session_state.get(PREFERRED))
    st.subheader("Export", anchor=False)
    c1, c2, c3 = st.columns(3)
    c1.download_button("⬇ JSON", compare.to_json(recs, snap.messages), "comparison.json", "application/json",
                       key="cmp.dl.json")
    c2.download_button("⬇ CSV", compare.to_csv(recs, snap.messages), "comparison.csv", "text/csv", key="cmp.dl.csv")
    c3.download_button("⬇ Markdown", compare.to_markdown(recs, snap.messages), "comparison.md", "text/markdown",
                       key="cmp.dl.md")
    st.caption("Exports hold endpoint names, models, parameters, replies and measurements — never an API key.")
