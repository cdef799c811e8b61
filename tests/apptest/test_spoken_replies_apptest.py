"""An audio-only reply (content null, audio with its transcript) plays where replies show: the
Playground (streamed: it joins the conversation with its transcript as the turn's text, plays
there, and the next request carries that text), Compare's panes and Sweep's outputs of a cell.
Against a scripted server speaking OpenAI's documented shapes."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support.apptest import settle
from support.scripted import audio_reply, audio_stream, pcm16, text_stream

ROOT = Path(__file__).resolve().parents[2]
SPOKEN = "Bonjour, here is your answer."


@pytest.fixture
def env(fs, monkeypatch, tmp_path):
    monkeypatch.setenv("CHAT_BASE_URL", fs.base_url)
    monkeypatch.setenv("CHAT_MODEL", "gpt-4o-audio-preview")
    monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path))
    return fs


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / name), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def ask_for_audio(at: AppTest, key: str = "pp") -> None:
    at.checkbox(key=f"{key}.modalities.on").check().run()
    at.radio(key=f"{key}.modalities.v").set_value("text+audio").run()
    at.checkbox(key=f"{key}.audio.on").check().run()
    at.radio(key=f"{key}.audio.v.format").set_value("pcm16").run()


def markdown(at: AppTest) -> list[str]:
    return [str(m.value) for m in at.markdown]


def test_playground_streamed_spoken_reply_joins_the_conversation_and_plays(env):
    at = page("playground.py")
    ask_for_audio(at)
    env.script(audio_stream(pcm16(), SPOKEN, pieces=3), text_stream("Of course."))
    at.text_area(key="w.prompt").set_value("Say hello in French")
    at.button(key="send").click().run()
    settle(at)
    assert not at.exception, at.exception
    assert env.requests[0].json()["stream"] is True
    turn = at.session_state["pl.messages"][-1]
    assert turn["role"] == "assistant" and turn["content"] == SPOKEN  # the transcript, not an empty turn
    assert len(at.get("audio")) == 1  # played in the turn
    assert SPOKEN in markdown(at)
    assert "_(empty reply)_" not in markdown(at)

    at.text_area(key="w.prompt").set_value("Thanks")
    at.button(key="send").click().run()
    settle(at)
    sent = env.requests[1].json()["messages"]
    assert sent[-2] == {"role": "assistant", "content": SPOKEN}
    assert at.session_state["pl.messages"][-1]["content"] == "Of course."


def test_compare_panes_play_spoken_replies(env):
    at = page("pages/2_Compare.py")
    for p in at.session_state["cmp.panes"]:
        p.params["modalities"], p.params["audio"] = ["text", "audio"], {"voice": "alloy", "format": "pcm16"}
    # set behind the panes' parameter panels (drawn under AppTest): new panes start from these params
    at.session_state["cmp.panes"] = [p.clone() for p in at.session_state["cmp.panes"]]
    at.session_state["pl.stream"] = False
    env.script(audio_reply(pcm16(), SPOKEN), audio_reply(pcm16(1200), "Hello."))
    at.run()
    at.button(key="cmp.go").click().run(timeout=60)
    settle(at)
    assert not at.exception, at.exception
    assert env.count == 2 and all(r.json()["modalities"] == ["text", "audio"] for r in env.requests)
    assert len(at.get("audio")) == 2
    assert SPOKEN in markdown(at) and "Hello." in markdown(at)
    assert not any("empty reply" in str(c.value) for c in at.caption)


def test_sweep_outputs_play_spoken_replies(env):
    at = page("pages/3_Sweep.py")
    ask_for_audio(at, "sw.pp")
    at.selectbox(key="w.sw.p1").set_value("temperature").run()
    at.text_input(key="w.sw.v1").set_value("0.5").run()
    at.number_input(key="w.sw.repeats").set_value(1).run()
    env.script(audio_reply(pcm16(), SPOKEN))
    at.button(key="sw.go").click().run(timeout=60)
    settle(at)
    assert not at.exception, at.exception
    assert env.requests[-1].json()["audio"] == {"voice": "alloy", "format": "pcm16"}
    assert len(at.get("audio")) == 1
    assert SPOKEN in markdown(at)
    assert "_(empty reply)_" not in markdown(at)
