"""The prompt tuner's actions in a real browser: Regenerate and Undo, Clear and Undo, Resend from a
turn, and Send blocked (with the message under the field) while logit_bias cannot be read."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.app import open_section, screenshot, wait_for_app, wait_for_idle

pytestmark = pytest.mark.browser
SLOW = 180_000


def key(name: str) -> str:
    return f".st-key-{name.replace('.', '-')}"


def tick(page, group: str, name: str) -> None:
    """Open the panel's folded `group` and tick parameter `name`."""
    sidebar = page.get_by_test_id("stSidebar")
    open_section(sidebar, group)
    sidebar.locator(key(f"pp.{name}.on") + " label").click()
    wait_for_idle(page)


def open_playground(page, app_url: str) -> None:
    page.goto(app_url)
    page.wait_for_selector(".st-key-send button", timeout=SLOW)
    wait_for_idle(page)


def type_into(page, widget_key: str, text: str) -> None:
    """Type in a text box and leave it (Streamlit commits the value on blur)."""
    box = page.locator(key(widget_key) + " textarea")
    box.fill(text)
    box.press("Tab")
    wait_for_idle(page)


def visit_and_return(page, link: str) -> None:
    """Open another page from the navigation, let it run to its end, and come back."""
    nav = page.locator('nav[aria-label="Pages"]')
    nav.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=link).wait_for(timeout=SLOW)
    wait_for_app(page)
    nav.get_by_role("link", name="Playground", exact=True).click()
    page.wait_for_selector(".st-key-send button", timeout=SLOW)
    wait_for_app(page)


def set_number(page, group: str, name: str, value: int) -> None:
    """Tick parameter `name` and type `value` in its number box."""
    tick(page, group, name)
    box = page.get_by_test_id("stSidebar").locator(key(f"pp.{name}.v") + " input")
    box.fill(str(value))
    box.press("Enter")


def turns(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("stChatMessage").all_inner_texts()]


def assistant_text(page) -> str:
    """The text of the last chat turn (the model's reply), without its captions and buttons."""
    last = page.get_by_test_id("stChatMessage").last
    return last.locator('[data-testid="stMarkdownContainer"]').first.inner_text().strip()


def test_regenerate_undo_clear_resend_and_blocked_send(page, app_url):
    open_playground(page, app_url)
    sidebar = page.get_by_test_id("stSidebar")
    # the entry page is named "Playground" in the page list, not after its file ("playground")
    nav = page.locator('nav[aria-label="Pages"]')
    expect(nav.get_by_role("link", name="Playground", exact=True)).to_have_count(1)
    expect(nav.get_by_text("playground", exact=True)).to_have_count(0)
    # plain accessible names, no literal Markdown or icon names
    expect(sidebar.get_by_role("checkbox", name="temperature", exact=True)).to_have_count(1)
    sidebar.locator(key("pp.temperature.on") + " label").click()  # ticked: now there is something to reset
    wait_for_idle(page)
    expect(sidebar.locator(key("pp.temperature.reset")).get_by_role("button", name="Reset")).to_have_count(1)
    # a folding section's header is named by its title, not its chevron icon
    expect(sidebar.get_by_role("button", name="📚 Presets", exact=True)).to_have_count(1)
    expect(sidebar.get_by_role("checkbox", name="**temperature**")).to_have_count(0)

    # a short reply, so the test does not wait on a long generation
    set_number(page, "Length", "max_tokens", 8)
    page.wait_for_selector("text=+ 8 max tokens", timeout=SLOW)
    wait_for_idle(page)

    page.locator(key("w.prompt") + " textarea").fill("Name one colour.")
    page.locator(key("send") + " button").first.click()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=SLOW)
    wait_for_idle(page)
    first_reply = assistant_text(page)
    assert first_reply

    # Regenerate replaces the reply; Undo brings the old one back
    page.locator(key("act.regenerate")).get_by_role("button").click()
    undo = page.locator(key("act.undo")).get_by_role("button", name="Undo regenerate")
    expect(undo).to_be_visible(timeout=SLOW)
    wait_for_idle(page)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)
    screenshot(page, "playground-regenerated")
    undo.click()
    wait_for_idle(page)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)
    assert assistant_text(page) == first_reply

    # Clear, then Undo
    page.locator(key("clear")).get_by_role("button").click()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(0, timeout=SLOW)
    page.locator(key("act.undo")).get_by_role("button", name="Undo clear conversation").click()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=SLOW)
    assert assistant_text(page) == first_reply

    # Resend from the first turn: the reply after it is replaced by a new one
    page.locator(key("resend.0")).get_by_role("button", name="Resend from here").click()
    expect(page.locator(key("act.undo")).get_by_role("button", name="Undo resend from turn 1")).to_be_visible(
        timeout=SLOW)
    wait_for_idle(page)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)

    # an unreadable logit_bias: the message under the field, and Send is disabled
    tick(page, "Penalties", "logit_bias")
    area = sidebar.locator(key("pp.logit_bias.v") + " textarea")
    area.fill("hello: -100")
    area.press("Control+Enter")
    field = sidebar.locator('[data-testid="stVerticalBlock"]', has=page.locator(key("pp.logit_bias.v"))).last
    expect(field.get_by_test_id("stAlertContentError")).to_contain_text("logit_bias:", timeout=SLOW)
    page.locator(key("w.prompt") + " textarea").fill("this must not be sent")
    expect(page.locator(key("send") + " button").first).to_be_disabled(timeout=SLOW)
    expect(page.get_by_text("Send is blocked until logit_bias is fixed")).to_be_visible()
    screenshot(page, "playground-logit-bias-blocked")


