"""Today's parameters in Debian's Chromium. Against a scripted server: define a tool in the
panel, receive two parallel tool calls, answer them (typed and mock) and get the final reply;
a structured reply shown as valid. On the embedded engine: an uploaded image refused by a model
without vision, with the server's own message. Screenshots of each step go to screenshots/."""
from __future__ import annotations

import base64
import io
import json

import pytest
from playwright.sync_api import expect
from PIL import Image

from support.app import SCREENSHOTS, open_section, running_app, screenshot, type_and_send, wait_for_idle
from support.fault_server import FaultServer, Reply, completion
from support.scripted import text_stream, tool_call_stream

pytestmark = pytest.mark.browser
CALLS = [("call_paris", "get_weather", '{"city": "Paris", "unit": "celsius"}'),
         ("call_tokyo", "get_weather", '{"city": "Tokyo"}')]


@pytest.fixture(scope="module")
def scripted_app(tmp_path_factory):
    with FaultServer() as fs, running_app(tmp_path_factory.mktemp("tools-app"),
                                          {"CHAT_BASE_URL": fs.base_url, "CHAT_MODEL": "fault-model"}) as url:
        yield fs, url


def shot(name: str):
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS / name


def open_group(page, name: str) -> None:
    open_section(page.get_by_test_id("stSidebar"), name)


def tick(page, name: str) -> None:
    page.locator(f".st-key-pp-{name} [data-testid='stCheckbox'] label").first.click()
    wait_for_idle(page)


def add_weather_tool(page, url: str) -> None:
    """Open the Playground, tick tools, add the weather template and open its block."""
    page.goto(url)
    wait_for_idle(page)
    open_group(page, "Tools")
    tick(page, "tools")
    page.get_by_role("button", name="Add tool").click()
    wait_for_idle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary').filter(
        has_text="1. get_weather").click()
    wait_for_idle(page)


def send(page, text: str) -> None:
    type_and_send(page, text, settle=True)
    wait_for_idle(page)


def test_tool_conversation_to_its_end(scripted_app, page):
    fs, url = scripted_app
    fs.reset()
    add_weather_tool(page, url)
    page.locator(".st-key-pp-tools").screenshot(path=str(shot("tools_editor.png")))

    fs.script(tool_call_stream(CALLS), text_stream("Paris is 14 °C and Tokyo 18.5 °C, light rain."))
    send(page, "Weather in Paris and Tokyo?")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("The model asked to call 2 tools").wait_for(timeout=30_000)
    body = main.inner_text()
    assert body.count("get_weather") >= 2
    assert "✓ arguments parse and match the tool's schema" in body
    assert "'unit' is a required property" in body
    page.locator(".st-key-run-tc0-card-1").screenshot(
        path=str(shot("tool_call_card.png")))

    page.get_by_label("Result of get_weather (call_paris)").fill('{"temperature": 14}')
    page.get_by_label("Result of get_weather (call_paris)").press("Tab")
    wait_for_idle(page)
    page.get_by_role("button", name="Fill with a mock result").nth(1).click()
    wait_for_idle(page)
    typed = page.get_by_label("Result of get_weather (call_tokyo)").input_value()
    assert json.loads(typed)["temperature"] == 18.5
    # the results typed and filled outlive a visit to another page (Streamlit drops a widget's value)
    nav = page.locator('nav[aria-label="Pages"]')
    nav.get_by_role("link", name="Usage").click()
    page.get_by_role("heading", name="Usage").wait_for(timeout=30_000)
    wait_for_idle(page)
    nav.get_by_role("link", name="Playground", exact=True).click()
    main.get_by_text("The model asked to call 2 tools").wait_for(timeout=30_000)
    wait_for_idle(page)
    expect(page.get_by_label("Result of get_weather (call_paris)")).to_have_value('{"temperature": 14}')
    expect(page.get_by_label("Result of get_weather (call_tokyo)")).to_have_value(typed)
    page.get_by_role("button", name="Answer all 2 calls and continue").click()
    page.get_by_test_id("stChatMessage").filter(has_text="Paris is 14 °C and Tokyo 18.5 °C, light rain.").wait_for(
        timeout=30_000)
    wait_for_idle(page)
    screenshot(page, "tool_conversation_done")

    assert fs.count == 2
    sent = fs.requests[1].json()["messages"]
    assert [m["role"] for m in sent[-3:]] == ["assistant", "tool", "tool"]
    assert [tc["id"] for tc in sent[-3]["tool_calls"]] == ["call_paris", "call_tokyo"]
    assert sent[-2] == {"role": "tool", "tool_call_id": "call_paris", "content": '{"temperature": 14}'}
    assert json.loads(sent[-1]["content"]) == {"temperature": 18.5, "conditions": "light rain"}
    # the conversation shows the tool turns
    chat = page.get_by_test_id("stChatMessage")
    assert chat.filter(has_text="Result of tool call call_tokyo").count() == 1


