"""Compare and Sweep in a real browser: three panes stream at the same time; a sweep draws its chart."""
import pytest

from support.app import screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.engine]

# True when every one of the first `n` panes shows partial text and is still streaming.
ALL_STREAMING = """(n) => {
  for (let i = 0; i < n; i++) {
    const out = document.querySelector('.st-key-cmp-out-' + i);
    if (!out) return false;
    const text = out.innerText || '';
    if (!text.includes('streaming…')) return false;          // not started, or already finished
    const reply = text.replace(/streaming….*$/s, '').replace('▌', '').trim();
    if (reply.length < 3) return false;
  }
  return true;
}"""
ANY_FINISHED = """(n) => [...Array(n).keys()].some(i => {
  const out = document.querySelector('.st-key-cmp-out-' + i);
  return out && (out.innerText.includes('finish_reason') || out.innerText.includes('ERROR'));
})"""


def _button(page, name):
    page.get_by_role("button", name=name).click()


def test_three_panes_stream_at_the_same_time(page, app_url):
    page.goto(app_url + "/Compare")
    wait_for_app(page)
    # three panes that differ only in max_tokens, all long, so they overlap for seconds
    _button(page, "🎚️ Vary one parameter")
    # exactly "Parameter": a looser match also finds other labels with the word (the parameter
    # groups' pills), which are not text boxes, if the popover has not opened yet
    box = page.get_by_label("Parameter", exact=True).last
    box.wait_for(timeout=20_000)
    for _ in range(3):  # on a loaded machine the first keys can arrive before the list has opened
        box.click()
        page.keyboard.type("max_tokens")
        page.keyboard.press("Enter")
        if box.input_value() == "max_tokens":
            break
    assert box.input_value() == "max_tokens"
    page.get_by_label("Values (comma-separated)").fill("200, 201, 202")
    page.get_by_label("Values (comma-separated)").press("Enter")
    _button(page, "Create panes")
    wait_for_app(page)
    page.locator('[class*="st-key-sec-head-cmp-"][class*="-conn"]').nth(2).wait_for(timeout=20_000)  # pane 3
    page.keyboard.press("Escape")
    msg = page.get_by_label("Message (user)")
    msg.fill("Write a long, detailed story about a dragon who learns to bake bread.")
    msg.press("Control+Enter")
    wait_for_app(page)
    _button(page, "▶ Run all panes")
    # Poll the DOM: all three show partial text while none has finished. Sequential panes cannot pass.
    page.wait_for_function(ALL_STREAMING, arg=3, timeout=180_000, polling=100)
    assert not page.evaluate(ANY_FINISHED, 3)
    screenshot(page, "compare-streaming")
    try:
        page.get_by_text("Word-level diff").wait_for(timeout=400_000)
    except Exception:
        screenshot(page, "compare-failed-no-diff")
        raise
    wait_for_app(page)
    for i in range(3):
        assert "finish_reason" in page.locator(f".st-key-cmp-out-{i}").inner_text()
    screenshot(page, "compare-done")


def test_sweep_page_runs_and_draws_the_chart(page, app_url):
    page.goto(app_url + "/Sweep")
    wait_for_app(page)
    page.get_by_role("textbox", name="temperature values").fill("0, 1, 1.5")
    page.get_by_role("spinbutton", name="Repeats per cell").fill("2")
    page.get_by_role("spinbutton", name="Repeats per cell").press("Enter")
    wait_for_app(page)
    page.get_by_text("6 requests").wait_for()
    _button(page, "▶ Run sweep")
    # the progress bar is a fragment that counts the requests as they end
    page.get_by_text("/ 6 requests").first.wait_for(timeout=60_000)
    screenshot(page, "sweep-running")
    page.get_by_text("Results per cell").wait_for(timeout=400_000)
    wait_for_app(page)
    assert "6 / 6 requests" in page.locator('[data-testid="stMain"]').inner_text()
    table = page.locator('[data-testid="stDataFrame"]').first
    table.wait_for(timeout=30_000)
    charts = page.locator("[data-testid='stVegaLiteChart']")
    charts.first.wait_for(timeout=30_000)
    assert charts.count() >= 1
    screenshot(page, "sweep-done")
