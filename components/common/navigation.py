"""The app's pages in the sidebar, with the entry page named “Playground” (Streamlit's automatic
navigation names it after its file, “playground”). Every script in pages/ is listed in file order;
the entry page is this script itself, so its own content runs after route().

Why not Streamlit's own sidebar navigation: the browser redraws it on every rerun, fragment reruns
included, and it costs as much as ten elements (about 110 React components, a fifth of a slider
move on the Playground, measured in Chromium). Here the list is one element, a v2 component of
plain links: a click asks Python to switch page (st.switch_page, no reload, so the session
stays); a click with a modifier key opens the page in a new tab, as any link does. The element
is the same on every page (the current page is marked from the address, in the browser), so a
click made while another page is still arriving is never addressed to an element gone from it.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from components.common import section, state

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


ICONS = {"Compare": "🆚", "Sweep": "📈", "Usage": "📊", "Parameter Guide": "📖", "Distribution Lab": "🔬",
         "Relay": "🔀"}  # each page's icon, in the page list and as its tab's favicon (st.Page sets both)

_CSS = """
nav.pl-nav { display: flex; flex-direction: column; gap: 0.125rem; padding-bottom: 1rem;
             border-bottom: 1px solid rgba(49, 51, 63, 0.2); }
.pl-nav a { display: flex; align-items: center; gap: 0.5rem; padding: 0 0.5rem; border-radius: 0.5rem;
    line-height: 2rem; color: var(--st-text-color, #31333f); text-decoration: none;
    font-family: var(--st-font, "Source Sans", sans-serif); font-size: 0.875rem; }
.pl-nav a:hover { background: rgba(151, 166, 195, 0.15); }
.pl-nav a[aria-current="page"] { background: rgba(151, 166, 195, 0.25); font-weight: 600; }
.pl-nav a:focus-visible { outline: 2px solid var(--st-primary-color, #4f46e5); outline-offset: -2px; }
.pl-nav .icon { width: 1.25rem; text-align: center; }
""" + section.CSS  # the page's one stylesheet: not isolated, so it also styles the folding sections
# Links are built from data (titles are the app's own, not user text), drawn again only when the
# page list changes; the current page's mark follows the address.
_JS = """
export default function ({ parentElement, data, setTriggerValue }) {
  const nav = parentElement.querySelector("nav");
  // The page shown is read from the address (Streamlit keeps it current), not sent as data: the
  // data, and so this element's identity, is then the same on every page, and a click made while
  // another page's run is arriving still reaches an element that page draws too.
  const mark = () => {
    const current = decodeURIComponent(window.location.pathname.split("/").pop());
    for (const a of nav.querySelectorAll("a")) {
      if (a.getAttribute("href").slice(2) === current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
  };
  const sig = JSON.stringify(data);
  if (nav.dataset.sig !== sig) {
    nav.dataset.sig = sig;
    nav.replaceChildren(...data.pages.map(([path, title, icon]) => {
      const a = document.createElement("a");
      a.href = "./" + path;
      const i = document.createElement("span");
      i.className = "icon"; i.textContent = icon; i.setAttribute("aria-hidden", "true");
      a.append(i, document.createTextNode(title));
      return a;
    }));
  }
  mark();
  nav.onclick = (e) => {
    const a = e.target.closest("a");
    if (!a || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    // Sent even for the page marked current: a click back made before another page's run has
    // been drawn must not be lost. Python ignores a click on the page it is running.
    setTriggerValue("go", a.getAttribute("href").slice(2));  // Streamlit updates the address
  };
  // Streamlit changes the address with history.pushState, which only the Navigation API reports;
  // Back and Forward also fire popstate. Where the API is missing, look twice a second.
  const api = window.navigation;
  if (api) api.addEventListener("currententrychange", mark);
  window.addEventListener("popstate", mark);
  const poll = api ? 0 : setInterval(mark, 500);
  return () => {
    if (api) api.removeEventListener("currententrychange", mark);
    window.removeEventListener("popstate", mark);
    clearInterval(poll);
  };
}
"""
_NAV = st.components.v2.component("paramlab_nav", html='<nav class="pl-nav" aria-label="Pages"></nav>', css=_CSS,
                                  js=_JS, isolate_styles=False)


def route() -> StreamlitPage:
    """Show the navigation; when another page is chosen, run it and end this script run."""
    home = _home()
    others = [st.Page(f"pages/{p.name}", icon=ICONS.get(p.stem.split("_", 1)[1].replace("_", " ")))
              for p in sorted(PAGES.glob("[!_.]*.py"), key=_sort_key)]
    page = st.navigation([home, *others], position="hidden")
    state.note_page(page.url_path)
    _links([home, *others], page)  # with the folding sections' style: one element, no st.html
    if page.url_path != home.url_path:
        page.run()
        st.stop()
    return page


def _links(pages: list[StreamlitPage], current: StreamlitPage) -> None:
    """The page list; a click on another page switches to it. Its data is the same on every page:
    an unkeyed element's identity follows its data."""
    with st.sidebar:  # no key: a keyed component keeps an unpicklable object in session_state
        clicked = _NAV(on_go_change=lambda: None,
                       data={"pages": [[p.url_path, p.title, p.icon or ""] for p in pages]}).go
    target = next((p for p in pages if p.url_path == clicked), None)
    if target is not None and target.url_path != current.url_path:
        st.switch_page(target)
