"""The Playground in Debian's Chromium: type a message, press Send, watch the streamed reply appear."""
from __future__ import annotations

import re

import pytest

from support.app import screenshot, wait_for_app

pytestmark = pytest.mark.browser

# Text of the first reply pane (everything after its title), minus status lines and the cursor.
PANE_TEXT = r"""() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const t = main ? main.innerText : '';
  const at = t.lastIndexOf('Choice 1');
  if (at < 0) return '';
  return t.slice(at + 'Choice 1'.length).split('\n')
    .filter(l => !/^(waiting for the first token|streaming…|…$)/.test(l.trim()))
    .join('\n').replace('▌', '').trim();
}"""


def test_send_a_message_and_see_the_streamed_reply(app_url, page):
    page.goto(app_url)
    wait_for_app(page)
    page.get_by_role("heading", name="Playground").wait_for()
    box = page.get_by_label("Your message")
    box.fill("Write one sentence about the sea.")
    box.press("Tab")  # Streamlit commits a text area's value on blur
    page.get_by_role("button", name="Send", exact=True).click()
    # the user turn joins the conversation, and the reply streams into its pane word by word
    page.get_by_test_id("stChatMessage").filter(has_text="Write one sentence about the sea.").wait_for(
        timeout=60_000)
    page.wait_for_function(f"() => /[A-Za-z]{{2,}}.*\\s.*[A-Za-z]{{2,}}/s.test(({PANE_TEXT})())",
                           timeout=120_000)
    first = page.evaluate(PANE_TEXT)
    screenshot(page, "playground_streaming")
    assert re.search(r"[A-Za-z]{2,}", first)
    # stop the stream (the tiny model can ramble for a long time): the text so far is kept
    stop = page.get_by_role("button", name="■ Stop")
    if stop.is_enabled():
        stop.click()
    wait_for_app(page)
    page.wait_for_function("() => !document.body.innerText.includes('streaming…')", timeout=60_000)
    wait_for_app(page)
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert first.split()[0] in body, "the streamed text is still on the page"
    assert "TTFT" in body
    screenshot(page, "playground_streamed_reply")
