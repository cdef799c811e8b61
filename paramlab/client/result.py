"""What one request produced: choices, usage and measurements."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FINISH_REASONS = {
    "stop": "Finished naturally or hit a stop sequence.",
    "length": "Cut off: reached max_tokens / max_completion_tokens (or the context window).",
    "content_filter": "Withheld or cut by the provider's content filter.",
    "tool_calls": "The model asked to call a tool instead of answering.",
    "function_call": "The model asked to call a function (legacy form of tool_calls).",
    None: "Missing: the server never said why the reply ended (truncated or stopped).",
}


def explain_finish_reason(reason: str | None) -> str:
    return FINISH_REASONS.get(reason, f"Backend-specific reason {reason!r}.")


@dataclass
class Choice:
    index: int
    text: str = ""
    role: str = "assistant"
    finish_reason: str | None = None
    logprobs: list[dict] = field(default_factory=list)  # OpenAI's logprobs.content entries
    tool_calls: list[dict] = field(default_factory=list)
    refusal: str | None = None


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    estimated: bool = False  # True when ParamLab counted, not the server

    @classmethod
    def from_api(cls, u: dict | None) -> "Usage | None":
        if not isinstance(u, dict):
            return None
        pd = u.get("prompt_tokens_details") or {}
        cd = u.get("completion_tokens_details") or {}
        return cls(u.get("prompt_tokens"), u.get("completion_tokens"), u.get("total_tokens"),
                   pd.get("cached_tokens") if isinstance(pd, dict) else None,
                   cd.get("reasoning_tokens") if isinstance(cd, dict) else None)

    def add(self, other: "Usage") -> "Usage":
        """Combine usage reported per choice (llama.cpp sends one usage chunk per child task)."""
        def s(a, b):
            return None if a is None and b is None else (a or 0) + (b or 0)
        prompt = max(self.prompt_tokens or 0, other.prompt_tokens or 0) if (
            self.prompt_tokens is not None or other.prompt_tokens is not None) else None
        completion = s(self.completion_tokens, other.completion_tokens)
        total = None if prompt is None and completion is None else (prompt or 0) + (completion or 0)
        return Usage(prompt, completion, total, self.cached_tokens, s(self.reasoning_tokens, other.reasoning_tokens),
                     self.estimated or other.estimated)


@dataclass
class Metrics:
    started_at: float = 0.0          # unix time the request was sent
    ttft_s: float | None = None      # time to first content token
    latency_s: float | None = None   # until the last byte
    tokens_per_s: float | None = None  # completion tokens / generation time
    attempts: int = 1
    request_id: str | None = None
    rate_limits: dict[str, str] = field(default_factory=dict)
    cost: float | None = None        # filled by pricing when known; None means unknown


@dataclass
class ChatResult:
    status: str = "ok"  # ok | truncated | stopped | error
    choices: list[Choice] = field(default_factory=list)
    usage: Usage | None = None
    id: str | None = None
    model: str | None = None
    created: int | None = None
    system_fingerprint: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    error: str | None = None          # message, already free of secrets
    error_class: str | None = None
    request: dict[str, Any] = field(default_factory=dict)  # body sent
    request_headers: dict[str, str] = field(default_factory=dict)  # masked
    raw: Any = None  # the JSON response, or a capped list of SSE lines
    stream: bool = False

    @property
    def finish_reasons(self) -> list[str | None]:
        return [c.finish_reason for c in self.choices]

    def texts(self) -> list[str]:
        return [c.text for c in self.choices]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ChatResult":
        d = dict(d)
        d["choices"] = [Choice(**c) for c in d.get("choices") or []]
        d["usage"] = Usage(**d["usage"]) if d.get("usage") else None
        d["metrics"] = Metrics(**(d.get("metrics") or {}))
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in known})
