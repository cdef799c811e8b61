"""Sweep defects of issue 10: the Playground's conversation is sent only when chosen, visibly;
the charts have no empty or flat-zero panels."""
import json

import pyarrow as pa

import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.engine
PAGE = "../../pages/3_Sweep.py"
TURNS = [{"role": "user", "content": "Tell me about France."}, {"role": "assistant", "content": "Paris is..."}]


def _app():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    at.session_state["pl.messages"] = list(TURNS)
    at.session_state["sw.base"]["max_tokens"] = 4
    at.text_input(key="w.sw.v1").set_value("0, 1")
    at.number_input(key="w.sw.repeats").set_value(1)
    at.run()
    assert not at.exception
    return at


def _sent(at) -> list[dict]:
    at.button(key="sw.go").click().run(timeout=120)
    return at.session_state["sw.run"].results[0].request["messages"]


def test_the_playground_conversation_is_not_sent_unless_chosen():
    at = _app()
    radio = at.radio(key="w.sw.context")
    assert radio.value == "message"
    assert "The Playground's system prompt and its 2 turns, then this message" in radio.options
    assert any("each sends 1 message ·" in i.value for i in at.info)
    assert _sent(at) == [{"role": "user", "content": "Write one sentence about the sea."}]


def test_choosing_the_conversation_sends_it_and_says_so():
    at = _app()
    at.radio(key="w.sw.context").set_value("conversation").run()
    assert any("each sends 4 messages" in i.value for i in at.info)  # system + 2 turns + message
    sent = _sent(at)
    assert [m["content"] for m in sent[1:3]] == [t["content"] for t in TURNS] and sent[0]["role"] == "system"


def test_charts_leave_out_flat_zero_metrics_and_say_so():
    at = _app()
    _sent(at)
    chart = at.get("vega_lite_chart")[0].proto
    spec = json.loads(chart.spec)
    data = pa.ipc.open_stream(chart.datasets[0].data.data).read_pandas()
    # one repeat per cell: no distinct-n across repeats' pairs, so no similarity panel at all; the
    # embedded model is free, so no flat $0 panel either; every panel has a point per cell
    assert sorted(data.groupby("title")["value"].count().items()) == [
        ("Latency (s, mean)", 2), ("Output length (completion tokens, mean)", 2),
        ("Time to first token (s, mean)", 2), ("distinct-1 among repeats", 2), ("distinct-2 among repeats", 2)]
    assert spec["columns"] == 3
    assert any(c.value == "Not charted, 0 in every cell: Cost ($, all repeats)." for c in at.caption)


def test_a_repeat_count_out_of_range_is_shown_and_blocks_the_run():
    at = _app()
    at.number_input(key="w.sw.repeats").set_value(50).run()
    assert at.number_input(key="w.sw.repeats").value == 50  # what the box shows is what is checked
    assert any(e.value == "repeats: must be 1 to 20, got 50" for e in at.error)
    assert at.button(key="sw.go").disabled


def test_the_system_prompt_can_be_swept_one_per_line():
    at = _app()
    at.selectbox(key="w.sw.p1").set_value("system prompt").run()
    box = at.text_area(key="w.sw.s1")
    assert box.value == "Answer in one short sentence.\nAnswer like a pirate."  # what is sent is shown
    box.set_value("Answer in French.\n\n(none)\nAnswer in French.").run()
    assert any("2 requests** (2 cells × 1 repeats)" in i.value and "each sends 1–2 messages" in i.value
               for i in at.info)
    assert any("takes the place of the Playground's" in c.value for c in at.caption)
    at.button(key="sw.go").click().run(timeout=120)
    run = at.session_state["sw.run"]
    sent = [r.request["messages"] for r in run.results]
    prompt = {"role": "user", "content": "Write one sentence about the sea."}
    assert sent == [[{"role": "system", "content": "Answer in French."}, prompt], [prompt]]
    assert all("system prompt" not in r.request for r in run.results)  # never sent as a parameter
    table = at.session_state["sw.table"]
    assert list(table["system prompt"]) == ["#1 “Answer in French.”", "#2 none"]
    assert not at.exception


def test_an_empty_list_of_system_prompts_is_named_and_blocks_the_run():
    at = _app()
    at.selectbox(key="w.sw.p1").set_value("system prompt").run()
    at.text_area(key="w.sw.s1").set_value("\n  \n").run()
    assert [e.value for e in at.error] == [
        "system prompt values: type at least one prompt, one per line ((none) for none)"]
    assert at.button(key="sw.go").disabled
