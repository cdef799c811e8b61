"""AppTest of the Playground page on the embedded model."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support.apptest import settle

PAGE = str(Path(__file__).resolve().parents[2] / "playground.py")
TIMEOUT = 180


@pytest.fixture
def app(engine_endpoint):  # the engine is started once for the session, outside the page's timeout
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def all_text(at: AppTest) -> str:
    """Every piece of visible text the page produced (markdown, captions, alerts, metrics...)."""
    parts = []
    for kind in ("markdown", "caption", "text", "error", "warning", "info", "success", "code", "title",
                 "subheader"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [str(t.value) for t in at.text_area]
    return "\n".join(parts)


def send(at: AppTest, text: str) -> AppTest:
    at.text_area(key="w.prompt").input(text)
    at.button(key="send").click()
    return settle(at, TIMEOUT)  # the run streams in worker threads: rerun until it has ended


def test_renders_without_exception(app):
    assert not app.exception
    assert any("Playground" in t.value for t in app.title)
    assert app.button(key="send")
    assert app.text_area(key="w.prompt").value in ("", None)
    # the embedded model is the default endpoint, shown by its friendly name
    assert "Embedded" in app.sidebar.selectbox[0].value


def test_sending_shows_the_streamed_reply_and_metrics(app):
    app.session_state["pl.params"]["temperature"] = 0
    app.session_state["pl.params"]["max_tokens"] = 12
    send(app, "Say hello.")
    assert not app.exception, app.exception
    msgs = app.session_state["pl.messages"]
    assert msgs[-2] == {"role": "user", "content": "Say hello."}
    reply = msgs[-1]
    assert reply["role"] == "assistant" and reply["content"].strip()
    text = all_text(app)
    assert reply["content"].strip()[:20] in text, "the reply is shown on the page"
    result = reply.get("result")
    assert result is not None and result.stream and result.metrics.ttft_s is not None
    # the metrics row (st.metric or a caption, depending on the layout) with measured values
    assert "TTFT" in text and "Tokens/s" in text and "Latency" in text
    assert "TTFT **—**" not in text, "TTFT was measured for a streamed reply"


def test_validation_error_names_the_field_and_keeps_the_text(app):
    app.session_state["pl.params"]["stop"] = ["a", "b", "c", "d", "e"]
    app.text_area(key="w.prompt").input("My carefully typed question")
    app.button(key="send").click()
    app.run()
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "stop" in errors and "at most 4" in errors
    assert app.text_area(key="w.prompt").value == "My carefully typed question"
    assert app.session_state["pl.messages"] == []  # nothing was sent or recorded
