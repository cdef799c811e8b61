"""Compare: the pane model, exports (never the key) and the word-level diff. Pure Python."""
import csv
import io
import json
import re

import pytest

from paramlab.experiments import compare
from paramlab.request import schema
from paramlab.experiments import worddiff
from paramlab.safety.redaction import register
from paramlab.client.result import ChatResult, Choice, Metrics, Usage

KEY = "sk-compare-secret-0123456789"


def _pane(**params):
    return compare.Pane("Embedded SmolLM2 (demo)", "smollm2-135m-instruct", {**schema.defaults(), **params})


def test_clone_is_independent_and_gets_a_new_id():
    a = _pane(temperature=0.3, stop=["x"])
    b = a.clone()
    b.params["temperature"] = 1.2
    b.params["stop"].append("y")
    assert a.params["temperature"] == 0.3 and a.params["stop"] == ["x"]
    assert a.id != b.id and (b.endpoint, b.model) == (a.endpoint, a.model)


def test_from_settings_seeds_every_pane_from_the_playground():
    panes = compare.from_settings("ep", "m", {"temperature": 0.2}, count=3)
    assert len(panes) == 3 and all(p.params == {"temperature": 0.2} and p.model == "m" for p in panes)
    assert len({p.id for p in panes}) == 3


def test_vary_one_parameter_makes_panes_differing_only_there():
    base = _pane(temperature=0.5, top_p=0.9, max_tokens=50)
    panes = compare.vary_one(base, "temperature", [0.0, 0.7, 1.4])
    assert [p.params["temperature"] for p in panes] == [0.0, 0.7, 1.4]
    assert compare.differences(panes) == ["temperature"]
    assert compare.pane_title(panes, 1) == "Pane 2 · temperature=0.7"
    assert base.params["temperature"] == 0.5


@pytest.mark.parametrize("values", [[1.0], [0.1 * i for i in range(7)]])
def test_vary_one_needs_two_to_six_values(values):
    with pytest.raises(schema.ValidationError) as e:
        compare.vary_one(_pane(), "temperature", values)
    assert e.value.errors[0].field == "temperature values"


def test_differences_include_endpoint_and_model():
    a, b = _pane(), _pane()
    b.endpoint, b.model = "Other", "gpt-4o-mini"
    assert compare.differences([a, b]) == ["endpoint", "model"]
    assert compare.pane_title([a, b], 0) == "Pane 1 · endpoint=Embedded SmolLM2 (demo), model=smollm2-135m-instruct"


def test_body_for_names_the_bad_field_and_sends_stream_options():
    body = compare.body_for(_pane(temperature=0.4), [{"role": "user", "content": "hi"}])
    assert body["temperature"] == 0.4 and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True} and "top_p" not in body
    with pytest.raises(schema.ValidationError) as e:
        compare.body_for(_pane(temperature=3.0), [{"role": "user", "content": "hi"}])
    assert [x.field for x in e.value.errors] == ["temperature"]
    p = _pane()
    p.model = None
    with pytest.raises(schema.ValidationError) as e:
        compare.body_for(p, [{"role": "user", "content": "hi"}])
    assert e.value.errors[0].field == "model"


def _result(text, status="ok", error=None):
    return ChatResult(status=status, choices=[Choice(0, text, finish_reason="stop" if status == "ok" else None)],
                      usage=Usage(10, 5, 15), metrics=Metrics(ttft_s=0.1, latency_s=0.5, tokens_per_s=12.0, cost=0.0),
                      error=error, request_headers={"Authorization": f"Bearer {KEY}"}, system_fingerprint="fp1")


def _records():
    register(KEY)
    panes = compare.vary_one(_pane(max_tokens=20), "temperature", [0.0, 1.0, 1.5])
    titles = [compare.pane_title(panes, i) for i in range(3)]
    return [
        compare.record(panes[0], 0, titles[0], _result("A | pipe\nand ```code```")),
        compare.record(panes[1], 1, titles[1], _result("second reply"), preferred=True),
        compare.record(panes[2], 2, titles[2], _result("", "error", f"HTTP 401: bad key {KEY}")),
    ]


MESSAGES = [{"role": "user", "content": "Say something"}]


