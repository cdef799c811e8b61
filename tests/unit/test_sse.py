"""Server-sent events framing, in the manner of openai-python's tests/test_streaming.py.

The recorded streams in tests/data come from the embedded llama.cpp engine
(chat_stream.sse: one choice; chat_stream_n2_usage.sse: n=2 interleaved with include_usage).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from paramlab.client.assembly import ChunkAssembler
from paramlab.client.sse import ServerSentEvent, SSEDecoder, iter_events

DATA = Path(__file__).resolve().parents[1] / "support" / "data"
RECORDED = sorted(DATA.glob("*.sse"))


def decode(chunks) -> list[ServerSentEvent]:
    return list(iter_events(chunks))


def datas(chunks) -> list[str]:
    return [e.data for e in decode(chunks)]


def reference_events(raw: bytes) -> list[str]:
    """The recorded files use LF only and single-line data, so a plain split is a sound oracle."""
    out = []
    for block in raw.split(b"\n\n"):
        if block.strip():
            assert block.startswith(b"data: ")
            out.append(block[len(b"data: "):].decode("utf-8"))
    return out


def assemble(events: list[ServerSentEvent]) -> ChunkAssembler:
    asm = ChunkAssembler()
    for e in events:
        if e.data != "[DONE]":
            asm.add(json.loads(e.data))
    return asm


# -- recorded streams -------------------------------------------------------------------------
def test_recordings_exist_and_are_realistic():
    names = {p.name for p in RECORDED}
    assert {"chat_stream.sse", "chat_stream_n2_usage.sse"} <= names
    raw = (DATA / "chat_stream_n2_usage.sse").read_bytes()
    events = reference_events(raw)
    assert events[-1] == "[DONE]"
    indexes = [c["index"] for e in events[:-1] for c in json.loads(e)["choices"]]
    assert set(indexes) == {0, 1}
    assert indexes != sorted(indexes), "the n=2 recording should interleave its choices"


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_recorded_stream_whole(path):
    raw = path.read_bytes()
    assert datas([raw]) == reference_events(raw)


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_recorded_stream_every_split_point(path):
    raw = path.read_bytes()
    expected = reference_events(raw)
    for i in range(len(raw) + 1):
        assert datas([raw[:i], raw[i:]]) == expected, f"split at byte {i}"


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_recorded_stream_every_split_point_with_crlf(path):
    raw = path.read_bytes().replace(b"\n", b"\r\n")
    expected = reference_events(path.read_bytes())
    for i in range(0, len(raw) + 1, 3):  # every third byte keeps this fast; CR|LF splits included below
        assert datas([raw[:i], raw[i:]]) == expected, f"split at byte {i}"
    for i in [j + 1 for j in range(len(raw)) if raw[j:j + 1] == b"\r"]:
        assert datas([raw[:i], raw[i:]]) == expected, f"CR|LF split at byte {i}"


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.name)
def test_recorded_stream_one_byte_at_a_time(path):
    raw = path.read_bytes()
    assert datas(raw[i:i + 1] for i in range(len(raw))) == reference_events(raw)


def test_n2_recording_assembles_by_index_and_adds_usage():
    raw = (DATA / "chat_stream_n2_usage.sse").read_bytes()
    events = decode([raw])
    asm = assemble(events)
    choices = asm.ordered()
    assert [c.index for c in choices] == [0, 1]
    assert all(c.text and c.finish_reason for c in choices)
    # reference: concatenate per index by hand
    by_index: dict[int, str] = {}
    usages = []
    for e in events[:-1]:
        chunk = json.loads(e.data)
        if chunk.get("usage"):
            usages.append(chunk["usage"])
        for c in chunk["choices"]:
            by_index[c["index"]] = by_index.get(c["index"], "") + (c["delta"].get("content") or "")
    assert [c.text for c in choices] == [by_index[0], by_index[1]]
    assert usages, "the recording was made with include_usage"
    # llama.cpp sends one usage chunk per choice: the assembler adds the completion tokens
    assert asm.usage.completion_tokens == sum(u["completion_tokens"] for u in usages)
    assert asm.usage.prompt_tokens == max(u["prompt_tokens"] for u in usages)


# -- line endings -----------------------------------------------------------------------------
@pytest.mark.parametrize("eol", [b"\n", b"\r", b"\r\n"], ids=["LF", "CR", "CRLF"])
def test_each_line_ending(eol):
    raw = b"data: a" + eol + eol + b"data: b" + eol + eol
    assert datas([raw]) == ["a", "b"]
    assert datas(raw[i:i + 1] for i in range(len(raw))) == ["a", "b"]


def test_mixed_line_endings():
    raw = b"data: one\r\n\r\ndata: two\r\rdata: three\n\ndata: four\r\n\ndata: five\n\r\n"
    expected = ["one", "two", "three", "four", "five"]
    assert datas([raw]) == expected
    for i in range(len(raw) + 1):
        assert datas([raw[:i], raw[i:]]) == expected, f"split at {i}"
    for i in range(len(raw) + 1):
        for j in range(i, len(raw) + 1):
            assert datas([raw[:i], raw[i:j], raw[j:]]) == expected, f"split at {i}, {j}"


def test_cr_at_chunk_end_then_lf_in_next_chunk_is_one_line_end():
    d = SSEDecoder()
    assert d.feed(b"data: x\r") == []
    # the LF completes the CRLF of the data line; the next CRLF is the blank line
    assert [e.data for e in d.feed(b"\n\r")] == ["x"]
    assert d.feed(b"\n") == []  # the LF after that CR must not count as a second blank line
    assert [e.data for e in d.feed(b"data: y\r\n\r\n")] == ["y"]


def test_cr_at_chunk_end_then_empty_chunk_then_lf():
    d = SSEDecoder()
    # an empty read between the CR and the LF must not forget that the LF completes a CRLF
    assert d.feed(b"data: x\r") + d.feed(b"") + d.feed(b"\n") == []
    assert [e.data for e in d.feed(b"\r\n")] == ["x"]


def test_cr_cr_is_a_blank_line_not_crlf():
    assert datas([b"data: x\r", b"\rdata: y\r\r"]) == ["x", "y"]


# -- UTF-8 ----------------------------------------------------------------------------------
MULTIBYTE = "héllo — 日本語 · 🎛️ emoji ✓ Ω"


def test_multibyte_utf8_one_byte_at_a_time():
    payload = json.dumps({"choices": [{"index": 0, "delta": {"content": MULTIBYTE}}]}, ensure_ascii=False)
    raw = f"data: {payload}\n\n".encode()
    events = decode(raw[i:i + 1] for i in range(len(raw)))
    assert len(events) == 1
    assert json.loads(events[0].data)["choices"][0]["delta"]["content"] == MULTIBYTE
    assert "\ufffd" not in events[0].data


def test_multibyte_split_at_every_byte_of_every_character():
    raw = f"data: {MULTIBYTE}\r\n\r\n".encode()
    for i in range(len(raw) + 1):
        assert datas([raw[:i], raw[i:]]) == [MULTIBYTE]


def test_bytes_that_look_like_latin1_are_decoded_as_utf8():
    raw = "data: Grüße\n\n".encode("utf-8")
    assert datas([raw]) == ["Grüße"]  # not 'GrÃ¼ÃŸe'


def test_invalid_utf8_is_replaced_not_raised():
    assert datas([b"data: ok \xff\xfe\n\n"]) == ["ok \ufffd\ufffd"]


# -- fields -----------------------------------------------------------------------------------
def test_multi_line_data_is_joined_with_newlines():
    raw = b'data: {"a":\ndata: 1}\n\ndata: line1\ndata:\ndata: line3\n\n'
    assert datas([raw]) == ['{"a":\n1}', "line1\n\nline3"]


def test_comments_and_keep_alives_ignored():
    raw = b": keep-alive\n\n:\n\n: ping\ndata: x\n: inside\n\n:::\n\n"
    assert datas([raw]) == ["x"]


def test_event_id_retry_fields():
    raw = b"event: completion\nid: 42\nretry: 1500\ndata: {}\n\nid: 43\ndata: b\n\n"
    ev = decode([raw])
    assert ev[0] == ServerSentEvent("{}", "completion", "42", 1500)
    assert ev[1].event is None and ev[1].id == "43" and ev[1].retry is None  # id persists per spec; retry resets


def test_retry_not_a_number_ignored_and_id_with_nul_ignored():
    ev = decode([b"retry: soon\ndata: a\n\nid: x\x00y\ndata: b\n\n"])
    assert ev[0].retry is None and ev[1].id is None


def test_unknown_fields_ignored():
    raw = b"foo: bar\nx-vendor: 1\ndata: kept\nbogus\n\n"
    assert datas([raw]) == ["kept"]


def test_field_without_space_and_with_two_spaces():
    assert datas([b"data:nospace\n\ndata:  two spaces\n\n"]) == ["nospace", " two spaces"]


def test_data_with_no_colon_is_an_empty_data_line():
    assert datas([b"data\ndata\n\n"]) == ["\n"]


def test_event_without_data_dispatches_with_empty_data():
    ev = decode([b"event: ping\n\n"])
    assert ev == [ServerSentEvent("", "ping", None, None)]


def test_blank_lines_alone_dispatch_nothing():
    assert decode([b"\n\n\r\n\r\r\n"]) == []


def test_done_marker_is_an_ordinary_event():
    raw = b"data: {}\n\ndata: [DONE]\n\n"
    assert datas([raw]) == ["{}", "[DONE]"]


def test_nonstandard_error_line():
    ev = decode([b'data: {"x":1}\n\nerror: {"message": "slot unavailable"}\n\n'])
    assert ev[1].event == "error" and json.loads(ev[1].data)["message"] == "slot unavailable"


def test_no_trailing_blank_line_at_eof():
    assert datas([b"data: a\n\ndata: last"]) == ["a", "last"]
    assert datas([b"data: a\n\ndata: last\n"]) == ["a", "last"]
    assert datas([b"data: a\n\ndata: last\r"]) == ["a", "last"]


def test_feed_returns_events_as_soon_as_they_are_complete():
    d = SSEDecoder()
    assert d.feed(b"data: a\n") == []
    assert [e.data for e in d.feed(b"\n")] == ["a"]
    assert d.feed(b"data: b") == []
    assert [e.data for e in d.close()] == ["b"]
    assert d.close() == []


def test_empty_stream():
    assert decode([]) == [] and decode([b""]) == []
