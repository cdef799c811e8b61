"""Assembling streamed chunks into choices.

Choices are keyed by `index` because with n > 1 the chunks of different choices interleave.
Usage comes from a chunk with `choices: []` (stream_options.include_usage); llama.cpp sends
one such chunk per choice, so several are added up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paramlab.client.result import Choice, Usage


@dataclass(frozen=True, slots=True)
class Delta:
    index: int
    text: str
    logprobs: list[dict] | None = None


class ChunkAssembler:
    def __init__(self) -> None:
        self.choices: dict[int, Choice] = {}
        self.usage: Usage | None = None
        self.id: str | None = None
        self.model: str | None = None
        self.created: int | None = None
        self.system_fingerprint: str | None = None
        self.service_tier: str | None = None
        self.saw_content = False

    def add(self, chunk: dict[str, Any]) -> list[Delta]:
        self.id = self.id or chunk.get("id")
        self.model = self.model or chunk.get("model")
        self.created = self.created or chunk.get("created")
        self.system_fingerprint = chunk.get("system_fingerprint") or self.system_fingerprint
        self.service_tier = service_tier(chunk) or self.service_tier
        usage = Usage.from_api(chunk.get("usage"))
        if usage is not None:
            self.usage = usage if self.usage is None else self.usage.add(usage)
        deltas: list[Delta] = []
        for c in chunk.get("choices") or ():
            idx = c.get("index", 0)
            choice = self.choices.get(idx)
            if choice is None:
                choice = self.choices[idx] = Choice(index=idx)
            delta = c.get("delta") or {}
            if delta.get("role"):
                choice.role = delta["role"]
            text = delta.get("content")
            lp = (c.get("logprobs") or {}).get("content") if isinstance(c.get("logprobs"), dict) else None
            if lp:
                choice.logprobs.extend(lp)
            if delta.get("refusal"):
                choice.refusal = (choice.refusal or "") + delta["refusal"]
            for tc in delta.get("tool_calls") or ():
                _merge_tool_call(choice.tool_calls, tc)
            if text:
                choice.text += text
                self.saw_content = True
                deltas.append(Delta(idx, text, lp))
            if c.get("finish_reason"):
                choice.finish_reason = c["finish_reason"]
        return deltas

    def ordered(self) -> list[Choice]:
        return [self.choices[i] for i in sorted(self.choices)]

    def partial_texts(self) -> dict[int, str]:
        return {i: c.text for i, c in self.choices.items()}


def service_tier(payload: Any) -> str | None:
    """The tier a response says served it (priced per tier), or None."""
    tier = payload.get("service_tier") if isinstance(payload, dict) else None
    return tier if isinstance(tier, str) and tier else None


def _merge_tool_call(calls: list[dict], tc: dict) -> None:
    i = tc.get("index", len(calls))
    while len(calls) <= i:
        calls.append({"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
    call = calls[i]
    call["id"] = tc.get("id") or call["id"]
    fn = tc.get("function") or {}
    call["function"]["name"] += fn.get("name") or ""
    call["function"]["arguments"] += fn.get("arguments") or ""


def choices_from_response(payload: dict[str, Any]) -> list[Choice]:
    out = []
    for c in payload.get("choices") or ():
        msg = c.get("message") or {}
        lp = c.get("logprobs")
        out.append(Choice(index=c.get("index", len(out)), text=msg.get("content") or "",
                          role=msg.get("role") or "assistant", finish_reason=c.get("finish_reason"),
                          logprobs=list((lp or {}).get("content") or []) if isinstance(lp, dict) else [],
                          tool_calls=list(msg.get("tool_calls") or []), refusal=msg.get("refusal")))
    return sorted(out, key=lambda c: c.index)
