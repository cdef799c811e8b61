"""The Playground in Debian's Chromium: type a message, press Send, watch the streamed reply appear."""
from __future__ import annotations

import re

import pytest

from support.app import screenshot, type_and_send, wait_for_app

pytestmark = pytest.mark.browser


def test_send_a_message_and_get_the_reply_from_the_engine(app_url, page):
    """The embedded model end to end; streaming into the pane is checked against a paced server
    (test_live_runs_browser.py), where it cannot finish before the browser looks."""
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("heading", name="Playground").wait_for()
    type_and_send(page, "Write one sentence about the sea.")
    page.get_by_test_id("stChatMessage").filter(has_text="Write one sentence about the sea.").wait_for(
        timeout=60_000)
    # the one-sentence reply ends by itself and joins the conversation with its metrics
    reply = page.get_by_test_id("stChatMessage").nth(1)
    reply.filter(has_text="TTFT").wait_for(timeout=120_000)
    wait_for_app(page)
    final = reply.locator('[data-testid="stMarkdownContainer"]').first.inner_text()
    assert re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", final), final
    assert "TTFT —" not in reply.inner_text(), "a streamed reply has a measured time to first token"
    assert page.locator(".st-key-send button").first.is_enabled()
    screenshot(page, "playground_engine_reply")
