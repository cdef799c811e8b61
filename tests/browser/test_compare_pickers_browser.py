"""Compare's per-pane endpoint and model pickers sit in the panes' fragment; the worst-case cost
line above them must follow a pick at once (it used to keep the old model's price until some
other change redrew the whole page)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.app import open_section, running_app, wait_for_app, wait_for_idle

pytestmark = pytest.mark.browser
SLOW = 60_000


def _cost(page) -> float:
    line = page.get_by_text("Worst-case cost of one run").inner_text()
    m = re.search(r"\$([0-9.]+)", line)
    assert m, line
    return float(m.group(1))


def test_picking_a_pricier_model_in_a_pane_updates_the_worst_case(fs, page, tmp_path):
    config = tmp_path / "paramlab.yaml"
    config.write_text(f"default_endpoint: Fault\nendpoints:\n  - name: Fault\n    base_url: {fs.base_url}\n"
                      "    models: [gpt-4o-mini, gpt-4o]\n")
    env = {"CHAT_CONFIG": str(config), "CHAT_ALLOW_PRIVATE": "1"}
    (tmp_path / "data").mkdir()
    with running_app(tmp_path / "data", env) as url:
        page.goto(url)
        page.wait_for_selector(".st-key-send button", timeout=SLOW)
        wait_for_idle(page)
        sidebar = page.get_by_test_id("stSidebar")
        open_section(sidebar, "Length")  # a bounded reply, so the worst case is a number
        sidebar.locator(".st-key-pp-max_tokens-on label").click()
        wait_for_idle(page)
        box = sidebar.locator(".st-key-pp-max_tokens-v input")
        box.fill("100")
        box.press("Enter")
        wait_for_idle(page)
        page.locator('nav[aria-label="Pages"]').get_by_role("link", name="Compare").click()
        wait_for_app(page)
        before = _cost(page)  # two panes on gpt-4o-mini
        page.locator('[class*="st-key-sec-head-cmp-"][class*="-conn"] button').first.click()
        wait_for_idle(page)
        page.locator('[class*="st-key-cmp-"][class*="-model"]').first.click()
        page.get_by_role("option", name="gpt-4o", exact=True).click()
        expect(page.get_by_text("Worst-case cost of one run")).not_to_contain_text(f"${before:g}", timeout=SLOW)
        wait_for_idle(page)
        # gpt-4o costs about 16× gpt-4o-mini: one pane of each is over 5× two of the cheaper one
        assert _cost(page) > 5 * before, (before, _cost(page))
