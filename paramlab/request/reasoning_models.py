"""Reasoning models and the parameters they reject, known before sending; and the recovery
when a 400 names an unsupported parameter or value (OpenAI's `param` with `code`
unsupported_parameter / unsupported_value).

The families come from the providers' documentation: OpenAI's o-series and gpt-5 family answer
400 to the sampling parameters, logprobs and max_tokens; gpt-5.1 and later accept the sampling
parameters and logprobs again when reasoning_effort is "none". DeepSeek's reasoner ignores the
sampling parameters silently and rejects logprobs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from paramlab.errors import parse_error_payload
from paramlab.request.schema import PARAMS

UNSUPPORTED_CODES = ("unsupported_parameter", "unsupported_value")
_SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs",
             "logit_bias")


@dataclass(frozen=True)
class Family:
    name: str
    pattern: re.Pattern
    rejects: dict[str, str] = field(default_factory=dict)   # parameter -> why (a 400)
    ignores: dict[str, str] = field(default_factory=dict)   # parameter -> why (silently dropped)
    sampling_ok_without_reasoning: bool = False  # reasoning_effort "none" re-enables sampling


def _openai_rejects(who: str) -> dict[str, str]:
    out = {p: f"{who} reject {p} (400 unsupported_value / unsupported_parameter)" for p in _SAMPLING}
    out["temperature"] = f"{who} accept only the default temperature 1; any other value is a 400"
    out["max_tokens"] = f"{who} reject max_tokens: use max_completion_tokens (it also counts reasoning tokens)"
    out["stop"] = f"some {who} reject stop"
    return out


FAMILIES = (
    Family("OpenAI o-series", re.compile(r"^(?:openai/)?o\d(?:$|[-.])", re.I), _openai_rejects("o-series models")),
    Family("OpenAI gpt-5.1+", re.compile(r"^(?:openai/)?gpt-5\.\d+(?!.*-chat)", re.I),
           _openai_rejects("gpt-5.1 and later models (unless reasoning_effort is none)"),
           sampling_ok_without_reasoning=True),
    Family("OpenAI gpt-5", re.compile(r"^(?:openai/)?gpt-5(?!-chat)(?:$|[-])", re.I), _openai_rejects("gpt-5 models")),
    Family("DeepSeek reasoner", re.compile(r"^(?:deepseek/)?deepseek-(?:reasoner|r1)", re.I),
           {p: "deepseek-reasoner answers 400 to logprobs / top_logprobs" for p in ("logprobs", "top_logprobs")},
           {p: f"deepseek-reasoner ignores {p} (no error, no effect)" for p in
            ("temperature", "top_p", "presence_penalty", "frequency_penalty")}),
)


def family(model: str | None) -> Family | None:
    """The reasoning-model family of `model`, or None when it is not known to be one."""
    if not model:
        return None
    for f in FAMILIES:
        if f.pattern.search(model.strip()):
            return f
    return None


def is_reasoning_model(model: str | None) -> bool:
    return family(model) is not None


def warnings(model: str | None, params: Mapping[str, Any]) -> dict[str, str]:
    """Set parameters the model is known to reject or ignore: name -> warning text."""
    f = family(model)
    if f is None:
        return {}
    no_reasoning = f.sampling_ok_without_reasoning and params.get("reasoning_effort") == "none"
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if name in f.rejects and not (no_reasoning and name in _SAMPLING):
            if name == "temperature" and value == 1:
                continue  # the default is accepted
            out[name] = f.rejects[name]
        elif name in f.ignores:
            out[name] = f.ignores[name]
    return out


@dataclass(frozen=True)
class Unsupported:
    param: str      # the top-level request field to untick
    code: str
    message: str
    field: str = ""  # the field as the server named it: "temperature", "messages[0].role"

    @property
    def remedy(self) -> str | None:
        """What resending without it means, as a button label; None when there is nothing to untick
        (a message's role or content: the conversation itself has to change)."""
        if self.param in TRANSPORT:
            return TRANSPORT[self.param]
        if self.param in PARAMS:
            return f"Untick {self.param} and resend"
        return None


# Request fields the Playground sets from its toggles, not from the panel.
TRANSPORT = {"stream": "Resend without streaming",
             "stream_options": "Resend without stream_options (no usage in the stream)"}


def unsupported(payload: Any, status: int | None = 400) -> Unsupported | None:
    """The parameter a 400 says is unsupported, from its error body; None for other errors."""
    if status not in (None, 400):
        return None
    info = parse_error_payload(payload)
    if info is None or info.code not in UNSUPPORTED_CODES or not info.param:
        return None
    return _named(info.param, info.code, info.message)


def _named(field: str, code: str, message: str) -> Unsupported:
    return Unsupported(re.split(r"[.\[]", field, maxsplit=1)[0], code, message, field)


def unsupported_in(result: Mapping[str, Any] | None) -> Unsupported | None:
    """The same, from a finished ChatResult (as a dict): its error_info's status, code and param."""
    info = (result or {}).get("error_info") or {}
    if info.get("status") != 400 or info.get("code") not in UNSUPPORTED_CODES or not info.get("param"):
        return None
    return _named(info["param"], info["code"], info.get("message") or "")


def without(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The parameters with `name` unticked (unset: not sent)."""
    out = dict(params)
    out[name] = None
    if name == "logprobs":
        out["top_logprobs"] = None  # needs logprobs
    return out
