"""Scripted replies for the tools, structured-output and new-parameter tests, played by the fault
server: tool-call streams (OpenAI's delta shape), and a server that checks the body it receives."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from support.fault_server import MODEL, Reply, Stream, completion, sse


def _tc_chunk(tool_calls: list[dict] | None = None, finish: str | None = None, role: str | None = None) -> dict:
    delta: dict[str, Any] = {}
    if role:
        delta.update(role=role, content=None)
    if tool_calls:
        delta["tool_calls"] = tool_calls
    return {"id": "chatcmpl-tools", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}


def tool_call_stream(calls: list[tuple[str, str, str]]) -> Stream:
    """A streamed reply asking for the given (id, name, arguments) calls, the arguments split in two
    pieces as real servers split them."""
    chunks = [_tc_chunk(role="assistant")]
    for i, (cid, name, args) in enumerate(calls):
        half = len(args) // 2
        chunks.append(_tc_chunk([{"index": i, "id": cid, "type": "function",
                                  "function": {"name": name, "arguments": args[:half]}}]))
        chunks.append(_tc_chunk([{"index": i, "function": {"arguments": args[half:]}}]))
    chunks.append(_tc_chunk(finish="tool_calls"))
    chunks.append({"id": "chatcmpl-tools", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
                   "choices": [], "usage": {"prompt_tokens": 40, "completion_tokens": 20, "total_tokens": 60}})
    return Stream([sse(*chunks)])


def tool_call_reply(calls: list[tuple[str, str, str]]) -> Reply:
    """The same as one JSON body (non-streaming)."""
    body = completion("", finish="tool_calls")
    msg = body["choices"][0]["message"]
    msg["content"] = None
    msg["tool_calls"] = [{"id": cid, "type": "function", "function": {"name": n, "arguments": a}}
                         for cid, n, a in calls]
    return Reply(200, body)


def text_stream(text: str) -> Stream:
    from support.fault_server import chat_stream
    return Stream([chat_stream(re.findall(r"\S+\s*", text), usage={"prompt_tokens": 50, "completion_tokens": 8,
                                                       "total_tokens": 58})])


@dataclass
class CheckBody:
    """Answer 200 only when the received JSON body equals `expected`, else 400 naming the first
    difference: the test then sees the client's error."""
    expected: dict

    def __call__(self, h) -> None:
        got = h.server.owner.requests[-1].json()
        diff = first_difference(self.expected, got)
        if diff is None:
            Reply(200, completion("body ok"))(h)
        else:
            Reply(400, {"error": {"message": f"body differs at {diff}", "type": "invalid_request_error",
                                  "param": diff, "code": "body_mismatch"}})(h)


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}".lstrip(".") + (" (missing)" if k not in b else " (unexpected)")
            d = first_difference(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path} (length {len(a)} != {len(b)})"
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if (a == b and type(a) is type(b)) or (json.dumps(a) == json.dumps(b)) else (path or "(root)")


# -- spoken replies (modalities ["text", "audio"]), in OpenAI's documented shapes ---------------------
def pcm16(samples: int = 2400) -> bytes:
    """Raw 24 kHz mono pcm16, a ramp so that no two pieces are alike."""
    return b"".join((i % 256 * 64).to_bytes(2, "little", signed=False) for i in range(samples))


def audio_reply(data: bytes, transcript: str) -> Reply:
    """An audio-only JSON reply: content null, the audio (base64) and its transcript."""
    import base64
    body = completion("")
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": None, "audio": {
        "id": "audio_scripted", "expires_at": 1700003600, "data": base64.b64encode(data).decode(),
        "transcript": transcript}}
    body["usage"]["completion_tokens_details"] = {"audio_tokens": 40, "reasoning_tokens": 0}
    return Reply(200, body)


def audio_stream(data: bytes, transcript: str, pieces: int = 3) -> Stream:
    """The same streamed: the id first, then audio pieces (each base64 on its own) with pieces of
    the transcript, then the finish and the usage chunk."""
    import base64

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {"id": "chatcmpl-audio", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    size, words = -(-len(data) // pieces), re.findall(r"\S+\s*", transcript)
    per = -(-len(words) // pieces)
    chunks = [chunk({"role": "assistant", "content": None, "audio": {"id": "audio_scripted",
                                                                     "expires_at": 1700003600}})]
    for k in range(pieces):
        chunks.append(chunk({"audio": {"data": base64.b64encode(data[k * size:(k + 1) * size]).decode(),
                                       "transcript": "".join(words[k * per:(k + 1) * per])}}))
    chunks.append(chunk({}, "stop"))
    chunks.append({"id": "chatcmpl-audio", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
                   "choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 40, "total_tokens": 52,
                                            "completion_tokens_details": {"audio_tokens": 40}}})
    return Stream([sse(*chunks)])
