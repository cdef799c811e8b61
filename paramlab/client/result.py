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


# Values some servers send instead of OpenAI's
NONSTANDARD = {
    "eos": "The model produced its end-of-sequence token: a natural end (OpenAI calls it 'stop').",
    "eos_token": "The model produced its end-of-sequence token: a natural end (OpenAI calls it 'stop').",
    "stop_sequence": "Hit one of the stop sequences (OpenAI calls it 'stop').",
    "end_turn": "The model ended its turn: a natural end (OpenAI calls it 'stop').",
    "max_tokens": "Cut off at the token limit (OpenAI calls it 'length').",
    "model_length": "Cut off at the model's context window.",
    "abort": "The server aborted the generation.",
    "error": "The server reported an error while generating.",
    "tool_use": "The model asked to call a tool (OpenAI calls it 'tool_calls').",
    "refusal": "The model refused to answer.",
    "recitation": "Withheld by the provider's recitation filter.",
    "safety": "Withheld by the provider's safety filter.",
}


def explain_finish_reason(reason: str | None) -> str:
    if reason in FINISH_REASONS:
        return FINISH_REASONS[reason]
    text = str(reason)
    if text.lower() in NONSTANDARD:
        return NONSTANDARD[text.lower()]
    if text.lstrip("-").isdigit():
        return (f"The server gave a numeric stop reason ({text}), not one of OpenAI's words; "
                "it is the backend's own code for why the reply ended.")
    return f"Backend-specific reason {text!r}: not one of OpenAI's values."


# A reply that ended early has no finish_reason because nobody let the server finish: say so,
# rather than blaming the server for not saying why (FINISH_REASONS[None]).
ENDED_EARLY = {
    "stopped": "You stopped the stream, so the server never finished this reply.",
    "truncated": "The stream was cut before the server said why the reply ended.",
}


def finish_note(reason: str | None, status: str = "ok") -> tuple[str, str]:
    """(the finish_reason as shown, what it means) for a reply whose request ended with `status`."""
    if reason is None and status in ENDED_EARLY:
        return "none", ENDED_EARLY[status]
    return reason or "missing", explain_finish_reason(reason)


@dataclass
class Choice:
    index: int
    text: str = ""
    role: str = "assistant"
    finish_reason: str | None = None
    logprobs: list[dict] = field(default_factory=list)  # OpenAI's logprobs.content entries
    # [{"id", "type", "name", "arguments" (the JSON text exactly as sent)}], in call order
    tool_calls: list[dict] = field(default_factory=list)
    refusal: str | None = None
    reasoning: str = ""  # the model's thinking, from whichever field the server used
    extra_parts: list[dict] = field(default_factory=list)  # content parts of unknown types, for the inspector
    # a spoken reply (modalities ["text", "audio"]): {"id", "expires_at", "transcript", "data"}, data
    # the base64 of all its audio bytes (a stream's pieces joined), to play in the page
    audio: dict[str, Any] | None = None


