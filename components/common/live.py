"""Painting live runs (paramlab.runs.live.LiveRun) through fragments.

A page calls painter(key, run, draw) where the run's output belongs. The fragment redraws only
itself every PAINT_EVERY_S while the run is live (the rest of the page is not rerun), and when
the run ends it settles it once (the page's on_end: e.g. the reply joins the conversation) and
reruns the app so everything that depends on the result is redrawn. watch() ties a run to the
browser session that started it: when the session ends, the watchdog cancels the run.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.common import fragments
from paramlab.runs import watchdog
from paramlab.runs.live import LiveRun

PAINT_EVERY_S = 0.1
APPTEST_WAIT_S = 300


def session_alive() -> Callable[[], bool]:
    """Whether the browser session running this script is still connected (any thread may ask)."""
    ctx = get_script_run_ctx()
    if ctx is None or not fragments.browser():  # AppTest and bare mode: no browser to lose
        return lambda: True
    runtime, session_id = Runtime.instance(), ctx.session_id
    return lambda: runtime.get_client(session_id) is not None


def watch(run: LiveRun) -> LiveRun:
    """Cancel `run` when this browser session ends (closed tab, lost connection)."""
    watchdog.watch(run, session_alive())
    return run


def settle(run: LiveRun | None, on_end: Callable[[], None] | None) -> bool:
    """Run the page's end-of-run step once, the first time any script run sees the run finished."""
    if run is None or not run.finished or getattr(run, "settled", False):
        return False
    run.settled = True
    if on_end is not None:
        on_end()
    return True


def finish_without_browser(run: LiveRun | None, on_end: Callable[[], None] | None = None) -> None:
    """AppTest: no browser ticks a fragment, so a run ends within the script run that shows it
    (as one click then one run() expect). With a browser this does nothing."""
    if run is not None and run.live and not fragments.browser():
        run.wait(APPTEST_WAIT_S)
        settle(run, on_end)


def painter(key: str, run: LiveRun | None, draw: Callable[[], None],
            on_end: Callable[[], None] | None = None, every: float = PAINT_EVERY_S) -> None:
    """Draw `draw()` in a fragment that repaints itself while `run` is live."""
    finish_without_browser(run, on_end)
    was_live = run is not None and run.live

    def _paint() -> None:
        if run is None:
            draw()
            return
        run.touch()
        # The run may end between the page's earlier parts and this point (a fast server, in the
        # same script run that started it): the parts drawn above then show the old state, so a
        # settle here always reruns the page, in a full run as in a fragment tick.
        settled_now = settle(run, on_end)
        ended_now = was_live and run.finished and _in_fragment_rerun()
        draw()
        if settled_now or ended_now:
            st.rerun()  # once: everything that depends on the finished run is redrawn

    fragments.run(key, _paint, run_every=every if was_live else None)


def _in_fragment_rerun() -> bool:
    ctx = get_script_run_ctx()
    return bool(ctx and ctx.fragment_ids_this_run)
