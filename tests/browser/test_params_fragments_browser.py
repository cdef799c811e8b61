"""A parameter change reruns only its own control and what shows its value, in a real browser:
the websocket carries the slider's own redraw and nothing else, yet the code view, the preset
status, the messages next to a field, the Send row and the request sent all follow the change."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from support.app import open_section, screenshot, wait_for_idle

pytestmark = pytest.mark.browser
SLOW = 180_000


def key(name: str) -> str:
    return f".st-key-{name.replace('.', '-')}"


class Deltas:
    """The elements and blocks the server sends (ForwardMsg deltas) on the app's websocket."""

    def __init__(self, page):
        self.drawn: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload) -> None:
        if isinstance(payload, str):
            return
        msg = ForwardMsg()
        msg.ParseFromString(payload)
        if msg.WhichOneof("type") == "delta":
            d = msg.delta
            kind = d.new_element.WhichOneof("type") if d.WhichOneof("type") == "new_element" else d.WhichOneof("type")
            self.drawn.append(kind)

    def during(self, page, action) -> list[str]:
        start = len(self.drawn)
        action()
        wait_for_idle(page)
        return self.drawn[start:]


def move(page, name: str, presses: int, direction: str = "ArrowRight") -> None:
    thumb = page.locator(key(f"pp.{name}.v") + " input[type=range]").first
    thumb.focus()
    for _ in range(presses):
        thumb.press(direction)
        wait_for_idle(page, settle_ms=150)


def value(page, name: str) -> float:
    """The value the slider shows."""
    return float(page.locator(key(f"pp.{name}.v") + " input[type=range]").first.input_value())


def open_playground(page, app_url: str):
    """The Playground, once it has drawn Send and settled; returns its sidebar."""
    page.goto(app_url)
    page.wait_for_selector(key("send") + " button", timeout=SLOW)
    wait_for_idle(page)
    return page.get_by_test_id("stSidebar")


def tick(sidebar, page, name: str) -> None:
    sidebar.locator(key(f"pp.{name}.on") + " label").click()
    wait_for_idle(page)


