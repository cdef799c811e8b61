"""A folding section whose body runs only while it is open.

Why not st.expander: in the browser every element of a page is redrawn on each rerun, fragment
reruns included, and an expander costs about five times a button to redraw (measured in Chromium:
40 empty expanders add 13–20 ms to a slider move, 40 tertiary buttons 3 ms). A closed section is one
button; its body's widgets are not drawn at all.

    with section.lazy("Manage presets", "presets-manage") as shown:
        if shown:
            st.text_input("Name", key="w.preset.new", persist_state=section.KEEP)

The open state is the bool st.session_state[key] (what an expander with that key held). Streamlit
drops the value of a widget a run does not draw, so a widget in a section that holds typed text
says persist_state=section.KEEP. AppTest (no browser) gets a real expander with the whole body, so
tests find every control.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import streamlit as st

from components.common import fragments

KEEP = "page"  # persist_state of a widget in a section: its value outlives the section's folding
CSS_MARK = "sec-head-"  # the header button's key prefix; pages style it like an expander's summary


@contextlib.contextmanager
def lazy(label: str, key: str, expanded: bool = False, force_open: bool = False,
         boxed: bool = True) -> Iterator[bool]:
    """Yields whether the body is shown (always True under AppTest). `boxed=False`: an open body is
    drawn under its header without a border of its own (for a section already in a bordered column:
    one box fewer to see, and one container fewer for every fragment in it to copy on each rerun)."""
    if not fragments.browser():
        with st.expander(label, expanded=expanded or force_open, key=key):
            yield True
        return
    ss = st.session_state
    if force_open or key not in ss:
        ss[key] = bool(expanded or force_open)
    shown = bool(ss[key])
    if not shown:  # the header alone: no container around it (a block costs a redraw too)
        _header(label, key, shown)
        yield False
        return
    with st.container(key=key):  # the st-key-<key> class tests and styles find
        _header(label, key, shown)
        with st.container(border=True) if boxed else contextlib.nullcontext():
            yield True


def _header(label: str, key: str, shown: bool) -> None:
    st.button(label, key=CSS_MARK + key, type="tertiary", width="stretch", on_click=_flip, args=(key,),
              icon=":material/expand_more:" if shown else ":material/chevron_right:")


def _flip(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)


# Section headers look like expander headers (left-aligned, bordered). The navigation's component
# carries this stylesheet on every page (a separate st.html would be one more element to redraw).
CSS = f"""
[class*="st-key-{CSS_MARK}"] button {{ justify-content: flex-start; border-radius: 0.5rem;
  border: 1px solid rgba(49, 51, 63, 0.2); padding: 0.35rem 0.75rem; background: transparent; }}
[class*="st-key-{CSS_MARK}"] button > div {{ justify-content: flex-start; width: 100%; }}
[class*="st-key-{CSS_MARK}"] button [data-testid="stMarkdownContainer"],
[class*="st-key-{CSS_MARK}"] button p {{ white-space: normal; overflow: visible; text-overflow: clip; text-align: left; }}
[class*="st-key-{CSS_MARK}"] button:hover {{ border-color: var(--primary-color, #4f46e5); }}
"""
