"""Seed check: the same request k times with one seed, one after another; identical or not."""
from __future__ import annotations

import streamlit as st

from components.common import budget as budget_ui
from components.common import live
from components.common import state
from components.sweep.setup import CFG, _body
from paramlab.experiments import seedcheck
from paramlab.settings import Endpoint
from paramlab.runs.live import LiveRun
from paramlab.safety.markdown import safe_markdown
from paramlab.request.schema import ValidationError
from paramlab.experiments.sweep import SweepJob

RUN = "sw.seed.run"
SEED = "sw.seed.seed"


def render(endpoint: Endpoint | None) -> None:
    st.caption("Sends the sweep's message with the base parameters k times, one after another, with a fixed "
               "seed. Providers promise only best-effort determinism; system_fingerprint names the backend "
               "configuration, so a change there explains a difference.")
    c1, c2, c3 = st.columns([1, 1, 2], vertical_alignment="bottom")
    # no bounds in the widgets (they would keep showing a refused number): checked below, by name
    k = c1.number_input("k (requests)", value=3, step=1, key="sw.seed.k")
    seed = c2.number_input("seed", value=42, step=1, key="sw.seed.value")
    problems = ([f"k (requests): must be 2 to {seedcheck.MAX_K}, got {k}"] if not 2 <= k <= seedcheck.MAX_K else []) + \
        ([f"seed: must be 0 to {2**31 - 1}, got {seed}"] if not 0 <= seed <= 2**31 - 1 else [])
    for p in problems:
        st.error(p)
    run: LiveRun | None = st.session_state.get(RUN)
    busy = run is not None and not run.finished
    if c3.button("▶ Run seed check", key="sw.seed.go", disabled=endpoint is None or busy or bool(problems)):
        if not budget_ui.gate(endpoint, inline=True):
            return
        try:
            base = SweepJob(0, 0, dict(st.session_state["sw.base"]))
            body = _body(base, st.session_state[CFG]["prompt"])
            jobs = seedcheck.jobs(state.client_for(endpoint), body, int(k), int(seed), state.request_context("sweep"))
        except ValidationError as e:
            for err in e.errors:
                st.error(f"Not sent — {err}")
            return
        st.session_state[SEED] = int(seed)
        st.session_state[RUN] = run = live.watch(LiveRun(jobs, max_workers=1))
    if run is None:
        return
    live.painter("sw-seed", run, lambda: _report(run))


def _report(run: LiveRun) -> None:
    if run.live:
        st.progress(run.done_count / max(run.total, 1),
                    text=f"Sending {run.total} requests one after another… {run.done_count} done")
        return
    report = seedcheck.SeedReport(st.session_state[SEED], [r for r in run.results if r is not None])
    (st.success if report.identical else st.warning)(report.verdict(), icon="🎲")
    for err in report.errors():
        st.error(err)
    with st.expander("Replies and fingerprints"):
        for i, r in enumerate(report.results):
            st.markdown(f"**Request {i + 1}** · status {r.status} · system_fingerprint `{r.system_fingerprint or '—'}`")
            st.markdown(safe_markdown(r.choices[0].text) if r.choices else "_(no reply)_")