def test_exports_carry_replies_metrics_and_the_preferred_mark():
    recs = _records()
    doc = json.loads(compare.to_json(recs, MESSAGES))
    assert doc["messages"] == MESSAGES
    assert [p["preferred"] for p in doc["panes"]] == [False, True, False]
    assert doc["panes"][1]["choices"][0]["text"] == "second reply"
    assert doc["panes"][0]["params"] == {"temperature": 0.0, "max_tokens": 20}
    assert doc["panes"][0]["ttft_s"] == 0.1 and doc["panes"][0]["finish_reason"] == "stop"
    rows = list(csv.DictReader(io.StringIO(compare.to_csv(recs, []))))
    assert rows[0]["text"] == "A | pipe\nand ```code```" and rows[2]["status"] == "error"
    md = compare.to_markdown(recs, MESSAGES)
    assert "| 2 ★ |" in md and "second reply" in md and "````text" in md
    assert "Error: HTTP 401" in md and "```text\n\n```" not in md


def test_exports_never_contain_the_key():
    recs = _records()
    for text in (compare.to_json(recs, MESSAGES), compare.to_csv(recs, MESSAGES), compare.to_markdown(recs, MESSAGES)):
        assert KEY not in text
        assert "Authorization" not in text
    assert "bad key ***" in compare.to_json(recs, MESSAGES)


def test_a_pane_that_was_not_sent_exports_its_reason():
    rec = compare.record(_pane(), 0, "Pane 1", None, error="Not sent — temperature: out of range")
    assert rec["status"] == "not sent" and rec["error"].startswith("Not sent")


# -- word diff --------------------------------------------------------------------------
def test_diff_ops_rebuild_both_texts():
    a, b = "The quick brown fox\njumps over the dog.", "The slow brown fox jumps over the lazy dog!"
    ops = worddiff.diff(a, b)
    assert "".join(o.text for o in ops if o.tag != "insert") == a
    assert "".join(o.text for o in ops if o.tag != "delete") == b
    assert {"delete", "insert", "equal"} <= {o.tag for o in ops}
    n = worddiff.counts(ops)
    assert n["delete"] >= 1 and n["insert"] >= 2


def test_diff_markdown_escapes_model_text():
    evil = "<script>alert(1)</script> [click](javascript:alert(1)) ![x](http://evil/img.png) **bold** :red[x]"
    md = worddiff.to_markdown(worddiff.diff("safe words", evil))
    # every Markdown/HTML-active character of the model text is backslash-escaped
    assert not re.search(r"(?<!\\)[<>\[\]()!*:]", md.replace(":green-background[**", "").replace("**]", "")
                         .replace(":red-background[~~", "").replace("~~]", ""))
    assert md.startswith(":red-background[~~safe words~~] :green-background[**\\<script\\>alert\\(1\\)\\<\\/script\\> "
                         "\\[click\\]\\(javascript\\:alert\\(1\\)\\)")
    assert worddiff.to_markdown(worddiff.diff("a_b", "a_b")) == "a\\_b"


def test_diff_markdown_styles_a_change_as_one_phrase_per_line():
    md = worddiff.to_markdown(worddiff.diff("one two", "one three four"))
    assert md == "one :red-background[~~two~~] :green-background[**three four**]"
    # newlines and the whitespace at a span's edges stay outside the markup
    md = worddiff.to_markdown(worddiff.diff("keep\nold words\nend", "keep\nnew text here\nend"))
    assert md == "keep  \n:red-background[~~old words~~]  \n:green-background[**new text here**]  \nend"


def test_diff_does_not_interleave_two_rewritten_clauses():
    """Two replies from the Compare page (SmolLM2, same prompt). Aligned with their whitespace,
    the spaces they share anchored the match, and the diff alternated struck and new words
    ("~~Temperature~~ **In** ~~is~~ **one** ~~the~~ …), which nobody can read."""
    a = "Temperature is the measure of temperature and is often used to quantify the degree of heat."
    b = "In one paragraph, temperature is often explained as the scale used to measure heat."
    ops = worddiff.diff(a, b)
    assert "".join(o.text for o in ops if o.tag != "insert") == a
    assert "".join(o.text for o in ops if o.tag != "delete") == b
    assert [(o.tag, o.text) for o in ops[:3]] == [
        ("delete", "Temperature is the measure of "), ("insert", "In one paragraph, "), ("equal", "temperature ")]
    md = worddiff.to_markdown(ops)
    assert md.startswith(":red-background[~~Temperature is the measure of~~] :green-background[**In one paragraph,**] "
                         "temperature :red-background[~~and~~] is often ")


def test_diff_keeps_shared_words_that_differ_only_in_spacing():
    ops = worddiff.diff("one two\nthree", "one two three")
    assert [(o.tag, o.text) for o in ops] == [
        ("equal", "one two"), ("delete", "\n"), ("insert", " "), ("equal", "three")]
    assert worddiff.to_markdown(ops) == "one two three"  # laid out as B


