"""Turning what servers send into choices: streamed chunks, or one whole response.

- Choices are keyed by `index` (with n > 1 the chunks of different choices interleave).
- Text from `content` as a string or a list of parts; reasoning from every shape in
  reasoning.py, live; a refusal kept apart from the reply.
- Tool calls assembled by `index` whatever number it starts at, by order when `index` is
  absent; continuation chunks with `id: ""` / `name: ""` never erase what came before;
  arguments concatenated exactly. The legacy `function_call` becomes a tool call too.
- finish_reason: the last non-null value wins.
- Usage wherever servers put it: `usage` on any chunk (the finish chunk, a final `choices: []`
  chunk, LiteLLM's final `[{"index": 0, "delta": {}}]`), Groq's `x_groq.usage`, or inside a
  choice. Usage on consecutive chunks with no choices is summed (llama.cpp sends one per choice
  with n > 1); otherwise the latest wins: servers repeat running totals, and Moonshot repeats
  the total of its finish chunk in a chunk of its own.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from paramlab.client.reasoning import ThinkSplitter, reasoning_of, split_content, split_think
from paramlab.client.result import Choice, Usage
from paramlab.client.sources import CITATION, response_sources


@dataclass(frozen=True, slots=True)
class Delta:
    index: int
    text: str
    logprobs: list[dict] | None = None
    reasoning: str = ""
    refusal: str = ""
    spoken: str = ""  # a piece of a spoken reply's transcript (its audio is assembled in Choice.audio)


def usage_of(obj: dict[str, Any]) -> Usage | None:
    """Usage in its standard place, else where some providers put it."""
    u = Usage.from_api(obj.get("usage"))
    if u is not None and u.reported:
        return u
    xg = obj.get("x_groq")
    if isinstance(xg, dict):
        u = Usage.from_api(xg.get("usage"), source="x_groq.usage")
        if u is not None and u.reported:
            return u
    return None


def finish_of(c: dict[str, Any]) -> str | None:
    v = c.get("finish_reason")
    if v is None or v == "":
        v = c.get("stop_reason") if isinstance(c.get("stop_reason"), str) and "finish_reason" not in c else None
    return None if v is None or v == "" else str(v)


class ChunkAssembler:
    def __init__(self) -> None:
        self.choices: dict[int, Choice] = {}
        self.usage: Usage | None = None
        self._bare_usage = False  # the usage so far came on chunks without choices (each a share)
        self.id: str | None = None
        self.model: str | None = None
        self.created: int | None = None
        self.system_fingerprint: str | None = None
        self.service_tier: str | None = None
        self.saw_content = False
        self._think: dict[int, ThinkSplitter] = {}
        self._calls: dict[int, _ToolCalls] = {}
        self._audio: dict[int, bytearray] = {}  # a spoken reply's bytes, decoded piece by piece
        self.sources: list[dict] = []  # Perplexity's search sources (each chunk repeats them: the last)

    def add(self, chunk: dict[str, Any]) -> list[Delta]:
        self.id = self.id or chunk.get("id") or None
        self.model = self.model or chunk.get("model") or None
        self.created = self.created or chunk.get("created") or None
        self.system_fingerprint = chunk.get("system_fingerprint") or self.system_fingerprint
        self.service_tier = service_tier(chunk) or self.service_tier
        if "citations" in chunk or "search_results" in chunk:  # Perplexity's, beside the choices
            self.sources = response_sources(chunk) or self.sources
        raw_choices = chunk.get("choices") if isinstance(chunk.get("choices"), list) else []
        usage = usage_of(chunk)
        for c in raw_choices:
            if usage is None and isinstance(c, dict):
                usage = usage_of(c)
        if usage is not None:
            share = not raw_choices and self._bare_usage and self.usage is not None \
                and self.usage.source == usage.source
            self.usage = self.usage.add(usage) if share else usage
            self._bare_usage = not raw_choices
        deltas: list[Delta] = []
        for pos, c in enumerate(raw_choices):
            if isinstance(c, dict):
                d = self._add_choice(c, pos)
                if d is not None:
                    deltas.append(d)
        return deltas

    def _add_choice(self, c: dict[str, Any], pos: int) -> Delta | None:
        idx = c.get("index") if isinstance(c.get("index"), int) else pos
        choice = self.choices.get(idx)
        if choice is None:
            choice = self.choices[idx] = Choice(index=idx)
        delta = c.get("delta")
        if not isinstance(delta, dict):
            delta = c.get("message") if isinstance(c.get("message"), dict) else {}
        if isinstance(delta.get("role"), str) and delta["role"]:
            choice.role = delta["role"]
        parts = split_content(delta.get("content"))
        reasoning = reasoning_of(delta) + parts.reasoning
        text = parts.text
        if text:
            splitter = self._think.setdefault(idx, ThinkSplitter())
            text, inline = splitter.feed(text)
            reasoning += inline
        refusal = parts.refusal + (delta["refusal"] if isinstance(delta.get("refusal"), str) else "")
        lp_obj = c.get("logprobs")
        lp = lp_obj.get("content") if isinstance(lp_obj, dict) else None
        if lp:
            choice.logprobs.extend(lp)
        if parts.other:
            choice.extra_parts.extend(parts.other)
        choice.extra_parts.extend(side_parts(delta))
        calls = delta.get("tool_calls")
        if isinstance(calls, list) and calls or isinstance(delta.get("function_call"), dict):
            tc = self._calls.setdefault(idx, _ToolCalls())
            for call in calls or ():
                if isinstance(call, dict):
                    tc.merge(call)
            if isinstance(delta.get("function_call"), dict):
                tc.merge({"index": 0, "function": delta["function_call"]})
            choice.tool_calls = tc.calls()
        heard = choice.audio["transcript"] if choice.audio else ""
        spoken = self._add_audio(choice, idx, delta.get("audio"))
        said = choice.audio["transcript"][len(heard):] if choice.audio else ""
        finish = finish_of(c)
        if finish is not None:
            choice.finish_reason = finish
        choice.text += text
        choice.reasoning += reasoning
        if refusal:
            choice.refusal = (choice.refusal or "") + refusal
        if spoken:
            self.saw_content = True
        if text or reasoning or refusal or said:
            self.saw_content = True
            return Delta(idx, text, lp, reasoning, refusal, said)
        if lp:
            return Delta(idx, "", lp)
        return None

    def _add_audio(self, choice: Choice, idx: int, audio: Any) -> bool:
        """Merge a message's audio, or a stream's piece of it (each piece is base64 on its own)."""
        if not isinstance(audio, dict):
            return False
        into = choice.audio = choice.audio or {"transcript": ""}
        for key in ("id", "expires_at"):
            if audio.get(key) is not None:
                into[key] = audio[key]
        if isinstance(audio.get("transcript"), str):
            into["transcript"] += audio["transcript"]
        if isinstance(audio.get("data"), str) and audio["data"]:
            try:
                self._audio.setdefault(idx, bytearray()).extend(base64.b64decode(audio["data"]))
            except (binascii.Error, ValueError):
                pass  # a damaged piece is skipped; the transcript still shows
        return bool(into["transcript"] or idx in self._audio)

    def close(self) -> list[Delta]:
        """End of stream: release text held back while it could have been a <think> tag."""
        out = []
        for idx, splitter in self._think.items():
            text, reasoning = splitter.close()
            if text or reasoning:
                choice = self.choices[idx]
                choice.text += text
                choice.reasoning += reasoning
                out.append(Delta(idx, text, None, reasoning))
        return out

    def ordered(self) -> list[Choice]:
        for idx, data in self._audio.items():
            self.choices[idx].audio["data"] = base64.b64encode(bytes(data)).decode()
        for c in self.choices.values():  # Perplexity's sources once, however often this is called
            kept = [p for p in c.extra_parts if not (isinstance(p, dict) and p.get("type") == CITATION)]
            c.extra_parts = kept + self.sources
        return [self.choices[i] for i in sorted(self.choices)]

    def partial_texts(self) -> dict[int, str]:
        return {i: c.text for i, c in self.choices.items()}


# Message fields beside the text that some servers fill: web-search citations (OpenAI, OpenRouter;
# listed under the reply, see client/sources.py) and generated images (OpenRouter; no view of their
# own). Both are kept with the unknown content parts, so the inspector names and shows them.
SIDE_FIELDS = ("annotations", "images")


def side_parts(message: dict[str, Any]) -> list[dict]:
    out = []
    for key in SIDE_FIELDS:
        items = message.get(key)
        if isinstance(items, list):
            out += [{"type": key[:-1], **item} if isinstance(item, dict) else {"type": key[:-1], "value": item}
                    for item in items]
    return out


def service_tier(payload: Any) -> str | None:
    """The tier a response says served it (priced per tier), or None."""
    tier = payload.get("service_tier") if isinstance(payload, dict) else None
    return tier if isinstance(tier, str) and tier else None


class _ToolCalls:
    """Tool-call fragments of one choice, by `index` when given, else by id or order."""

    def __init__(self) -> None:
        self._by_key: dict[Any, dict] = {}
        self._last: Any = None

    def merge(self, frag: dict[str, Any]) -> None:
        fid = frag.get("id") if isinstance(frag.get("id"), str) and frag.get("id") else None
        if isinstance(frag.get("index"), int):
            key = ("i", frag["index"])
        elif fid is not None and ("id", fid) in self._by_key:
            key = ("id", fid)
        elif fid is not None or self._last is None:
            key = ("id", fid or len(self._by_key))
        else:
            key = self._last  # a continuation with no index and no id
        call = self._by_key.get(key)
        if call is None:
            call = self._by_key[key] = {"id": None, "type": "function", "name": "", "arguments": ""}
        self._last = key
        if fid:
            call["id"] = fid
        if isinstance(frag.get("type"), str) and frag["type"]:
            call["type"] = frag["type"]
        fn = frag.get("function") if isinstance(frag.get("function"), dict) else {}
        name = fn.get("name")
        if isinstance(name, str) and name and name != call["name"]:
            call["name"] += name
        args = fn.get("arguments")
        if isinstance(args, str):
            call["arguments"] += args
        elif isinstance(args, (dict, list)):  # some servers send parsed JSON
            call["arguments"] += json.dumps(args)

    def calls(self) -> list[dict]:
        return [dict(c) for c in self._by_key.values()]


def choices_from_response(payload: dict[str, Any]) -> list[Choice]:
    out, sources = [], response_sources(payload)
    for pos, c in enumerate(payload.get("choices") or ()):
        if not isinstance(c, dict):
            continue
        msg = c.get("message") if isinstance(c.get("message"), dict) else {}
        if not msg and isinstance(c.get("text"), str):  # a /completions-style choice
            msg = {"content": c["text"]}
        parts = split_content(msg.get("content"))
        text, inline = split_think(parts.text)
        lp = c.get("logprobs")
        tc = _ToolCalls()
        for call in msg.get("tool_calls") or ():
            if isinstance(call, dict):
                tc.merge({k: v for k, v in call.items() if k != "index"})
                tc._last = None  # whole calls: each one is its own
        if isinstance(msg.get("function_call"), dict):
            tc.merge({"function": msg["function_call"]})
        refusal = (msg.get("refusal") if isinstance(msg.get("refusal"), str) else "") + parts.refusal
        parts.other.extend(side_parts(msg) + sources)
        out.append(Choice(index=c["index"] if isinstance(c.get("index"), int) else pos, text=text,
                          reasoning=reasoning_of(msg) + parts.reasoning + inline,
                          role=msg.get("role") or "assistant", finish_reason=finish_of(c),
                          logprobs=list((lp or {}).get("content") or []) if isinstance(lp, dict) else [],
                          tool_calls=tc.calls(), refusal=refusal or None, extra_parts=parts.other,
                          audio=audio_of(msg.get("audio"))))
    return sorted(out, key=lambda ch: ch.index)


def audio_of(audio: Any) -> dict[str, Any] | None:
    """A whole message's spoken reply, in Choice.audio's shape."""
    if not isinstance(audio, dict):
        return None
    return {"transcript": audio.get("transcript") if isinstance(audio.get("transcript"), str) else "",
            "data": audio.get("data") if isinstance(audio.get("data"), str) else "",
            **{k: audio[k] for k in ("id", "expires_at") if audio.get(k) is not None}}
