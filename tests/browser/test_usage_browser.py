"""The Usage page in Chromium: three Playground requests in its charts and tables, and a reasoning
reply's thinking in the drill-down."""
from __future__ import annotations


import pytest

from support.app import running_app, screenshot, type_and_send, wait_for_app, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.engine]

MESSAGES = ["Name a colour.", "Name a fruit.", "Name an animal."]


@pytest.fixture(scope="module")
def usage_app(tmp_path_factory):
    """A server of our own, so the ledger holds exactly this test's requests."""
    with running_app(tmp_path_factory.mktemp("usage-app")) as url:
        yield url


# The request has finished: Stop is disabled again and no pane is streaming.
FINISHED = """() => {
  const stop = [...document.querySelectorAll('button')].find(b => b.innerText.includes('Stop'));
  return !!stop && stop.disabled && !document.body.innerText.includes('streaming…');
}"""


def _settled_box(page, locator) -> dict:
    """The element's box once it has stopped moving (two equal reads 200 ms apart)."""
    box = None
    for _ in range(100):
        page.wait_for_timeout(200)
        now = locator.bounding_box()
        if now is not None and now == box:
            return now
        box = now
    raise AssertionError("the element kept moving for 20 s")


def send(page, text: str) -> None:
    """Send one message and wait until its request has finished (whatever its status)."""
    type_and_send(page, text)
    page.get_by_test_id("stChatMessage").filter(has_text=text).wait_for(timeout=60_000)
    for _ in range(2):  # again after the rerun that paints the finished reply
        page.wait_for_function(FINISHED, timeout=300_000)
        wait_for_app(page)


def test_playground_requests_show_on_the_usage_page(usage_app, page):
    page.goto(usage_app)
    wait_for_app(page)
    page.get_by_role("heading", name="Playground").wait_for()
    for text in MESSAGES:
        send(page, text)
    page.get_by_role("link", name="Usage").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Usage").wait_for()
    page.set_viewport_size({"width": 1500, "height": 3000})  # the whole page in one screenshot
    page.get_by_test_id("stVegaLiteChart").nth(5).wait_for(timeout=60_000)
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    metrics = main.get_by_test_id("stMetric")
    assert metrics.filter(has_text="Requests").get_by_test_id("stMetricValue").inner_text() == "3"
    assert metrics.filter(has_text="Cost").get_by_test_id("stMetricValue").inner_text() == "$0"  # embedded model
    # every chart drew marks from the three requests (vega renders SVG paths / canvas per mark)
    assert page.get_by_test_id("stVegaLiteChart").count() == 9  # 6 usage charts, 2 forecasts, 1 what-if
    assert "No data for this chart" not in main.inner_text()
    page.wait_for_timeout(1000)  # let vega finish drawing before the screenshot
    tables = main.get_by_test_id("stDataFrame")
    assert tables.count() >= 3  # what-if by model, sessions, requests
    shot = screenshot(page, "usage-after-three-requests")
    assert shot.exists()
    # drill-down: pick the newest request and see its text
    grid = page.locator(".st-key-usage-requests")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 55)  # the first row's selection cell
    wait_for_app(page)
    page.get_by_text("Request 3 ·").wait_for(timeout=30_000)
    detail = main.inner_text()
    assert MESSAGES[-1] in detail and "Parameters" in detail
    screenshot(page, "usage-drilldown")


def test_a_reasoning_replys_thinking_shows_in_the_drill_down(tmp_path, page):
    """DeepSeek's recorded reply (thinking in reasoning_content) sent from the Playground, then
    opened from the Usage page's request list: its Thinking block sits above the reply."""
    from support.fault_server import FaultServer
    from support.recorded import CORPUS, Encoded, load
    rec = load(CORPUS / "deepseek__stream-reasoner-reasoning-content.json")
    (choice,) = rec["expect"]["choices"]
    with FaultServer(default=Encoded.of(rec, seed=2)) as fs, running_app(
            tmp_path, {"CHAT_BASE_URL": fs.base_url, "CHAT_MODEL": "deepseek-reasoner"}) as url:
        page.goto(url)
        wait_for_app(page)
        send(page, "Hello")
        page.get_by_role("link", name="Usage").click()
        wait_for_app(page)
        page.get_by_role("heading", name="Usage").wait_for()
        page.set_viewport_size({"width": 1500, "height": 3000})
        grid = page.locator(".st-key-usage-requests")
        grid.wait_for(timeout=60_000)
        wait_for_idle(page)
        grid.scroll_into_view_if_needed()
        box = _settled_box(page, grid)  # the charts above draw late and move the grid down
        page.mouse.click(box["x"] + 15, box["y"] + 55)  # the only row's selection cell
        page.get_by_text("Request 1 ·").wait_for(timeout=30_000)
        wait_for_idle(page)
        reply = page.get_by_test_id("stChatMessage").filter(has_text="Reply, choice 1")
        block = reply.get_by_test_id("stExpander").filter(has_text="Thinking")
        header = block.locator("summary").first
        assert "Thinking (" in header.inner_text()
        assert "Hmm, the user just said" not in reply.inner_text()  # collapsed until opened
        header.click()
        block.get_by_text("Hmm, the user just said").wait_for()
        text = reply.inner_text()
        assert text.index("Thinking") < text.index("Hmm, the user just said") < text.rindex(choice["text"][:12])
        reply.scroll_into_view_if_needed()
        shot = screenshot(page, "usage-drilldown-thinking")
        reply.screenshot(path=str(shot.with_name("usage-drilldown-thinking-reply.png")))