def test_markdown_export_keeps_multi_line_turns_and_replies():
    recs = _records()
    turns = [{"role": "user", "content": "line one\nline two\n\n- a list item"},
             {"role": "assistant", "content": "reply\nover two lines"}]
    md = compare.to_markdown(recs, turns)
    assert "```text\nline one\nline two\n\n- a list item\n```" in md
    assert "```text\nreply\nover two lines\n```" in md
    assert "line one line two" not in md


# -- prompt variants: a pane's own system prompt --------------------------------------------
CONVO = [{"role": "system", "content": "You are a helpful assistant."},
         {"role": "user", "content": "Name a colour."}]


def test_a_panes_own_system_prompt_replaces_the_conversations_and_only_in_that_pane():
    shared, own, none = _pane(), _pane(), _pane()
    own.system, none.system = "Answer in French.", "   "
    assert compare.body_for(shared, CONVO, stream=False)["messages"] == CONVO
    assert compare.body_for(own, CONVO, stream=False)["messages"] == [
        {"role": "system", "content": "Answer in French."}, CONVO[1]]
    assert compare.body_for(none, CONVO, stream=False)["messages"] == [CONVO[1]]  # blank: no system prompt
    assert CONVO[0]["content"] == "You are a helpful assistant."  # the shared conversation is untouched
    # a conversation without one gets it first; a leading developer turn stands for it
    assert compare.with_system(CONVO[1:], "Be brief.") == [{"role": "system", "content": "Be brief."}, CONVO[1]]
    dev = [{"role": "developer", "content": "Old."}, CONVO[1]]
    assert compare.with_system(dev, "New.") == [{"role": "system", "content": "New."}, CONVO[1]]
    assert own.clone().system == "Answer in French."


def test_panes_that_differ_by_system_prompt_say_so_in_their_titles_and_exports():
    a, b = _pane(), _pane()
    b.system = "You are a pirate who answers every question in rhyme."
    panes = [a, b]
    assert compare.differences(panes) == ["system"]
    assert compare.pane_title(panes, 0) == "Pane 1 · system=Playground's"
    assert compare.pane_title(panes, 1) == "Pane 2 · system=“You are a pirate who…”"
    b.system = ""
    assert compare.pane_title(panes, 1) == "Pane 2 · system=none"
    b.system = "Answer in French."
    recs = [compare.record(p, i, compare.pane_title(panes, i), None) for i, p in enumerate(panes)]
    assert [r["system"] for r in recs] == [None, "Answer in French."]
    rows = list(csv.DictReader(io.StringIO(compare.to_csv(recs, CONVO))))
    assert [(r["system"], r["system_from"]) for r in rows] == [
        ("You are a helpful assistant.", "conversation"), ("Answer in French.", "pane")]
    b.system = ""  # a pane that sends none is told apart from one that follows the Playground
    recs = [compare.record(p, i, compare.pane_title(panes, i), None) for i, p in enumerate(panes)]
    rows = list(csv.DictReader(io.StringIO(compare.to_csv(recs, CONVO[1:]))))
    assert [(r["system"], r["system_from"]) for r in rows] == [("", "conversation"), ("", "pane")]
    b.system = "Answer in French."
    recs = [compare.record(p, i, compare.pane_title(panes, i), None) for i, p in enumerate(panes)]
    md = compare.to_markdown(recs, CONVO)
    assert md.count("**System prompt of this pane**") == 1 and "Answer in French." in md
    assert json.loads(compare.to_json(recs, CONVO))["panes"][1]["system"] == "Answer in French."


def test_vary_the_system_prompt_one_pane_per_line():
    base = _pane(temperature=0.3)
    prompts = compare.parse_prompts("  Answer in French.\n\nBe terse.\nAnswer in French.\nBe a pirate. \n")
    assert prompts == ["Answer in French.", "Be terse.", "Be a pirate."]  # blanks and repeats dropped
    panes = compare.vary_system(base, prompts)
    assert [p.system for p in panes] == prompts
    assert all(p.params == base.params and p.model == base.model for p in panes)
    assert base.system is None and len({p.id for p in panes}) == 3
    with pytest.raises(schema.ValidationError) as e:
        compare.vary_system(base, ["Only one."])
    assert str(e.value.errors[0]) == "system prompts: give 2 to 6 different prompts, one per line, got 1"
