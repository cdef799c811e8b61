"""Where servers put a reply's reasoning ("thinking") text, and its content parts.

- `reasoning_content`: DeepSeek, vLLM, Qwen/DashScope, llama.cpp (with --reasoning-format)
- `reasoning`: OpenRouter, Groq, Ollama, LM Studio
- `reasoning_details`: OpenRouter's typed list (reasoning.text / reasoning.summary; encrypted parts skipped);
  it repeats `reasoning`, so it is read only when neither string field is present
- content as a list of parts: Mistral's {"type": "thinking", "thinking": [{"type": "text", ...}]},
  {"type": "text"}, {"type": "refusal"}; any other part is kept for the inspector
- a leading `<think>…</think>` block in the text (DeepSeek-R1 and Qwen served raw)
"""
from __future__ import annotations

import json

from dataclasses import dataclass, field
from typing import Any

OPEN, CLOSE = "<think>", "</think>"


def reasoning_of(obj: dict[str, Any]) -> str:
    """Reasoning text carried beside `content` in a delta or message."""
    for key in ("reasoning_content", "reasoning"):
        v = obj.get(key)
        if isinstance(v, str) and v:
            return v
    if any(isinstance(obj.get(k), str) for k in ("reasoning_content", "reasoning")):
        return ""  # present but empty: reasoning_details only repeats it
    details = obj.get("reasoning_details")
    if isinstance(details, list):
        out = []
        for d in details:
            if isinstance(d, dict):
                t = d.get("text") if d.get("type") != "reasoning.summary" else d.get("summary")
                if isinstance(t, str):
                    out.append(t)
        return "".join(out)
    return ""


@dataclass
class Parts:
    text: str = ""
    reasoning: str = ""
    refusal: str = ""
    other: list[dict] = field(default_factory=list)


def split_content(content: Any) -> Parts:
    """`content` as a string, null, or a list of typed parts."""
    if content is None:
        return Parts()
    if isinstance(content, str):
        return Parts(text=content)
    if isinstance(content, dict) and "type" not in content:
        # the JSON itself in place of its text (Cloudflare Workers AI with a json_schema
        # response_format): shown, counted and validated as the text a server would have sent
        return Parts(text=json.dumps(content, ensure_ascii=False, separators=(",", ":")))
    if isinstance(content, dict):
        content = [content]
    p = Parts()
    if not isinstance(content, list):
        p.text = str(content)
        return p
    for part in content:
        if isinstance(part, str):
            p.text += part
            continue
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind in ("text", "output_text") and isinstance(part.get("text"), str):
            p.text += part["text"]
        elif kind in ("thinking", "reasoning"):
            p.reasoning += _thinking_text(part.get("thinking", part.get("text", part.get("reasoning"))))
        elif kind == "refusal":
            p.refusal += str(part.get("refusal") or "")
        else:
            p.other.append(part)
    return p


def _thinking_text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "".join(_thinking_text(x.get("text") if isinstance(x, dict) else x) for x in v)
    return ""


class ThinkSplitter:
    """Routes a streamed text that opens with `<think>` into reasoning until `</think>`, live.

    Text is held back only while it could still be the start of a tag (a reply whose first
    token is "<"); leading whitespace is released at once."""

    def __init__(self) -> None:
        self.state = "start"  # start | thinking | text
        self._held = ""

    def feed(self, text: str) -> tuple[str, str]:
        """(reply text, reasoning text) released by this piece."""
        if self.state == "text":
            return text, ""
        buf = self._held + text
        self._held = ""
        if self.state == "start":
            stripped = buf.lstrip()
            if not stripped:  # whitespace only: released at once (never delay a token), tag may follow
                return buf, ""
            if stripped.startswith(OPEN):
                self.state = "thinking"
                buf = stripped[len(OPEN):]
            elif OPEN.startswith(stripped):
                self._held = buf  # maybe the start of "<think>"
                return "", ""
            else:
                self.state = "text"
                return buf, ""
        end = buf.find(CLOSE)
        if end >= 0:
            self.state = "text"
            return buf[end + len(CLOSE):].lstrip("\n"), buf[:end]
        keep = _partial_suffix(buf, CLOSE)
        self._held = buf[len(buf) - keep:] if keep else ""
        return "", buf[:len(buf) - keep]

    def close(self) -> tuple[str, str]:
        held, self._held = self._held, ""
        if self.state == "thinking":
            return "", held
        return held, ""


def _partial_suffix(text: str, tag: str) -> int:
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


def split_think(text: str) -> tuple[str, str]:
    """(reply, reasoning) of a whole text that may open with a <think> block."""
    s = ThinkSplitter()
    a, r = s.feed(text)
    a2, r2 = s.close()
    return a + a2, (r + r2).strip("\n")
