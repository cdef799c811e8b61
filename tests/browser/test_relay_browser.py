"""A request relayed by an application (openai SDK) shows on the Relay and Usage pages, and opens in
the Playground with its messages and parameters, ready to tune."""
from __future__ import annotations

import openai
import pytest
from playwright.sync_api import expect
from support.app import running_app, screenshot, wait_for_app, wait_for_idle

pytestmark = [pytest.mark.browser, pytest.mark.engine]

SYSTEM = "You answer in one short sentence."
QUESTION = "Which planet is known as the red planet?"


@pytest.fixture(scope="module")
def relay_app(tmp_path_factory):
    """A server of our own on 127.0.0.1 with no relay key: open to local clients, as `make run` is."""
    with running_app(tmp_path_factory.mktemp("relay-ui"), {"CHAT_ENGINE_THREADS": "1"}) as url:
        yield url


def relay_request(url: str) -> None:
    client = openai.OpenAI(base_url=url + "/v1", api_key="local", max_retries=0, timeout=120)
    reply = client.chat.completions.create(
        model="smollm2-135m-instruct", max_tokens=24, temperature=0.35, top_p=0.9, seed=42,
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}])
    assert reply.choices[0].message.content


def pick_first_row(page, grid) -> None:
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 55)  # the first row's selection cell
    wait_for_idle(page)


def test_relayed_request_shows_on_relay_and_usage_and_opens_in_the_playground(relay_app, page):
    relay_request(relay_app)
    page.goto(relay_app + "/Relay")
    wait_for_app(page)
    page.get_by_role("heading", name="🔀 Relay").wait_for()
    main = page.get_by_test_id("stMain")
    main.get_by_text("Relay open to local clients only").first.wait_for()
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Relay open to local clients only")
    main.get_by_text(f"{relay_app}/v1", exact=True).wait_for()
    wait_for_idle(page)
    pick_first_row(page, main.get_by_test_id("stDataFrame").last)
    page.get_by_text("Request 1 ·").wait_for(timeout=30_000)
    screenshot(page, "relay-page")

    page.get_by_role("link", name="Usage").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Usage").wait_for()
    metrics = page.get_by_test_id("stMain").get_by_test_id("stMetric")
    metrics.first.wait_for(timeout=60_000)
    assert metrics.filter(has_text="Requests").get_by_test_id("stMetricValue").inner_text() == "1"
    requests_table = page.get_by_text("The newest 1 requests").locator(
        "xpath=following::*[@data-testid='stDataFrame'][1]")
    pick_first_row(page, requests_table)
    page.get_by_text("Request 1 ·").wait_for(timeout=30_000)
    expect(page.get_by_test_id("stMain")).to_contain_text('"relay"', timeout=30_000)  # the drill-down's page
    screenshot(page, "usage-relayed-request")

    page.get_by_role("button", name="Open in Playground").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Playground").wait_for()
    wait_for_idle(page)
    main = page.get_by_test_id("stMain")
    main.get_by_text("Opened request 1 from the usage ledger.").wait_for()
    expect(page.get_by_role("textbox", name="System prompt")).to_have_value(SYSTEM, timeout=30_000)
    expect(main.get_by_test_id("stChatMessage").filter(has_text=QUESTION)).to_have_count(1)
    shot = screenshot(page, "playground-opened-from-relay")
    assert shot.exists()
    # the parameters are loaded: the code view shows the request Send would make now
    main.get_by_text("View code").click()
    wait_for_idle(page)
    for expected in ('"temperature": 0.35', '"top_p": 0.9', '"seed": 42', '"max_tokens": 24'):
        expect(main).to_contain_text(expected, timeout=30_000)
