"""The Lab's requests (next-token distribution, step mode, send) run on the one live-run
mechanism: a Task in worker threads, painted by a fragment while it runs; the page takes its
result (apply) once it has ended. One request at a time: the buttons wait while one runs."""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from components.common import live
from paramlab.runs.live import LiveRun
from paramlab.runs.parallel import Task, TaskFailed

RUN = "lab.run"        # LiveRun of the request in flight (or the last one)
APPLY = "lab.run_apply"  # what to do with its result, in the script thread
LABEL = "lab.run_label"


def busy() -> bool:
    run: LiveRun | None = st.session_state.get(RUN)
    return run is not None and run.live


def start(label: str, fn: Callable[[Any], Any], apply: Callable[[Any], None]) -> None:
    """Run fn(cancelled) in a worker; apply(result) in the page once it ends. fn never touches Streamlit."""
    if busy():
        return
    ss = st.session_state
    ss[RUN] = live.watch(LiveRun([Task(fn)], max_workers=1))
    ss[APPLY], ss[LABEL] = apply, label


def cancel() -> None:
    run: LiveRun | None = st.session_state.get(RUN)
    if run is not None:
        run.cancel()


def _apply() -> None:
    run: LiveRun = st.session_state[RUN]
    result = run.results[0]
    if isinstance(result, TaskFailed):  # a bug, not an API error: say so rather than hide it
        st.session_state["lab.dist_error"] = f"The Lab's request failed: {result.error}"
        return
    st.session_state[APPLY](result)


def settle() -> None:
    """Take the finished request's result into the page (call before anything reads it)."""
    live.settle(st.session_state.get(RUN), _apply)


def status() -> None:
    """While a request runs: what it is and a Stop button (a fragment repaints it)."""
    live.painter("lab-work", st.session_state.get(RUN), _status, on_end=_apply)


def _status() -> None:
    run: LiveRun | None = st.session_state.get(RUN)
    if run is None or not run.live:
        return
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.caption(f"⏳ {st.session_state.get(LABEL, 'Working')}… {run.elapsed():.1f} s")
    c2.button("■ Stop", key="lab.b.stop", on_click=cancel, help="Stops after the request in flight.")
