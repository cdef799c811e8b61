"""The backend's own samplers, the honour check and the Lab's engine check in a real browser, with
screenshots to look at."""
import pytest

from support.app import cut_pills, open_section, screenshot, wait_for_app, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.engine]


def test_llamacpp_group_shows_server_defaults(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    open_section(page.get_by_test_id("stSidebar"), "llama.cpp samplers")
    # every group pill shows its whole title (the backend's was cut to "llama.cpp (embedded engine) sa…")
    assert cut_pills(page) == []
    group = page.locator(".st-key-pp-group-backend-embedded")
    group.get_by_text("server default: 40 (reported by the server)").wait_for()
    group.locator(".st-key-pp-min_p label").first.click()
    wait_for_idle(page)
    assert page.get_by_text("server default: 0.8 (reported by the server)").first.is_visible()
    group.scroll_into_view_if_needed()
    screenshot(page, "panel-llamacpp-group")


def test_honour_check_shows_the_cost_then_the_matrix(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    open_section(page.get_by_test_id("stSidebar"), "🔌")  # the endpoint section holds the check
    page.get_by_role("button", name="What does this endpoint honour?").click()
    dialog = page.locator('[role="dialog"]')
    dialog.get_by_text("Worst-case cost: $0.0000").wait_for()
    dialog.get_by_role("button", name="Send 15 requests (worst case $0.0000)").click()
    dialog.get_by_text("with 15 requests").wait_for(timeout=120_000)
    grid = dialog.locator('[data-testid="stDataFrame"]')
    grid.wait_for()
    screenshot(page, "honour-matrix")
    page.keyboard.press("Escape")
    wait_for_idle(page)
    page.get_by_text("ignores or rejects tools + tool_choice required").wait_for()


def test_lab_checks_itself_against_the_engine(page, app_url):
    page.goto(app_url + "/Distribution_Lab?param=top_p")
    wait_for_app(page)
    page.get_by_role("button", name="Get next-token distribution").click()
    wait_for_app(page)
    page.get_by_text("of 20 candidates can be sampled").wait_for(timeout=60_000)
    page.get_by_role("button", name="Check against the engine").click()
    wait_for_idle(page)
    page.get_by_text("Largest difference: 0.0000").wait_for(timeout=60_000)
    screenshot(page, "lab-engine-check")
