"""Compare with tools, against a scripted server: both panes show the tool calls they received
and how many are valid against the tool's schema."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from paramlab.request import tools as toolslib
from support.fault_server import FaultServer
from support.scripted import tool_call_reply

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "2_Compare.py")


@pytest.fixture
def fs(monkeypatch, tmp_path):
    with FaultServer() as server:
        monkeypatch.setenv("CHAT_BASE_URL", server.base_url)
        monkeypatch.setenv("CHAT_MODEL", "fault-model")
        monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path))
        yield server


def test_panes_show_tool_calls_and_count_valid_ones(fs):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    for p in at.session_state["cmp.panes"]:
        p.params["tools"] = [toolslib.TEMPLATES["get_weather"]]
    # set behind the panes' parameter panels (drawn under AppTest): new panes start from these params
    at.session_state["cmp.panes"] = [p.clone() for p in at.session_state["cmp.panes"]]
    fs.script(tool_call_reply([("c1", "get_weather", '{"city": "Oslo", "unit": "celsius"}'),
                               ("c2", "get_weather", '{"city": "Rome"}')]),
              tool_call_reply([("c3", "get_weather", '{"city": "Oslo", "unit": "celsius"}')]))
    at.session_state["pl.stream"] = False
    at.run()
    at.button(key="cmp.go").click().run(timeout=60)
    assert not at.exception, at.exception
    assert all(r.json().get("tools") for r in fs.requests) and fs.count == 2
    captions = [str(c.value) for c in at.caption]
    counts = sorted(c for c in captions if re.fullmatch(r"\d+ tool calls?, \d+ valid", c))
    assert counts == ["1 tool call, 1 valid", "2 tool calls, 1 valid"]
    assert any(c == ":red[invalid: (root): 'unit' is a required property]" for c in captions)
    assert sum(str(m.value).startswith("🛠️ **get_weather** ") for m in at.markdown) == 3


def test_each_pane_lists_the_pages_its_reply_cites(fs):
    """Compare's panes show a search reply's sources as the Playground does (Perplexity's recording)."""
    from support.recorded import CORPUS, Encoded, load
    rec = load(CORPUS / "perplexity__nonstream-sonar-citations-cost-delta-in-message.json")
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    fs.script(Encoded.of(rec), Encoded.of(rec))
    at.session_state["pl.stream"] = False
    at.run()
    at.button(key="cmp.go").click().run(timeout=60)
    assert not at.exception, at.exception
    lines = [str(c.value) for c in at.caption if str(c.value).startswith("Sources:")]
    assert len(lines) == 2 and all("(<https://www.youtube.com/watch?v=wLND9kOzQy8>)" in x for x in lines)
