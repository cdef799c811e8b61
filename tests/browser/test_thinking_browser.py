"""A reasoning model's reply in Debian's Chromium: DeepSeek's recorded stream (reasoning in
`reasoning_content`, slowed so it streams visibly) shows its thinking in a "Thinking" block
above the reply; the block opens and the reply itself holds only the answer."""
from __future__ import annotations

import pytest

from support.app import running_app, screenshot, type_and_send, wait_for_app, wait_for_idle
from support.fault_server import FaultServer
from support.recorded import CORPUS, Encoded, load

pytestmark = pytest.mark.browser
REC = load(CORPUS / "deepseek__stream-reasoner-reasoning-content.json")


def test_thinking_block_above_the_reply(tmp_path, page):
    (choice,) = REC["expect"]["choices"]
    with FaultServer(default=Encoded.of(REC, seed=1)) as fs, running_app(
            tmp_path, {"CHAT_BASE_URL": fs.base_url, "CHAT_MODEL": "deepseek-reasoner"}) as url:
        page.goto(url)
        wait_for_app(page)
        type_and_send(page, "Hello")
        page.get_by_text(choice["text"][:20]).first.wait_for(timeout=60_000)
        wait_for_idle(page)
        thinking = page.get_by_test_id("stExpander").filter(has_text="Thinking").first
        thinking.wait_for()
        header = thinking.locator("summary").first
        assert "Thinking" in header.inner_text()
        header.click()
        page.get_by_text("Hmm, the user just said").first.wait_for()
        screenshot(page, "thinking_block")
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert body.index("Thinking") < body.rindex(choice["text"][:20])


def test_thinking_streams_live_then_the_reply(tmp_path, page):
    """Thinking arrives first, slowly: the block is open and growing while the model thinks."""
    from support.fault_server import Stream, chunk, sse
    words = [f"step{i} " for i in range(30)]
    events = [sse({**chunk(role="assistant"), "choices": [{"index": 0, "delta": {"reasoning_content": w},
                                                            "finish_reason": None}]}, done=False) for w in words]
    events += [sse(chunk("The answer is 42."), done=False), sse(chunk(finish="stop"))]
    with FaultServer(default=Stream(events, pause=0.25)) as fs, running_app(
            tmp_path, {"CHAT_BASE_URL": fs.base_url, "CHAT_MODEL": "deepseek-reasoner"}) as url:
        page.goto(url)
        wait_for_app(page)
        type_and_send(page, "What is six times seven?")
        page.get_by_text("step3").first.wait_for(timeout=60_000)
        live = page.get_by_test_id("stExpander").filter(has_text="Thinking").first
        assert "step3" in live.inner_text()  # open while thinking
        live.scroll_into_view_if_needed()
        live.screenshot(path=str(screenshot(page, "thinking_live").with_name("thinking_live_block.png")))
        page.get_by_text("The answer is 42.").first.wait_for(timeout=60_000)
        wait_for_idle(page)
        body = page.locator('[data-testid="stMain"]').inner_text()
        assert body.index("Thinking") < body.rindex("The answer is 42.")
        screenshot(page, "thinking_done")