def test_structured_reply_validated_and_new_parameters_in_the_panel(scripted_app, page):
    fs, url = scripted_app
    fs.reset()
    page.goto(url)
    wait_for_idle(page)
    open_section(page.get_by_test_id("stSidebar"), "⚙️ Request")
    page.locator('[data-testid="stSidebar"]').get_by_text("Stream", exact=True).click()  # one JSON body this time
    wait_for_idle(page)
    open_group(page, "Other")
    tick(page, "response_format")
    # one click, right after the tick, as a user would (a drop-down here used to close itself:
    # see params_panel's response_format control)
    choice = page.locator(".st-key-pp-response_format [data-testid='stRadio']").get_by_text("json_schema", exact=True)
    choice.click()
    wait_for_idle(page)
    assert page.locator(".st-key-pp-response_format [data-testid='stRadio'] input[type=radio]").nth(2).is_checked()
    page.locator(".st-key-pp-response_format").get_by_label("Schema name").wait_for()  # the schema editor opened
    fs.script(Reply(200, completion('{"name": "Ada Lovelace", "age": 36}')))
    send(page, "A famous person as JSON")
    page.get_by_text("Structured output: valid against the JSON schema.").wait_for(timeout=30_000)
    assert fs.requests[0].json()["response_format"]["json_schema"]["name"] == "person"
    screenshot(page, "structured_output_reply")
    for group in ("Reasoning", "Output"):
        open_group(page, group)
    tick(page, "reasoning_effort")
    tick(page, "modalities")
    page.locator('[data-testid="stSidebar"]').screenshot(
        path=str(shot("panel_new_parameters.png")))
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    for name in ("reasoning_effort", "verbosity", "modalities", "audio", "prediction", "web_search_options",
                 "service_tier", "metadata", "safety_identifier", "prompt_cache_key"):
        assert name in sidebar, name
    assert 'audio: modalities includes audio: choose a voice and a format' not in sidebar  # text only so far


def test_an_image_the_model_cannot_see_gives_the_servers_error(app_url, page, tmp_path):
    """The embedded SmolLM2 has no vision: llama.cpp's own refusal is shown, and what to do."""
    img = tmp_path / "blue.png"
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 0, 255)).save(buf, format="PNG")
    img.write_bytes(buf.getvalue())
    page.goto(app_url)
    wait_for_idle(page)
    open_section(page, "Attach images")
    page.locator(".st-key-attach-box [data-testid='stFileUploaderDropzoneInput']").set_input_files(str(img))
    wait_for_idle(page)
    page.get_by_text("Attach images (1)").wait_for()
    send(page, "What colour is this?")
    page.get_by_text("image input is not supported").first.wait_for(timeout=60_000)
    page.get_by_text("this model has no vision").wait_for()
    screenshot(page, "image_refused_by_text_model")


