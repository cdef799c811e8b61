"""A page for tests/browser/test_fragment_watches_browser.py: a slider in its own fragment whose
changes rerun the "level" fragment only when what it shows (over five or not) changes. The watch
counts how often it is worked out; the slider's fragment shows that count."""
import streamlit as st

from components.common import fragments

ss = st.session_state
ss.setdefault("watch_calls", 0)


def over_five() -> bool:
    ss.watch_calls += 1
    return ss.get("level", 0) > 5


def level() -> None:
    st.markdown(f"Over five: {ss.get('level', 0) > 5}")


def control() -> None:
    with fragments.rerunning(("control",), watched=True):
        st.slider("level", 0, 10, key="level", **fragments.hook())
    st.markdown(f"Watch calls: {ss.watch_calls}")


fragments.run("level", level, watch=over_five)
fragments.run("control", control)
