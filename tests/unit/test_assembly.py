"""Chunks and whole responses → choices: the shapes real servers send that the corpus does not
cover one by one (tool-call fragments from any start, by order, with empty ids and names, the
legacy function_call; usage in every place; finish_reason ordering; content parts; <think>)."""
from __future__ import annotations

import pytest

from paramlab.client.assembly import ChunkAssembler, choices_from_response
from paramlab.client.reasoning import ThinkSplitter, split_think
from paramlab.client.result import explain_finish_reason


def feed(*chunks):
    asm = ChunkAssembler()
    deltas = [d for c in chunks for d in asm.add(c)] + asm.close()
    return asm, deltas


def ch(delta=None, finish=None, index=0, **extra):
    c = {"index": index, "delta": delta or {}, **extra}
    if finish is not None or "finish_reason" in extra:
        c["finish_reason"] = finish
    return {"choices": [c]}


def tc(**kw):
    return {"tool_calls": [kw]}


def test_tool_calls_by_index_from_any_start_with_empty_id_and_name_continuations():
    asm, _ = feed(ch(tc(index=3, id="call_a", type="function", function={"name": "get", "arguments": ""})),
                  ch(tc(index=3, id="", type="function", function={"name": "", "arguments": '{"q": '})),
                  ch(tc(index=3, function={"arguments": '"x"}'}, stray={"ignored": True})),
                  ch(tc(index=5, id="call_b", function={"name": "put", "arguments": "{}"})),
                  ch(finish="tool_calls"))
    calls = asm.choices[0].tool_calls
    assert [(c["id"], c["name"], c["arguments"]) for c in calls] == [("call_a", "get", '{"q": "x"}'),
                                                                     ("call_b", "put", "{}")]
    assert all(c["type"] == "function" and set(c) == {"id", "type", "name", "arguments"} for c in calls)


def test_tool_calls_by_order_when_index_is_absent():
    asm, _ = feed(ch(tc(id="c1", function={"name": "a", "arguments": '{"x"'})),
                  ch(tc(function={"arguments": ": 1}"})),
                  ch(tc(id="c2", function={"name": "b", "arguments": "[]"})),
                  ch(tc(id="c2", function={"arguments": ""})))
    assert [(c["id"], c["name"], c["arguments"]) for c in asm.choices[0].tool_calls] == [
        ("c1", "a", '{"x": 1}'), ("c2", "b", "[]")]


def test_arguments_are_concatenated_exactly_even_whitespace_and_repeats():
    parts = ['{"a"', ": ", '"b b"', "  ", "}"]
    asm, _ = feed(*[ch(tc(index=0, function={"arguments": p})) for p in parts])
    assert asm.choices[0].tool_calls[0]["arguments"] == "".join(parts)


def test_legacy_function_call_stream_and_whole():
    asm, _ = feed(ch({"function_call": {"name": "lookup", "arguments": '{"id"'}}),
                  ch({"function_call": {"arguments": ": 7}"}}), ch(finish="function_call"))
    (call,) = asm.choices[0].tool_calls
    assert (call["name"], call["arguments"]) == ("lookup", '{"id": 7}')
    (c,) = choices_from_response({"choices": [{"index": 0, "finish_reason": "function_call", "message": {
        "role": "assistant", "content": None, "function_call": {"name": "lookup", "arguments": "{}"}}}]})
    assert [(t["name"], t["arguments"]) for t in c.tool_calls] == [("lookup", "{}")]


def test_whole_response_tool_calls_flattened():
    (c,) = choices_from_response({"choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                       {"id": "b", "type": "function", "function": {"name": "g", "arguments": "{\"k\":1}"}}]}}]})
    assert [(t["id"], t["name"], t["arguments"]) for t in c.tool_calls] == [("a", "f", "{}"), ("b", "g", '{"k":1}')]


def test_finish_reason_last_non_null_wins_and_integers_are_kept_in_words():
    asm, _ = feed(ch({"content": "a"}, finish="length"), ch({"content": ""}, finish=None))
    assert asm.choices[0].finish_reason == "length"
    asm, _ = feed(ch({"content": "a"}, finish=2))
    assert asm.choices[0].finish_reason == "2"
    assert "numeric stop reason (2)" in explain_finish_reason("2")
    assert "end-of-sequence" in explain_finish_reason("eos")