@dataclass
class Usage:
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    cached_tokens: int | None = None      # part of prompt_tokens read from the provider's cache
    reasoning_tokens: int | None = None   # part of completion_tokens spent thinking
    estimated: bool = False  # True when ParamLab counted, not the server
    # More parts of the same two counts, as billed (None = the server did not say):
    cache_write_tokens: int | None = None   # prompt tokens written to the cache (Anthropic, OpenRouter)
    audio_input_tokens: int | None = None   # prompt_tokens_details.audio_tokens
    audio_output_tokens: int | None = None  # completion_tokens_details.audio_tokens
    accepted_prediction_tokens: int | None = None  # predicted output that matched (billed as output)
    rejected_prediction_tokens: int | None = None  # predicted output that did not (still billed)
    source: str = "usage"    # where the server put it: "usage", or e.g. "x_groq.usage" (Groq)
    billed: float | None = None  # what the provider says it charged, in US dollars (see _billed)

    @classmethod
    def from_api(cls, u: dict | None, source: str = "usage") -> "Usage | None":
        if not isinstance(u, dict):
            return None
        pd = u.get("prompt_tokens_details")
        cd = u.get("completion_tokens_details")
        pd, cd = (pd if isinstance(pd, dict) else {}), (cd if isinstance(cd, dict) else {})
        return cls(
            _count(u.get("prompt_tokens")), _count(u.get("completion_tokens")), _count(u.get("total_tokens")),
            # DeepSeek says prompt_cache_hit_tokens; Anthropic-shaped gateways cache_read_input_tokens;
            # the Hugging Face router puts cached_tokens at the top level.
            _first(pd.get("cached_tokens"), u.get("prompt_cache_hit_tokens"), u.get("cache_read_input_tokens"),
                   u.get("cached_tokens")),
            _first(cd.get("reasoning_tokens"), u.get("reasoning_tokens")),
            cache_write_tokens=_first(pd.get("cache_write_tokens"), pd.get("cache_creation_tokens"),
                                      u.get("cache_creation_input_tokens")),
            audio_input_tokens=_count(pd.get("audio_tokens")),
            audio_output_tokens=_count(cd.get("audio_tokens")),
            accepted_prediction_tokens=_count(cd.get("accepted_prediction_tokens")),
            rejected_prediction_tokens=_count(cd.get("rejected_prediction_tokens")),
            source=source, billed=_billed(u))

    def add(self, other: "Usage") -> "Usage":
        """Combine usage reported per choice (llama.cpp sends one usage chunk per child task):
        the prompt is shared (its parts kept once), completions add up."""
        def s(a, b):
            return None if a is None and b is None else (a or 0) + (b or 0)

        def once(a, b):
            return a if a is not None else b
        prompt = max(self.prompt_tokens or 0, other.prompt_tokens or 0) if (
            self.prompt_tokens is not None or other.prompt_tokens is not None) else None
        completion = s(self.completion_tokens, other.completion_tokens)
        total = None if prompt is None and completion is None else (prompt or 0) + (completion or 0)
        return Usage(prompt, completion, total, once(self.cached_tokens, other.cached_tokens),
                     s(self.reasoning_tokens, other.reasoning_tokens), self.estimated or other.estimated,
                     cache_write_tokens=once(self.cache_write_tokens, other.cache_write_tokens),
                     audio_input_tokens=once(self.audio_input_tokens, other.audio_input_tokens),
                     audio_output_tokens=s(self.audio_output_tokens, other.audio_output_tokens),
                     accepted_prediction_tokens=s(self.accepted_prediction_tokens, other.accepted_prediction_tokens),
                     rejected_prediction_tokens=s(self.rejected_prediction_tokens, other.rejected_prediction_tokens),
                     source=self.source, billed=s(self.billed, other.billed))

    @property
    def reported(self) -> bool:
        """Whether it holds any count at all (some servers send a usage object of nulls)."""
        return any(v is not None for v in (self.prompt_tokens, self.completion_tokens, self.total_tokens))


def _count(v: Any) -> int | None:
    """A token count as the server sent it, or None for anything that is not a count."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v < 0:
        return None
    return int(v)


def _billed(u: dict) -> float | None:
    """The provider's own charge for the request: OpenRouter's usage.cost (dollars; with your own
    key, BYOK, it is only OpenRouter's fee, so None), xAI's usage.cost_in_usd_ticks (1e-10 dollars)
    or Perplexity's usage.cost object (dollars; its total_cost includes a per-request search fee)."""
    def amount(v: Any) -> float | None:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and 0 <= v < float("inf")
        return float(v) if ok else None
    ticks = amount(u.get("cost_in_usd_ticks"))
    if ticks is not None:
        return ticks * 1e-10
    cost = u.get("cost")
    if isinstance(cost, dict):
        return amount(cost.get("total_cost"))
    return None if u.get("is_byok") else amount(cost)


def _first(*values: Any) -> int | None:
    for v in values:
        if (c := _count(v)) is not None:
            return c
    return None


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
    cost_parts: dict[str, Any] = field(default_factory=dict)  # pricing's breakdown: parts, price, tier


@dataclass
class ChatResult:
    status: str = "ok"  # ok | truncated | stopped | error
    choices: list[Choice] = field(default_factory=list)
    usage: Usage | None = None
    id: str | None = None
    model: str | None = None
    created: int | None = None
    system_fingerprint: str | None = None
    service_tier: str | None = None   # the tier the response says served it (default, flex, priority...)
    metrics: Metrics = field(default_factory=Metrics)
    error: str | None = None          # message, already free of secrets
    error_class: str | None = None
    # the API error's status, message (free of secrets), type, code and param, to relay it as it was
    error_info: dict[str, Any] | None = None
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
        d["choices"] = [_known(Choice, c) for c in d.get("choices") or []]
        d["usage"] = _known(Usage, d["usage"]) if d.get("usage") else None
        d["metrics"] = _known(Metrics, d.get("metrics") or {})
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in known})


def _known(cls, d: dict[str, Any]):
    """Rebuild a dataclass from saved fields, ignoring fields a later version dropped."""
    if not isinstance(d, dict):
        raise TypeError(f"{cls.__name__} must be an object, got {type(d).__name__}")
    return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})