def test_a_slider_reruns_only_itself_and_what_shows_its_value(page, app_url):
    deltas = Deltas(page)
    sidebar = open_playground(page, app_url)
    expect(sidebar.locator(key("pp.temperature.reset"))).to_have_count(0)  # nothing to reset yet
    tick(sidebar, page, "temperature")
    # ticked: the row gains its Reset, and no control is drawn twice
    expect(sidebar.locator(key("pp.temperature.reset"))).to_have_count(1)
    expect(sidebar.locator(key("pp.temperature.on"))).to_have_count(1)
    expect(sidebar.locator(key("pp.temperature.v"))).to_have_count(1)

    # the code view is closed, no message changes: the slider's own fragment is all that is redrawn
    before = value(page, "temperature")
    drawn = deltas.during(page, lambda: move(page, "temperature", 1))
    assert drawn == ["add_block", "slider"], drawn
    shown = value(page, "temperature")
    assert shown > before

    # the open code view shows the next request: a move redraws it with the new value
    page.get_by_text("</> View code").click()
    wait_for_idle(page)
    page.locator(key("w.prompt") + " textarea").fill("Name one colour.")
    page.locator(key("w.prompt") + " textarea").press("Tab")
    wait_for_idle(page)
    code = page.locator('[data-testid="stCode"]').first
    expect(code).to_contain_text(f'"temperature": {shown:g}')
    move(page, "temperature", 2)
    shown = value(page, "temperature")
    expect(code).to_contain_text(f'"temperature": {shown:g}')
    page.get_by_text("</> View code").click()  # closed again
    wait_for_idle(page)

    # a note about two parameters together appears (and goes) as the second one moves
    tick(sidebar, page, "top_p")  # starts where the server was, 0.95: both now differ from the API's defaults
    note = sidebar.get_by_text("Both temperature and top_p are changed")
    expect(note).to_have_count(1)
    move(page, "top_p", 5, "ArrowRight")  # 1, the API's default
    assert value(page, "top_p") == 1.0
    expect(note).to_have_count(0)
    move(page, "top_p", 1, "ArrowLeft")
    expect(note).to_have_count(1)

    # a refused value: its message under the field, Send blocked; fixed: both gone
    sidebar.locator(key("pp.n.on") + " label").click()
    wait_for_idle(page)
    n_box = sidebar.locator(key("pp.n.v") + " input")
    n_box.fill("500")
    n_box.press("Enter")
    wait_for_idle(page)
    n_row = sidebar.locator('[data-testid="stVerticalBlock"]', has=page.locator(key("pp.n.v"))).last  # its fragment
    expect(n_row).to_contain_text("n:")
    blocked = page.get_by_text("Send is blocked until n is fixed")
    expect(blocked).to_be_visible()
    expect(page.locator(key("send") + " button").first).to_be_disabled()
    n_box.fill("1")
    n_box.press("Enter")
    wait_for_idle(page)
    expect(blocked).to_have_count(0)
    expect(n_row.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.locator(key("send") + " button").first).to_be_enabled()

    # max_tokens changes the worst case shown next to Send
    open_section(sidebar, "Length")
    tick(sidebar, page, "max_tokens")
    mt = sidebar.locator(key("pp.max_tokens.v") + " input")
    mt.fill("8")
    mt.press("Enter")
    expect(page.get_by_text("+ 8 max tokens")).to_be_visible(timeout=SLOW)
    wait_for_idle(page)

    # Send sends what the controls show, moved without a page rerun
    move(page, "temperature", 1, "ArrowLeft")
    shown = value(page, "temperature")
    page.locator(key("send") + " button").first.click()
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2, timeout=SLOW)
    wait_for_idle(page)
    page.get_by_text("Inspector: the exact request").click()
    wait_for_idle(page)
    sent = page.locator('[data-testid="stJson"], [data-testid="stCode"]').filter(has_text='"temperature"').first
    expect(sent).to_contain_text(f'"temperature": {shown:g}')
    screenshot(page, "params-fragments-sent")


def test_a_value_control_is_drawn_once_ticked_and_keeps_its_value_when_unticked(page, app_url):
    sidebar = open_playground(page, app_url)
    control = sidebar.locator(key("pp.top_p.v"))
    expect(control).to_have_count(0)  # unticked: the caption's default applies, no control
    tick(sidebar, page, "top_p")
    expect(control).to_have_count(1)
    assert value(page, "top_p") == 0.95  # where the server was: llama.cpp reports top_p 0.95
    move(page, "top_p", 2, "ArrowLeft")
    moved = value(page, "top_p")
    assert moved < 0.95
    tick(sidebar, page, "top_p")  # unticked: not sent, its control goes
    expect(control).to_have_count(0)
    tick(sidebar, page, "top_p")  # ticked again: the value set before
    expect(control).to_have_count(1)
    assert value(page, "top_p") == moved
    sidebar.locator(key("pp.top_p.reset")).get_by_role("button", name="Reset").click()  # Reset forgets it
    wait_for_idle(page)
    expect(control).to_have_count(0)
    tick(sidebar, page, "top_p")
    assert value(page, "top_p") == 0.95


def test_the_preset_status_follows_a_slider_moved_after_loading(page, app_url):
    sidebar = open_playground(page, app_url)
    open_section(sidebar, "📚 Presets")
    combo = sidebar.locator(key("w.preset") + " input[role=combobox]")
    combo.click()
    combo.fill("Balanced")  # filters the list to this preset
    page.get_by_role("option", name="Balanced", exact=True).click()
    wait_for_idle(page)
    sidebar.locator(key("preset.load") + " button").first.click()
    wait_for_idle(page)
    expect(sidebar.get_by_text("In use: “Balanced”.")).to_be_visible()
    assert value(page, "temperature") == 0.7
    move(page, "temperature", 1)
    expect(sidebar.get_by_text("In use: “Balanced”, then changed.")).to_be_visible()
    move(page, "temperature", 1, "ArrowLeft")  # back to the preset's value
    expect(sidebar.get_by_text("In use: “Balanced”.")).to_be_visible()
    screenshot(page, "params-fragments-preset")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def lab_slider(page, name: str, presses: int, deltas: Deltas | None = None) -> list[str]:
    thumb = page.locator(key(f"lab.w.{name}") + " input[type=range]").first
    thumb.focus()
    drawn: list[str] = []
    for _ in range(presses):
        if deltas is None:
            thumb.press("ArrowRight")
            wait_for_idle(page, settle_ms=150)
        else:
            drawn += deltas.during(page, lambda: thumb.press("ArrowRight"))
    return drawn