@pytest.mark.parametrize("chunks", [
    # on the finish chunk (DeepSeek)
    [ch({"content": "hi"}), {**ch(finish="stop"), "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}],
    # a final choices: [] chunk (include_usage)
    [ch({"content": "hi"}, finish="stop"), {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}],
    # LiteLLM's final [{"index": 0, "delta": {}}] chunk
    [ch({"content": "hi"}, finish="stop"), {"choices": [{"index": 0, "delta": {}}],
                                            "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}],
    # usage: null on every chunk before it
    [{**ch({"content": "hi"}), "usage": None}, {**ch(finish="stop"), "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}],
])
def test_usage_wherever_it_comes(chunks):
    asm, _ = feed(*chunks)
    u = asm.usage
    assert (u.prompt_tokens, u.completion_tokens, u.total_tokens, u.estimated, u.source) == (3, 1, 4, False, "usage")
    assert asm.choices[0].finish_reason == "stop" and asm.choices[0].text == "hi"


def test_usage_only_in_x_groq_and_total_kept_as_sent():
    asm, _ = feed(ch({"content": "hi"}, finish="stop"),
                  {"choices": [], "x_groq": {"usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 9}}})
    assert (asm.usage.total_tokens, asm.usage.source) == (9, "x_groq.usage")


def test_content_as_a_list_of_parts():
    asm, deltas = feed(ch({"content": [{"type": "thinking", "thinking": [{"type": "text", "text": "hmm "}]}]}),
                       ch({"content": [{"type": "text", "text": "Hi"}, {"type": "image_url", "image_url": {"url": "x"}}]}),
                       ch({"content": " there"}, finish="stop"))
    c = asm.choices[0]
    assert (c.text, c.reasoning) == ("Hi there", "hmm ")
    assert c.extra_parts == [{"type": "image_url", "image_url": {"url": "x"}}]
    assert [(d.text, d.reasoning) for d in deltas] == [("", "hmm "), ("Hi", ""), (" there", "")]


def test_refusal_is_kept_apart():
    asm, _ = feed(ch({"refusal": "I can't"}), ch({"refusal": " help."}, finish="stop"))
    assert (asm.choices[0].text, asm.choices[0].refusal) == ("", "I can't help.")


def test_reasoning_details_are_not_counted_twice():
    asm, _ = feed(ch({"reasoning": "abc", "reasoning_details": [{"type": "reasoning.text", "text": "abc"}]}),
                  ch({"reasoning_details": [{"type": "reasoning.text", "text": "def"}]}))
    assert asm.choices[0].reasoning == "abcdef"


@pytest.mark.parametrize("cut", range(1, 20))
def test_think_block_split_live_wherever_the_stream_is_cut(cut):
    text = "<think>plan it</think>\nAnswer."
    s = ThinkSplitter()
    outs = [s.feed(text[:cut]), s.feed(text[cut:]), s.close()]
    assert "".join(o[0] for o in outs) == "Answer." and "".join(o[1] for o in outs) == "plan it"


def test_text_that_only_starts_like_a_tag_is_released():
    assert split_think("<thin air>") == ("<thin air>", "")
    s = ThinkSplitter()
    assert s.feed("<th") == ("", "") and s.feed("ought>") == ("<thought>", "")


def test_leading_whitespace_is_never_held_back():
    """A first token of whitespace reaches the page at once (holding it would delay the first token)."""
    s = ThinkSplitter()
    assert s.feed(" ") == (" ", "") and s.feed("Once") == ("Once", "")
    s = ThinkSplitter()
    assert s.feed("\n") == ("\n", "") and s.feed("<think>a</think>b") == ("b", "a")


def test_citations_and_images_are_kept_for_the_inspector():
    (c,) = choices_from_response({"choices": [{"index": 0, "finish_reason": "stop", "message": {
        "content": "See [1].", "annotations": [{"type": "url_citation", "url_citation": {"url": "https://a.example"}}],
        "images": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}}]})
    assert c.text == "See [1]."
    assert [p["type"] for p in c.extra_parts] == ["url_citation", "image_url"]
    asm, _ = feed(ch({"content": "x", "annotations": [{"type": "url_citation", "url_citation": {"url": "u"}}]}))
    assert asm.choices[0].extra_parts == [{"type": "url_citation", "url_citation": {"url": "u"}}]