def test_a_turn_gains_and_loses_images_in_the_conversation_editor(scripted_app, page, tmp_path):
    """Edit a user turn: upload a picture and a text file named like one (refused by name), send
    (the request carries the picture as a data URL), then remove the picture again."""
    fs, url = scripted_app
    fs.reset()
    blue, notes = tmp_path / "blue.png", tmp_path / "notes.png"
    buf = io.BytesIO()
    Image.new("RGB", (24, 24), (0, 0, 255)).save(buf, format="PNG")
    blue.write_bytes(buf.getvalue())
    notes.write_text("shopping: milk, eggs")
    page.goto(url)
    wait_for_idle(page)
    main = page.locator('[data-testid="stMain"]')
    open_section(main, "Add a turn by hand")
    page.get_by_label("Text of the turn").fill("What colour is this?")
    page.get_by_label("Text of the turn").press("Tab")
    wait_for_idle(page)
    page.get_by_role("button", name="Insert turn").click()
    wait_for_idle(page)
    page.get_by_role("button", name="Edit", exact=True).click()
    wait_for_idle(page)
    page.locator(".st-key-w-edit-img-0-files-0 [data-testid='stFileUploaderDropzoneInput']").set_input_files(
        [str(blue), str(notes)])
    wait_for_idle(page)
    page.get_by_text("turn 1, image 'notes.png': is not a PNG, JPEG, GIF or WebP image").wait_for()
    page.get_by_test_id("stChatMessage").get_by_text("Images (1)").wait_for()
    assert main.locator('[data-testid="stImage"] img').count() == 1  # the picture's preview
    screenshot(page, "turn_images_edit")
    page.get_by_role("button", name="Save", exact=True).click()
    wait_for_idle(page)

    fs.script(text_stream("It is blue."))
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_test_id("stChatMessage").filter(has_text="It is blue.").wait_for(timeout=30_000)
    sent = fs.requests[-1].json()["messages"][-1]["content"]
    assert sent[0] == {"type": "text", "text": "What colour is this?"}
    assert sent[1]["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(blue.read_bytes()).decode()
    assert len(sent) == 2  # the text file was never sent

    user_turn = page.get_by_test_id("stChatMessage").first
    assert user_turn.locator('[data-testid="stImage"] img').count() == 1
    user_turn.get_by_role("button", name="Edit", exact=True).click()
    wait_for_idle(page)
    user_turn.get_by_role("button", name="Remove").click()
    wait_for_idle(page)
    user_turn.get_by_text("Images (0)").wait_for()
    page.get_by_role("button", name="Save", exact=True).click()
    wait_for_idle(page)
    user_turn = page.get_by_test_id("stChatMessage").first
    assert "What colour is this?" in user_turn.inner_text()
    assert user_turn.locator('[data-testid="stImage"] img').count() == 0
    screenshot(page, "turn_images_removed")


def test_a_spoken_reply_plays_in_the_conversation(scripted_app, page):
    """modalities text+audio and audio (alloy, wav) ticked in the panel; the audio-only JSON reply
    joins the conversation as its transcript, with a player the browser loads to the full second."""
    import wave
    from support.scripted import audio_reply, pcm16
    fs, url = scripted_app
    fs.reset()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(24_000)
        w.writeframes(pcm16(24_000))
    page.goto(url)
    wait_for_idle(page)
    open_section(page.get_by_test_id("stSidebar"), "⚙️ Request")
    page.locator('[data-testid="stSidebar"]').get_by_text("Stream", exact=True).click()  # one JSON body
    wait_for_idle(page)
    open_group(page, "Output")
    tick(page, "modalities")
    page.locator(".st-key-pp-modalities [data-testid='stRadio']").get_by_text("text+audio", exact=True).click()
    wait_for_idle(page)
    tick(page, "audio")
    fs.script(audio_reply(buf.getvalue(), "Bonjour! The weather is mild today."))
    send(page, "Say something in French")
    turn = page.get_by_test_id("stChatMessage").filter(has_text="Bonjour! The weather is mild today.")
    turn.wait_for(timeout=30_000)
    audio = turn.locator("audio")
    audio.wait_for()
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 0.9", arg=audio.element_handle(), timeout=15_000)
    assert round(audio.evaluate("a => a.duration"), 1) == 1.0  # 24,000 samples at 24 kHz
    body = fs.requests[-1].json()
    assert body["modalities"] == ["text", "audio"] and body["audio"] == {"voice": "alloy", "format": "wav"}
    screenshot(page, "spoken_reply")


def test_a_tool_edit_updates_the_send_row_at_once(scripted_app, page):
    """The tool editor sits in the parameter panel's fragment: a name the API refuses blocks Send
    at once, and fixing it unblocks Send at once (the Send row used to keep the old verdict until
    some other change redrew the page, so a fixed tool still could not be sent)."""
    fs, url = scripted_app
    add_weather_tool(page, url)
    sidebar = page.get_by_test_id("stSidebar")
    send_button = page.locator(".st-key-send button").first
    assert send_button.is_enabled()
    name = sidebar.get_by_label("Name", exact=True)
    name.fill("get weather")  # a space: not a valid function name
    name.press("Enter")
    page.get_by_text("Send is blocked until tools is fixed").wait_for(timeout=30_000)
    assert send_button.is_disabled()
    name.fill("get_forecast")
    name.press("Enter")
    page.get_by_text("Send is blocked until tools is fixed").wait_for(state="detached", timeout=30_000)
    assert send_button.is_enabled()
    page.get_by_text("View code").click()
    wait_for_idle(page)
    assert "get_forecast" in page.locator('[data-testid="stMain"]').inner_text()