def test_continue_with_a_choice_puts_it_in_the_conversation(page, app_url):
    """n = 2 on the embedded engine: "Continue with this choice" on the second choice makes it the
    assistant's turn, shown at once (the button sits in the replies' fragment: a rerun of that
    fragment alone hid the panes and showed nothing in their place until the next full run)."""
    open_playground(page, app_url)
    set_number(page, "Sampling", "n", 2)
    set_number(page, "Length", "max_tokens", 8)
    page.wait_for_selector("text=+ 8 max tokens × n=2", timeout=SLOW)
    wait_for_idle(page)
    page.locator(key("w.prompt") + " textarea").fill("Name one fruit.")
    page.locator(key("send") + " button").first.click()
    second = page.locator(key("pane-1"))
    expect(second.get_by_role("button", name="Continue with this choice")).to_be_visible(timeout=SLOW)
    wait_for_idle(page)
    chosen = second.locator('[data-testid="stMarkdownContainer"]').nth(1).inner_text().strip()
    assert chosen, "the second choice has text"
    second.get_by_role("button", name="Continue with this choice").click()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=SLOW)
    wait_for_idle(page)
    assert assistant_text(page) == chosen
    expect(page.locator(key("pane-0"))).to_have_count(0)  # the panes gave way to the new turn


def test_a_draft_survives_a_visit_to_another_page(page, app_url):
    """Streamlit drops a widget's value when its page is left: the message being written, whose
    only home is its box, was gone after a look at the Usage page."""
    open_playground(page, app_url)
    type_into(page, "w.prompt", "A long prompt I have not sent yet")
    open_section(page, "Add a turn by hand (any role)")
    type_into(page, "w.insert.text", "A turn I have not inserted yet")
    visit_and_return(page, "Usage")
    expect(page.locator(key("w.prompt") + " textarea")).to_have_value("A long prompt I have not sent yet",
                                                                      timeout=SLOW)
    expect(page.locator(key("w.insert.text") + " textarea")).to_have_value("A turn I have not inserted yet",
                                                                           timeout=SLOW)


def test_an_edit_in_progress_survives_a_visit_to_another_page(page, app_url):
    open_playground(page, app_url)
    open_section(page, "Add a turn by hand (any role)")
    type_into(page, "w.insert.text", "The turn as it was")
    page.locator(key("insert")).get_by_role("button").click()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(1, timeout=SLOW)
    page.locator(key("edit.0")).get_by_role("button").click()
    expect(page.locator(key("w.edit.0") + " textarea")).to_have_value("The turn as it was", timeout=SLOW)
    type_into(page, "w.edit.0", "Half-way through my edit")
    visit_and_return(page, "Parameter Guide")
    expect(page.locator(key("w.edit.0") + " textarea")).to_have_value("Half-way through my edit", timeout=SLOW)
    # Cancel forgets the typing: the next edit starts from the turn as it is
    page.locator(key("edit.cancel.0")).get_by_role("button").click()
    wait_for_idle(page)
    page.locator(key("edit.0")).get_by_role("button").click()
    expect(page.locator(key("w.edit.0") + " textarea")).to_have_value("The turn as it was", timeout=SLOW)
