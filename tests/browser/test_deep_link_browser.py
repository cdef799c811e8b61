"""A deep link (a bookmark, or a browser refresh on another page) as the very first visit to a
fresh server. Streamlit runs such a link straight from pages/ until some script run has called
st.navigation, and its sidebar then names the entry page after its file ("playground"). serve.py
(`make run`) declares st.navigation's mode before the first session; under `streamlit run
playground.py` every page's first call (state.init → pages_mode.leave) declares it and runs
again. The server must be fresh: once any visit has run the entry script, every later session is
right either way."""
from __future__ import annotations

import pytest

from support.app import running_app, wait_for_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("script", ["serve.py", "playground.py"])
@pytest.mark.parametrize("path, title", [("/Compare", "Compare"), ("/Usage", "Usage")])
def test_a_first_visit_by_deep_link_shows_the_pages_by_their_names(fs, page, tmp_path, path, title, script):
    with running_app(tmp_path, {"CHAT_BASE_URL": fs.base_url, "CHAT_MODEL": "fault-model"}, script) as url:
        page.goto(url + path)
        page.wait_for_selector("h1")
        wait_for_idle(page)
        assert title in page.locator("h1").first.inner_text()
        nav = page.locator('nav[aria-label="Pages"] a')
        names = [t.strip() for t in nav.all_inner_texts()]
        assert names[0].endswith("Playground"), names
        assert "playground" not in names
        assert page.get_by_test_id("stSidebarNav").count() == 0  # Streamlit's own page list is not drawn
