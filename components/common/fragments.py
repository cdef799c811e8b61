"""Fragments that rerun together: a widget change reruns its own fragment and the fragments that
depend on its value (by key), never the whole page.

    fragments.run("pg-cost", draw_cost)                 # a keyed fragment, drawn here
    with fragments.rerunning(("pp-g-sampling", "pg-cost")):
        st.slider(..., **fragments.hook())              # a change reruns both fragments
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Any, Callable, Iterator

import streamlit as st
from streamlit.runtime import Runtime

_targets: ContextVar[tuple[str, ...]] = ContextVar("paramlab_fragment_targets", default=())


def enabled() -> bool:
    """Fragments only pay off with a browser attached. AppTest (no Runtime) runs the whole
    script on every run() and would keep only a fragment's elements after a widget change
    inside it, so there the parts are drawn inline."""
    return Runtime.exists() and type(Runtime.instance()) is Runtime  # AppTest installs a mock


def run(key: str, fn: Callable[..., Any], *args: Any, run_every: float | None = None) -> Any:
    """Call fn(*args) as the fragment named `key`."""
    if not enabled():
        return fn(*args)
    return st.fragment(fn, key=key, run_every=run_every)(*args)


@contextlib.contextmanager
def rerunning(targets: tuple[str, ...]) -> Iterator[None]:
    """Widgets hooked inside this block rerun `targets` when they change."""
    token = _targets.set(tuple(targets))
    try:
        yield
    finally:
        _targets.reset(token)


def hook(callback: Callable[..., Any] | None = None, *args: Any, event: str = "on_change") -> dict[str, Any]:
    """Widget kwargs: run `callback(*args)` (if any), then rerun the current targets."""
    targets = _targets.get()
    if not targets or not enabled():
        return {event: callback, "args": args} if callback else {}
    return {event: _then_rerun, "args": (targets, callback, args)}


def _then_rerun(targets: tuple[str, ...], callback: Callable[..., Any] | None, args: tuple) -> None:
    if callback is not None:
        callback(*args)
    st.rerun(list(targets))


def rerun_app() -> None:
    """From a callback of a widget inside a fragment: rerun the whole page, not just the fragment."""
    if enabled():
        st.rerun()


@contextlib.contextmanager
def lazy_expander(label: str, expanded: bool, key: str, force_open: bool = False) -> Iterator[bool]:
    """An expander whose body runs only while it is open (with a browser: a closed group of
    controls then costs nothing on a rerun). Yields whether to draw the body. Controls skipped
    while closed lose their widget state; callers re-seed it from their canonical values."""
    if not enabled():  # AppTest finds every control, open or not
        with st.expander(label, expanded=expanded, key=key):
            yield True
        return
    if force_open:
        st.session_state[key] = True
    box = st.expander(label, expanded=expanded, key=key, on_change="rerun")
    with box:
        yield bool(box.open)
