"""Images on a turn of the conversation editor, under AppTest against a scripted server: a user
turn gains an image while it is edited (a link, and a data URL that is a real PNG), loses one,
keeps its text; what is not an image is refused with its name and never sent; Cancel drops what
the edit added; a turn carrying images cannot silently become another role; the insert form adds
a user turn with an image. Uploading a file is covered in the browser (AppTest has no uploader)."""
from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from support import apptest
from support.scripted import text_stream

LINK = "https://example.com/cat.png"


def png_data_url() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


@pytest.fixture
def app(fs, monkeypatch, tmp_path):
    at = apptest.playground(monkeypatch, fs.base_url, tmp_path)
    at.session_state["pl.stream"] = False
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def insert_user_turn(at: AppTest, text: str) -> None:
    at.radio(key="w.insert.role").set_value("user").run()
    at.text_area(key="w.insert.text").set_value(text)
    ok(at.button(key="insert").click().run())


def add_link(at: AppTest, ns: str, url: str) -> None:
    at.text_input(key=f"{ns}.link").set_value(url)
    ok(at.button(key=f"{ns}.add_link").click().run())


def errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def test_edit_adds_and_removes_images_and_send_carries_them(app, fs):
    insert_user_turn(app, "What is in these pictures?")
    assert app.session_state["pl.messages"][0]["content"] == "What is in these pictures?"
    ok(app.button(key="edit.0").click().run())
    ns = "w.edit.img.0"
    app.radio(key=f"{ns}.detail").set_value("low").run()
    shown = len(app.get("image"))
    add_link(app, ns, LINK)
    add_link(app, ns, png_data_url())
    assert len(app.get("image")) == shown + 1  # the data URL is previewed from its bytes; the link is not fetched
    assert any(LINK in str(c.value) for c in app.caption)
    ok(app.button(key="edit.save.0").click().run())
    turn = app.session_state["pl.messages"][0]
    assert turn["content"] == [
        {"type": "text", "text": "What is in these pictures?"},
        {"type": "image_url", "image_url": {"url": LINK, "detail": "low"}},
        {"type": "image_url", "image_url": {"url": png_data_url(), "detail": "low"}}]

    fs.script(text_stream("A cat and a red square."))
    ok(app.button(key="send").click().run())
    assert fs.requests[-1].json()["messages"][1]["content"] == turn["content"]

    # remove the link again: the text and the other image stay
    ok(app.button(key="edit.0").click().run())
    ok(app.button(key=f"{ns}.rm.0").click().run())
    ok(app.button(key="edit.save.0").click().run())
    assert app.session_state["pl.messages"][0]["content"] == [
        {"type": "text", "text": "What is in these pictures?"},
        {"type": "image_url", "image_url": {"url": png_data_url(), "detail": "low"}}]
    # and the last one: back to plain text, which every backend accepts
    ok(app.button(key="edit.0").click().run())
    ok(app.button(key=f"{ns}.rm.0").click().run())
    ok(app.button(key="edit.save.0").click().run())
    assert app.session_state["pl.messages"][0]["content"] == "What is in these pictures?"


def test_what_is_not_an_image_is_named_and_never_sent(app, fs):
    insert_user_turn(app, "Look")
    ok(app.button(key="edit.0").click().run())
    ns = "w.edit.img.0"
    add_link(app, ns, "data:image/png;base64," + base64.b64encode(b"just some notes, not a picture").decode())
    assert "turn 1, image link: the data is not a PNG, JPEG, GIF or WebP image" in errors(app)
    add_link(app, ns, "ftp://example.com/cat.png")
    assert "turn 1, image link: must be an http(s) link or a data URL" in errors(app)
    ok(app.button(key="edit.save.0").click().run())
    assert app.session_state["pl.messages"][0]["content"] == "Look"
    fs.script(text_stream("Fine."))
    ok(app.button(key="send").click().run())
    assert fs.requests[-1].json()["messages"][1] == {"role": "user", "content": "Look"}


def test_cancel_drops_the_added_image_and_a_role_change_keeps_them(app, fs):
    insert_user_turn(app, "Hello")
    ok(app.button(key="edit.0").click().run())
    add_link(app, "w.edit.img.0", LINK)
    ok(app.button(key="edit.cancel.0").click().run())
    assert app.session_state["pl.messages"][0]["content"] == "Hello"

    ok(app.button(key="edit.0").click().run())
    add_link(app, "w.edit.img.0", LINK)
    app.selectbox(key="w.edit.role.0").set_value("assistant").run()
    ok(app.button(key="edit.save.0").click().run())
    assert ("messages[0].content: only a user turn carries images — remove the 1 image, or keep the role user"
            in errors(app))
    assert app.session_state["pl.messages"][0] == {"role": "user", "content": "Hello"}  # unchanged
    assert fs.count == 0


def test_insert_a_user_turn_with_an_image_only(app, fs):
    app.radio(key="w.insert.role").set_value("user").run()
    add_link(app, "w.insert.img", LINK)
    ok(app.button(key="insert").click().run())
    assert app.session_state["pl.messages"] == [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": LINK, "detail": "auto"}}]}]
    assert len(app.session_state["pl.insert_images"]) == 0  # the box is empty for the next turn
    # an image on a turn of another role is refused, naming the field
    app.radio(key="w.insert.role").set_value("user").run()
    add_link(app, "w.insert.img", LINK)
    app.radio(key="w.insert.role").set_value("assistant").run()
    app.text_area(key="w.insert.text").set_value("Sure.")
    ok(app.button(key="insert").click().run())
    assert any(e.startswith("content: only a user turn carries images") for e in errors(app))
    assert len(app.session_state["pl.messages"]) == 1


def test_editing_the_text_keeps_audio_and_file_parts(app, fs):
    """A turn that came in with parts the editor does not edit (opened from a relay recording or a
    saved session): its text is edited, its audio clip and file go out unchanged, and both are named."""
    audio = {"type": "input_audio", "input_audio": {"data": base64.b64encode(b"RIFF0000WAVE").decode(),
                                                    "format": "wav"}}
    pdf = {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0xLjc=", "filename": "notes.pdf"}}
    app.session_state["pl.messages"] = [{"role": "user", "content": [{"type": "text", "text": "Summarise"}, audio, pdf]}]
    ok(app.run())
    captions = [str(c.value) for c in app.caption]
    assert "🔊 audio (wav, 12 bytes)" in captions and "📄 file notes.pdf" in captions
    ok(app.button(key="edit.0").click().run())
    app.text_area(key="w.edit.0").set_value("Summarise both, briefly")
    ok(app.button(key="edit.save.0").click().run())
    fs.script(text_stream("Done."))
    ok(app.button(key="send").click().run())
    assert fs.requests[-1].json()["messages"][1]["content"] == [
        {"type": "text", "text": "Summarise both, briefly"}, audio, pdf]
