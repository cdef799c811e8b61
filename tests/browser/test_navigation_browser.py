"""The page list (components/common/navigation: one v2 component of links, Streamlit's own sidebar
navigation hidden): a click switches page in the same session, the address follows, Back returns,
the current page is marked, and a modifier click leaves the page as it is (a new tab's business)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from support.app import screenshot, wait_for_app, wait_for_idle

pytestmark = pytest.mark.browser
SLOW = 120_000


def nav(page):
    return page.locator('nav[aria-label="Pages"]')


def go(page, name: str, heading: str) -> None:
    nav(page).get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=heading).wait_for(timeout=SLOW)
    wait_for_app(page)


def test_the_page_list_switches_pages_in_the_same_session(page, app_url):
    page.goto(app_url)
    page.wait_for_selector(".st-key-send button", timeout=SLOW)
    wait_for_idle(page)
    links = nav(page).get_by_role("link")
    expect(links).to_have_text(["🎛️Playground", "🆚Compare", "📈Sweep", "📊Usage", "📖Parameter Guide",
                                "🔬Distribution Lab", "🔀Relay"])
    expect(nav(page).locator('[aria-current="page"]')).to_have_text("🎛️Playground")
    box = page.locator(".st-key-w-prompt textarea")
    box.fill("A draft that must survive")
    box.press("Tab")
    wait_for_idle(page)
    groups = page.get_by_test_id("stSidebar").get_by_role("button", name="Penalties", exact=True)
    groups.click()  # one more parameter group open
    page.locator(".st-key-pp-group-penalties").wait_for()
    wait_for_idle(page)

    go(page, "Compare", "🆚 Compare")
    expect(page).to_have_url(re.compile(r"/Compare$"))
    expect(nav(page).locator('[aria-current="page"]')).to_have_text("🆚Compare")
    screenshot(page, "navigation-compare")

    go(page, "Playground", "🎛️ Playground")
    expect(page).to_have_url(app_url + "/")
    expect(box).to_have_value("A draft that must survive")  # same session: nothing was reloaded
    expect(page.locator(".st-key-pp-group-penalties")).to_be_visible()  # the groups open stay open
    expect(page.locator(".st-key-pp-group-sampling")).to_be_visible()

    page.go_back()
    page.get_by_role("heading", name="🆚 Compare").wait_for(timeout=SLOW)
    expect(page).to_have_url(re.compile(r"/Compare$"))

    # a click with a modifier key is left to the browser (a new tab): this page stays where it is
    with page.context.expect_page() as opened:
        nav(page).get_by_role("link", name="Usage").click(modifiers=["Control"])
    opened.value.close()
    wait_for_idle(page)
    expect(page).to_have_url(re.compile(r"/Compare$"))
    expect(page.get_by_role("heading", name="🆚 Compare")).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)


def _kind(m) -> tuple[str, str]:
    """A server message's type and, for a run's start, the page it runs."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    if not isinstance(m, bytes):
        return "", ""
    msg = ForwardMsg()
    msg.ParseFromString(m)
    kind = msg.WhichOneof("type")
    if kind != "new_session":
        return kind, ""
    pages = {p.page_script_hash: p.page_name for p in msg.new_session.app_pages}
    return kind, pages.get(msg.new_session.page_script_hash, "")


@pytest.mark.parametrize("held_from", ["the click", "the new page's start"])
def test_a_click_back_before_the_other_page_is_drawn_is_not_lost(page, app_url, held_from):
    """Playground → Usage → Playground faster than the Usage page is drawn. The server's messages are
    held back from the first click on, or from the moment the Usage run starts in the browser (its
    address shown, the Playground's elements still there), so each race is the same every run.
    Either way the second click must count and the Playground come back with the draft typed."""
    held, state = [], {"hold": False, "after_start": False}

    def relay(ws):
        server = ws.connect_to_server()

        def down(m):
            kind, page_name = _kind(m) if state["after_start"] else ("", "")
            if (kind, page_name) == ("new_session", "Usage"):
                state["usage_started"] = True
            if state["after_start"] and state.get("usage_started") and kind == "navigation":
                state["after_start"], state["hold"] = False, True  # the address changes; nothing more
                ws.send(m)
            elif state["hold"]:
                held.append(m)
            else:
                ws.send(m)
        server.on_message(down)
        relay.ws = ws

    page.route_web_socket(re.compile(r"/_stcore/stream"), relay)
    page.goto(app_url)
    page.wait_for_selector(".st-key-send button", timeout=SLOW)
    wait_for_idle(page)
    box = page.locator(".st-key-w-prompt textarea")
    box.fill("A draft typed before the round trip")
    box.press("Tab")
    wait_for_idle(page)
    state["hold" if held_from == "the click" else "after_start"] = True
    nav(page).get_by_role("link", name="Usage", exact=True).click()
    page.wait_for_timeout(1500)  # the switch happens on the server; the browser sees little of it
    assert held, "the server answered the click on Usage"
    if held_from == "the click":
        expect(page).to_have_url(app_url + "/")
    else:
        expect(page).to_have_url(re.compile(r"/Usage$"))
        expect(page.get_by_role("heading", name="🎛️ Playground")).to_be_visible()  # not drawn over yet
    nav(page).get_by_role("link", name="Playground", exact=True).click()
    page.wait_for_timeout(500)
    state["hold"] = False
    for m in held:
        relay.ws.send(m)
    held.clear()
    wait_for_idle(page)
    page.wait_for_timeout(1000)
    wait_for_idle(page)
    expect(page.get_by_role("heading", name="🎛️ Playground")).to_be_visible()
    expect(page).to_have_url(app_url + "/")
    expect(nav(page).locator('[aria-current="page"]')).to_have_text("🎛️Playground")
    expect(box).to_have_value("A draft typed before the round trip")
