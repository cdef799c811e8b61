"""The Distribution Lab and the Guide in a real browser, with screenshots to look at."""
import time

import pytest

from support.app import running_app, screenshot, wait_for_app, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.engine]


def test_lab_flow(page, app_url):
    page.goto(app_url + "/Distribution_Lab?param=top_p")
    wait_for_app(page)
    page.get_by_role("button", name="Get next-token distribution").click()
    wait_for_app(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.wait_for(state="visible", timeout=60_000)
    assert page.get_by_text("of 20 candidates can be sampled").is_visible()
    page.get_by_role("button", name="Sample 100").click()
    wait_for_app(page)
    page.get_by_text("100 draws with seed").wait_for(timeout=60_000)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 2
    page.get_by_role("button", name="Next 5 tokens").click()
    wait_for_app(page)
    page.get_by_text("Step 5: chose").wait_for(timeout=120_000)
    page.get_by_role("button", name="Send with these settings").click()
    wait_for_app(page)
    tok = page.locator(".pl-tok").first
    tok.wait_for(state="visible", timeout=60_000)
    tok.hover()
    assert tok.locator(".pl-alt").is_visible()  # the CSS survived st.html: alternatives on hover
    screenshot(page, "lab")


def test_guide_in_chinese_links_to_the_lab(page, app_url):
    page.goto(app_url + "/Parameter_Guide")
    wait_for_app(page)
    page.locator('[data-testid="stButtonGroup"] button', has_text="中文").click()
    wait_for_idle(page)
    page.locator('[data-testid="stExpander"] summary', has_text="logit_bias").click()
    page.get_by_text("取值范围").first.wait_for()
    page.get_by_role("link", name="在实验室中试一试: logit_bias").wait_for()
    screenshot(page, "guide-zh")
    page.get_by_role("link", name="在实验室中试一试: logit_bias").click()
    wait_for_app(page)
    page.get_by_text("当前参数").wait_for()  # the Lab follows the Guide's language
    assert page.get_by_role("heading", name="🔬 分布实验室 · Distribution Lab").is_visible()
    assert page.get_by_role("button", name="获取下一个词元的分布").is_visible()
    assert "param=logit_bias" in page.url and "lang=zh" in page.url
    assert page.get_by_text("▶ logit_bias").is_visible()


def test_a_max_tokens_typed_then_sent_at_once_is_the_one_sent(fs, page, tmp_path):
    """Type a number and click Send straight away: the click commits the number, so the request
    carries it (the callback's arguments were bound by the run before, and sent the old 40)."""
    fs.reset()
    env = {"CHAT_BASE_URL": fs.base_url, "CHAT_MODEL": "gpt-4o-mini", "CHAT_ALLOW_PRIVATE": "1"}
    with running_app(tmp_path, env) as url:
        page.goto(url + "/Distribution_Lab")
        wait_for_app(page)
        box = page.get_by_label("max_tokens")
        box.fill("7")  # no Enter, no Tab: the click below is what commits it
        page.get_by_role("button", name="Send with these settings").click()
        wait_for_idle(page)
        deadline = time.monotonic() + 30
        while not fs.requests and time.monotonic() < deadline:  # the request runs in a worker
            time.sleep(0.1)
        assert [r.json()["max_tokens"] for r in fs.requests] == [7]
        assert box.input_value() == "7"
