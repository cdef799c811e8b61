"""Sweep's base parameters in a real browser: the panel sits in an expander of the sweep form, and
what a change there makes the sweep send, count and cost must follow at once. It used to rerun
only the panel: the plan behind "Run sweep" kept the values from before the change, so the sweep
sent a max_tokens the page no longer showed."""
from __future__ import annotations

import pytest

from support.app import open_section, running_app, wait_for_app, wait_for_idle

pytestmark = pytest.mark.browser


def test_a_base_parameter_change_is_what_the_sweep_sends(fs, page, tmp_path):
    fs.reset()
    env = {"CHAT_BASE_URL": fs.base_url, "CHAT_MODEL": "gpt-4o-mini", "CHAT_ALLOW_PRIVATE": "1"}
    with running_app(tmp_path, env) as url:
        page.goto(url + "/Sweep")
        wait_for_app(page)
        values = page.get_by_role("textbox", name="temperature values")
        values.fill("0, 1")
        values.press("Enter")
        repeats = page.get_by_role("spinbutton", name="Repeats per cell")
        repeats.fill("1")
        repeats.press("Enter")
        page.get_by_text("2 requests").first.wait_for(timeout=30_000)
        before = page.get_by_text("worst-case cost").inner_text()
        page.get_by_text("Base parameters").first.click()
        wait_for_idle(page)
        open_section(page.get_by_test_id("stMain"), "Length")  # max_tokens is ticked: the sweep's default
        box = page.locator(".st-key-sw-pp-max_tokens-v input")
        box.fill("7")
        box.press("Enter")
        wait_for_idle(page)
        # the count and worst case above the button follow the change
        page.wait_for_function("(b) => !document.body.innerText.includes(b)", arg=before, timeout=30_000)
        page.get_by_role("button", name="▶ Run sweep").click()
        page.get_by_text("2 / 2 requests").first.wait_for(timeout=60_000)
        sent = [r.json() for r in fs.requests]
        assert len(sent) == 2
        assert [b["max_tokens"] for b in sent] == [7, 7]
        assert sorted(b["temperature"] for b in sent) == [0, 1]
