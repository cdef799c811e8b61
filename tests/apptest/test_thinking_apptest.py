"""Reasoning models in the reply panes, under AppTest: recorded replies of DeepSeek (reasoning
in `reasoning_content`), Mistral (thinking content parts) and OpenAI's refusal, replayed by the
fault server. The thinking shows in a collapsed "Thinking" block above the reply, the reply
holds only the answer, a refusal is shown as a refusal, and the pages a search reply cites
(Perplexity) are listed under it."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from support import apptest
from support.fault_server import FaultServer
from support.recorded import CORPUS, Encoded, load


@pytest.fixture
def fs():
    with FaultServer() as server:
        yield server


@pytest.fixture
def app(fs, monkeypatch, tmp_path):
    return apptest.playground(monkeypatch, fs.base_url, tmp_path, model="recorded-model")


def send(at: AppTest, text: str) -> None:
    at.text_area(key="w.prompt").set_value(text)
    at.button(key="send").click().run()
    for _ in range(5):
        if at.session_state["pl.live"] is None if "pl.live" in at.session_state else True:
            break
        at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("name", ["deepseek__stream-reasoner-reasoning-content",
                                  "mistral__stream-magistral-thinking-content-parts"])
def test_thinking_block_above_the_reply(app, fs, name):
    rec = load(CORPUS / f"{name}.json")
    (choice,) = rec["expect"]["choices"]
    fs.script(Encoded.of(rec, seed=3))
    send(app, "Hello")
    blocks = [e for e in app.expander if e.label.startswith("Thinking")]
    assert len(blocks) == 1
    inside = "\n".join(str(m.value) for m in blocks[0].markdown)
    assert choice["reasoning"][:60].replace("\n", " ").split()[0] in inside
    assert "Hmm, the user" in inside or "Okay, the user" in inside
    # the reply pane's text is the answer alone
    replies = [str(m.value) for m in app.markdown if choice["text"][:20] in str(m.value)]
    assert replies and all(choice["reasoning"][:40] not in r for r in replies)


def test_refusal_is_shown_as_a_refusal(app, fs):
    rec = load(CORPUS / "openai__nonstream-refusal-gzip.json")
    fs.script(Encoded.of(rec))
    app.toggle(key="w.stream").set_value(False).run()  # the recording is a whole JSON reply
    send(app, "Do something bad")
    warnings = [str(w.value) for w in app.warning]
    assert any("The model refused" in w and "can't assist with that request" in w for w in warnings)
    assert not any("_(empty reply)_" in str(m.value) for m in app.markdown)


def test_unknown_content_parts_are_named_in_the_inspector(app, fs):
    from support.fault_server import Reply
    fs.script(Reply(200, {"id": "x", "object": "chat.completion", "model": "m", "choices": [{
        "index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": [
            {"type": "text", "text": "Here you go."},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}))
    send(app, "Draw a cat")
    assert any("Here you go." in str(m.value) for m in app.markdown)
    captions = [str(c.value) for c in app.caption]
    assert any("1 content part(s) of type image_url" in c for c in captions)
    assert any("https://example.com/cat.png" in str(c.value) for c in app.code)


def test_the_pages_a_search_reply_cites_are_listed_under_it(app, fs):
    rec = load(CORPUS / "perplexity__nonstream-sonar-citations-cost-delta-in-message.json")
    fs.script(Encoded.of(rec))
    app.toggle(key="w.stream").set_value(False).run()
    send(app, "What's 2 + 2?")
    assert "stream" not in app.session_state["pl.run"].bodies[0]  # a whole reply was asked for
    (line,) = [str(c.value) for c in app.caption if str(c.value).startswith("Sources:")]
    assert line == ("Sources: \\[1\\] [What's Half of 2 \\+ 2? Most People Get It Wrong\\! \\- YouTube]"
                    "(<https://www.youtube.com/watch?v=wLND9kOzQy8>) \\(2025\\-06\\-30\\) · \\[2\\] "
                    "[what's 2 \\+ 2 \\- YouTube](<https://www.youtube.com/watch?v=u8RANXbnxPk>) \\(2015\\-09\\-08\\)")
