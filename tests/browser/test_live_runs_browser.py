"""Live runs in a real browser against a paced fault server: Send is disabled while a reply
streams (a click cannot throw the reply away), Stop keeps the partial text as the assistant turn
and ends the upstream request, and closing the tab mid-stream ends the upstream request too."""
from __future__ import annotations

import time

import pytest

from support.app import cut_pills, open_section, running_app, screenshot, wait_for_app, wait_for_idle
from support.fault_server import FaultServer
from support.paced import Paced, words

pytestmark = pytest.mark.browser
SLOW = 60_000


@pytest.fixture(scope="module")
def fault():
    with FaultServer() as fs:
        yield fs


@pytest.fixture(scope="module")
def fault_app(fault, tmp_path_factory):
    """ParamLab whose default endpoint is the fault server."""
    env = {"CHAT_BASE_URL": fault.base_url, "CHAT_MODEL": "fault-model", "CHAT_ALLOW_PRIVATE": "1"}
    with running_app(tmp_path_factory.mktemp("live-app"), env) as url:
        yield url


@pytest.fixture
def paced(fault):
    fault.reset()
    p = Paced(words(400), pause=0.05)  # 20 s: long enough that nothing ends by itself
    fault.script(p)
    return p


def _send(page, text: str) -> None:
    box = page.locator(".st-key-w-prompt textarea")
    box.fill(text)
    box.press("Tab")  # Streamlit commits a text area's value on blur
    page.locator(".st-key-send button").first.click()


def _wait_pane_text(page, needle: str) -> None:
    page.locator(".st-key-pane-0").filter(has_text=needle).wait_for(timeout=SLOW)


def _turns(page) -> list[str]:
    return page.locator('[data-testid="stChatMessage"]').all_inner_texts()


def test_an_other_servers_group_pill_shows_its_whole_title(fault_app, page):
    """A plain OpenAI-compatible server's group was titled "Other OpenAI-compatible: what it
    honours", too long for a pill in the sidebar; the open group's heading keeps the whole name."""
    page.goto(fault_app)
    wait_for_app(page)
    sidebar = page.get_by_test_id("stSidebar")
    open_section(sidebar, "What the server honours")
    assert cut_pills(page) == []
    sidebar.get_by_text("Other OpenAI-compatible: what it honours").wait_for()


def test_send_is_disabled_while_streaming_and_stop_keeps_the_reply(fault_app, fault, paced, page):
    page.goto(fault_app)
    wait_for_app(page)
    _send(page, "first question")
    _wait_pane_text(page, "w5")
    send = page.locator(".st-key-send button").first
    assert send.is_disabled(), "Send must not be usable while a reply streams"
    screenshot(page, "playground-streaming-send-disabled")
    # a click on the disabled button (a user hammering Send) changes nothing
    box = page.locator(".st-key-w-prompt textarea")
    box.fill("second question")
    box.press("Tab")
    send.click(force=True)
    page.locator(".st-key-stop button").first.click()
    page.locator('[data-testid="stChatMessage"]').filter(has_text="stopped by the user").wait_for(timeout=SLOW)
    turns = _turns(page)
    assert len(turns) == 2 and "first question" in turns[0]
    assert "w0 w1 w2 w3 w4 w5" in turns[1] and "stopped" in turns[1]
    # no finish_reason came because the user stopped it, not because the server failed to say
    assert "finish_reason none — You stopped the stream" in turns[1], turns[1]
    assert "never said why" not in turns[1]
    assert fault.count == 1, "the disabled Send made no request"
    assert paced.hung_up.wait(10) and not paced.finished.is_set() and paced.sent < len(paced.words)
    assert box.input_value() == "second question", "the draft typed meanwhile is kept"
    screenshot(page, "playground-stopped-partial-reply")
    # now Send works, and the conversation alternates user / assistant
    fault.script(Paced(words(3), pause=0.01))
    wait_for_app(page)  # the page redraws after Stop: click the Send of the settled page
    send.click()
    try:
        page.locator('[data-testid="stChatMessage"]').nth(3).filter(has_text="w2").wait_for(timeout=SLOW)
    except Exception:
        screenshot(page, "playground-failed-second-send")
        raise
    roles = [m["role"] for m in fault.requests[-1].json()["messages"]]
    assert roles == ["system", "user", "assistant", "user"] and fault.count == 2
    assert fault.requests[-1].json()["messages"][2]["content"].startswith("w0 w1 w2 w3 w4 w5")


def test_closing_the_tab_mid_stream_ends_the_upstream_request(fault_app, fault, paced, browser):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    page.goto(fault_app)
    wait_for_app(page)
    _send(page, "a question nobody will read the answer to")
    _wait_pane_text(page, "w3")
    ctx.close()  # the browser session ends mid-stream
    assert paced.hung_up.wait(10), "the server was still generating for a closed tab"
    assert not paced.finished.is_set() and paced.sent < len(paced.words)


def test_a_model_name_typed_then_sent_at_once_is_the_one_sent(fault_app, fault, page):
    """Type another model name and click Send straight away: the click commits the name, and the
    request goes to that model (Send's callback read the model of the run before, and the box
    then fell back to it: the typed name was lost and another model was asked)."""
    fault.reset()
    page.goto(fault_app)
    wait_for_app(page)
    box = page.locator(".st-key-w-prompt textarea")
    box.fill("hello")
    box.press("Tab")
    wait_for_idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    open_section(sidebar, "fault-model")
    sidebar.get_by_label("Model", exact=True).click()
    page.get_by_role("option", name="other…").click()
    name = sidebar.get_by_label("Model name")
    name.fill("first-model")
    name.press("Enter")
    wait_for_idle(page)
    name.fill("second-model")  # no Enter, no Tab: the click on Send commits it
    page.locator(".st-key-send button").first.click()
    deadline = time.monotonic() + 30
    while fault.count < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [r.json()["model"] for r in fault.requests] == ["second-model"]
    wait_for_idle(page)
    assert name.input_value() == "second-model"
