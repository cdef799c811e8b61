"""Fragments that rerun together: a widget change reruns its own fragment and the fragments that
depend on its value (by key), never the whole page.

    fragments.run("pg-cost", draw_cost)                 # a keyed fragment, drawn here
    with fragments.rerunning(("pp-g-sampling", "pg-cost")):
        st.slider(..., **fragments.hook())              # a change reruns both fragments

A fragment may say what it shows with `watch` (a function of the same arguments). Widgets hooked
in a `rerunning(..., watched=True)` block then rerun their own fragment plus only the watched
fragments whose `watch()` after the change's callback (which applies the new value) differs from
what it was when the fragment was last drawn:

    fragments.run("pg-cost", draw_cost, watch=lambda: worst_case())
    # inside the fragment "pp-panel/temperature/value":
    with fragments.rerunning(("pp-panel/temperature/value",), watched=True):
        st.slider(..., **fragments.hook(apply_value))   # reruns pg-cost too only if the cost changed

With no watched fragment changed the callback returns without st.rerun: Streamlit then reruns the
widget's own fragment in the same script run (a keyed st.rerun from a callback ends that run and
starts another, about twice the cost of a slider move).
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from typing import Any, Callable, Iterator

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

_targets: ContextVar[tuple[str, ...]] = ContextVar("paramlab_fragment_targets", default=())
_watched: ContextVar[bool] = ContextVar("paramlab_fragment_watched", default=False)
_inline: ContextVar[bool] = ContextVar("paramlab_fragment_inline", default=False)
NESTED = "/"  # a nested fragment's key is its parent's key + "/" + its own name
WATCHES = "pl.fragment_watches"  # {page script hash: {fragment key: (watch, args)}} of this session
SHOWN = "pl.fragment_shown"  # {page script hash: {fragment key: watch() when the fragment was drawn}}


def browser() -> bool:
    """Whether a browser is attached: a real Runtime (AppTest installs a mock)."""
    return Runtime.exists() and type(Runtime.instance()) is Runtime


def enabled() -> bool:
    """Fragments only pay off with a browser attached. AppTest (no Runtime) runs the whole
    script on every run() and would keep only a fragment's elements after a widget change
    inside it, so there the parts are drawn inline (as they are inside `inline()`)."""
    return not _inline.get() and browser()


@contextlib.contextmanager
def inline() -> Iterator[None]:
    """Draw the fragments called in this block as plain parts of the page: a change of their
    widgets reruns the whole page. For a page where everything around them reads their values."""
    token = _inline.set(True)
    try:
        yield
    finally:
        _inline.reset(token)


def run(key: str, fn: Callable[..., Any], *args: Any, run_every: float | None = None,
        watch: Callable[..., Any] | None = None) -> Any:
    """Call fn(*args) as the fragment named `key`; `watch(*args)`, if given, is what it shows that
    a watched widget change elsewhere may alter (compared before and after the change)."""
    if not enabled():
        return fn(*args)
    if watch is not None:
        _page_watches()[key] = (watch, args)
        fn = _remembering(key, fn, watch)
    return st.fragment(fn, key=key, run_every=run_every)(*args)


def _remembering(key: str, fn: Callable[..., Any], watch: Callable[..., Any]) -> Callable[..., Any]:
    """fn, then what it showed (watch's value), kept for the next watched change to compare with:
    a change's callback then works each watch out once, after the new value, not twice."""
    def drawn(*args: Any) -> Any:
        shown = _page_shown()
        shown.pop(key, None)  # a draw cut short (st.rerun, an error) leaves nothing to compare
        out = fn(*args)
        shown[key] = _watch_value(watch, args)
        return out
    return drawn


def _page(into: str) -> dict:
    """This page's part of a session dict (another page's keys are not this page's fragments)."""
    ctx = get_script_run_ctx()
    page = ctx.page_script_hash if ctx else ""
    return st.session_state.setdefault(into, {}).setdefault(page, {})


def _page_watches() -> dict[str, tuple[Callable[..., Any], tuple]]:
    return _page(WATCHES)


def _page_shown() -> dict[str, Any]:
    return _page(SHOWN)


@contextlib.contextmanager
def rerunning(targets: tuple[str, ...], watched: bool = False) -> Iterator[None]:
    """Widgets hooked inside this block rerun `targets` when they change (and, `watched`, the
    watched fragments whose watch() the change alters)."""
    token, wtoken = _targets.set(tuple(targets)), _watched.set(watched)
    try:
        yield
    finally:
        _targets.reset(token)
        _watched.reset(wtoken)


def hook(callback: Callable[..., Any] | None = None, *args: Any, event: str = "on_change") -> dict[str, Any]:
    """Widget kwargs: run `callback(*args)` (if any), then rerun the current targets."""
    targets = _targets.get()
    if not targets or not enabled():
        return {event: callback, "args": args} if callback else {}
    return {event: _then_rerun, "args": (targets, callback, args, _watched.get())}


def _then_rerun(targets: tuple[str, ...], callback: Callable[..., Any] | None, args: tuple,
                watched: bool = False) -> None:
    if callback is not None:
        callback(*args)
    changed = _changed_watches() if watched else []
    if watched and not changed:
        return  # Streamlit's default: the widget's own fragment reruns, in this same run
    st.rerun(_registered(_outermost([*targets, *changed])) or "app")


def _changed_watches() -> list[str]:
    """The watched fragments whose view now differs from the one they last drew (one never drawn
    is left alone: it has nothing shown to correct)."""
    shown = _page_shown()
    return [key for key, (watch, args) in _page_watches().items()
            if key in shown and _watch_value(watch, args) != shown[key]]


def _watch_value(watch: Callable[..., Any], args: tuple) -> Any:
    try:
        return watch(*args)
    except Exception as e:  # noqa: BLE001 - a watch that cannot tell counts as changed
        return e


def _outermost(keys: list[str]) -> list[str]:
    """Drop a key nested under another one in the list (its parent's rerun draws it)."""
    return [k for k in dict.fromkeys(keys) if not any(k != o and k.startswith(o + NESTED) for o in keys)]


def _registered(keys: list[str]) -> list[str]:
    """The keys Streamlit knows on this page (a watched fragment not drawn by the last run is not)."""
    storage = get_script_run_ctx().fragment_storage
    out = []
    for k in keys:
        try:
            storage.resolve_target(k)
            out.append(k)
        except StreamlitAPIException:
            pass
    return out


def rerun_app() -> None:
    """From a callback of a widget inside a fragment: rerun the whole page, not just the fragment."""
    if enabled():
        st.rerun()
