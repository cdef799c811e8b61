"""The app's pages in the sidebar, with the entry page named “Playground” (Streamlit's automatic
navigation names it after its file, “playground”). Every script in pages/ is listed in file order,
as before; the entry page is this script itself, so its own content runs after route()."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from components.common import section

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "pages"


def _playground() -> None:
    """The entry script's own content follows route(); nothing to run here."""


def _sort_key(p: Path) -> tuple[int, str]:
    head = p.stem.split("_", 1)[0]
    return (int(head) if head.isdigit() else 10**6, p.stem)


def _home() -> StreamlitPage:
    return st.Page(_playground, title="Playground", icon="🎛️", default=True)


def go_to_playground() -> None:
    """Switch to the entry page (it is declared by route(), not as the file playground.py)."""
    st.switch_page(_home())


def route() -> StreamlitPage:
    """Show the navigation; when another page is chosen, run it and end this script run."""
    home = _home()
    others = [st.Page(f"pages/{p.name}") for p in sorted(PAGES.glob("[!_.]*.py"), key=_sort_key)]
    page = st.navigation([home, *others])
    section.style()  # every page: folding sections look like expanders
    if page.url_path != home.url_path:
        page.run()
        st.stop()
    return page