@pytest.mark.engine
def test_a_lab_slider_redraws_the_distribution_and_steps_only_once_they_are_shown(page, app_url):
    deltas = Deltas(page)
    page.goto(app_url + "/Distribution_Lab?param=top_k")
    page.get_by_role("button", name="Get next-token distribution").wait_for(timeout=SLOW)
    wait_for_idle(page)
    # nothing reshaped on the page yet: a move redraws the slider alone
    assert lab_slider(page, "top_k", 1, deltas) == ["add_block", "slider"]
    lab_slider(page, "top_k", 1)  # top_k = 2

    page.get_by_role("button", name="Get next-token distribution").click()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for(state="visible", timeout=SLOW)
    wait_for_idle(page)
    page.get_by_role("button", name="Next token").click()
    page.get_by_text("Step 1: chose").wait_for(timeout=SLOW)
    wait_for_idle(page)
    cut = page.get_by_text("2 of 20 candidates can be sampled")
    expect(cut).to_have_count(2)  # the distribution and the step, both with top_k = 2
    lab_slider(page, "top_k", 1)
    expect(page.get_by_text("3 of 20 candidates can be sampled")).to_have_count(2)
    expect(cut).to_have_count(0)
    screenshot(page, "lab-fragments")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_compare_slider_is_one_script_run_and_the_pane_then_says_what_it_sends(page, app_url):
    deltas = Deltas(page)
    page.goto(app_url + "/Compare")
    page.wait_for_selector(key("cmp-go") + " button", timeout=SLOW)
    wait_for_idle(page)
    edit = page.locator('[class*="st-key-sec-head-cmp-"][class*="-edit"] button').first
    edit.click()
    wait_for_idle(page)
    expect(page.get_by_text("sends:")).to_have_count(1)  # the pane being edited shows its ticks instead
    expect(edit).to_have_accessible_name("🎚️ Parameters (editing)")
    page.locator('[class*="st-key-cmp-"][class*="-pp-temperature-on"] label').first.click()
    wait_for_idle(page)
    thumb = page.locator('[class*="st-key-cmp-"][class*="-pp-temperature-v"] input[type=range]').first
    thumb.focus()
    drawn = deltas.during(page, lambda: thumb.press("ArrowRight"))
    assert drawn == ["add_block", "slider"], drawn  # the slider's own fragment, in one run
    shown = float(thumb.input_value())
    edit.click()  # editing done: the line says what the pane sends, with the new value
    wait_for_idle(page)
    expect(page.get_by_text("sends:").first).to_contain_text(f"temperature={shown:g}")
    expect(page.get_by_text("sends:")).to_have_count(2)


def test_a_folded_section_keeps_what_was_typed_in_it(page, app_url):
    sidebar = open_playground(page, app_url)
    open_section(sidebar, "📚 Presets")
    open_section(sidebar, "Manage presets")
    name = sidebar.locator(key("w.preset.new") + " input")
    name.fill("my careful preset")
    name.press("Tab")
    wait_for_idle(page)
    sidebar.locator(key("sec-head-presets-manage") + " button").click()  # fold it: its body is not drawn
    wait_for_idle(page)
    expect(name).to_have_count(0)
    open_section(sidebar, "Manage presets")
    expect(sidebar.locator(key("w.preset.new") + " input")).to_have_value("my careful preset")
