"""One declarative definition of every Chat Completions request parameter.

The UI panel, validation, presets and code export are all generated from PARAMS.
A parameter whose value is None is "unset" and is left out of the request JSON.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from paramlab.backends import registry
from paramlab.request import checks, structured
from paramlab.request import messages as msgs
from paramlab.request.fields import FieldError, ValidationError

ROLES = msgs.ROLES


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # float | int | bool | str | choice | stop | logit_bias | response_format | stream_options,
    #            or a structure checked in checks.CHECKS (tools, tool_choice, metadata, audio, …)
    default: Any  # the API's own default (what the server does when the field is unset)
    short: str
    long: str
    group: str = "Sampling"
    min: float | None = None
    max: float | None = None
    step: float | None = None
    choices: tuple = ()
    ignored_by: tuple[str, ...] = ()  # unused: what a backend ignores lives in paramlab.backends
    backend_note: str = ""
    replaced_by: str = ""  # deprecated: the parameter(s) to use instead
    max_len: int | None = None  # longest accepted text (kind "str")
    unset: str = ""  # what the server does when the field is left out (where there is no one default value)


PARAMS: dict[str, Param] = {p.name: p for p in [
    Param("temperature", "float", 1.0,
          "Randomness of sampling: 0 ≈ greedy, higher spreads probability to less likely tokens.",
          "Divides the logits before softmax. 0 picks the most likely token every time (greedy); 1 "
          "samples from the model's own distribution; above 1 flattens it and the text gets erratic. "
          "Change temperature or top_p, not usually both.",
          min=0.0, max=2.0, step=0.05),
    Param("top_p", "float", 1.0,
          "Nucleus sampling: sample only from the smallest token set whose probability reaches p.",
          "Tokens are sorted by probability and kept until their cumulative probability reaches "
          "top_p; the rest can never be sampled. 1 keeps everything. Change top_p or temperature, "
          "not usually both.",
          min=0.0, max=1.0, step=0.01),
    Param("n", "int", 1,
          "How many independent choices to return for the same prompt (not a length).",
          "Each choice is sampled independently from the same prompt and billed separately: "
          "completion tokens grow n-fold. Useful with temperature > 0 to see the spread of answers.",
          min=1, max=128, step=1),
    Param("max_tokens", "int", None,
          "Upper bound on generated tokens per choice; reaching it gives finish_reason 'length'.",
          "Bounds the completion only, not the prompt. Deprecated by OpenAI in favour of "
          "max_completion_tokens and rejected by its reasoning models.",
          group="Length", min=1, max=1_000_000, step=1, replaced_by="max_completion_tokens",
          unset="no cap but the context window"),
    Param("max_completion_tokens", "int", None,
          "Newer name for max_tokens; on reasoning models it also counts reasoning tokens.",
          "Upper bound on tokens generated for a choice, including hidden reasoning tokens on "
          "reasoning models. Ollama does not accept it.",
          group="Length", min=1, max=1_000_000, step=1, unset="no cap but the context window"),
    Param("stop", "stop", None,
          "Up to 4 strings; generation stops before any of them, and it is not included.",
          "When the model is about to emit one of these strings, generation ends with "
          "finish_reason 'stop'. The stop text itself is not part of the reply.",
          group="Length", unset="no stop sequence"),
    Param("presence_penalty", "float", 0.0,
          "Subtracts a flat amount from the logit of every token that has appeared already.",
          "logit −= presence_penalty × [count > 0]. Positive values push the model to new topics; "
          "negative values make repetition more likely. Range −2 to 2.",
          group="Penalties", min=-2.0, max=2.0, step=0.1),
    Param("frequency_penalty", "float", 0.0,
          "Subtracts an amount proportional to how often a token has appeared already.",
          "logit −= frequency_penalty × count. Positive values reduce verbatim repetition in "
          "proportion to it. Range −2 to 2.",
          group="Penalties", min=-2.0, max=2.0, step=0.1),
    Param("logit_bias", "logit_bias", None,
          "Map of token id → bias (−100..100) added to that token's logit.",
          "Keys are token ids of the model's own tokenizer, not words. −100 effectively bans a "
          "token and +100 effectively forces it; small values nudge.",
          group="Penalties", min=-100, max=100, unset="no bias"),
    Param("seed", "int", None,
          "Integer seed for best-effort reproducible sampling.",
          "The same seed and parameters should give the same reply; compare system_fingerprint "
          "between runs, because a backend change breaks reproducibility.",
          group="Other", min=-(2**63), max=2**63 - 1, step=1,
          unset="a new random seed each request"),
    Param("user", "str", None,
          "An id for your end user, for the provider's abuse monitoring (deprecated).",
          "Free text sent to the provider; it does not change the reply. Deprecated by OpenAI: use "
          "safety_identifier for abuse monitoring and prompt_cache_key for cache routing.",
          group="Other", replaced_by="safety_identifier / prompt_cache_key", unset="none"),
    Param("response_format", "response_format", None,
          "Force plain text, any JSON object, or JSON matching a schema.",
          "{'type': 'json_object'} makes the model emit valid JSON (tell it so in the prompt too); "
          "{'type': 'json_schema', 'json_schema': {name, schema, strict}} constrains it to a schema; "
          "ParamLab validates the reply against it.",
          group="Other", choices=structured.TYPES, unset="plain text"),
    Param("logprobs", "bool", None,
          "Return the log probability of each generated token.",
          "When true, each choice carries the log probability of every token it generated, "
          "which ParamLab shows as a coloured heatmap.",
          group="Log probabilities", unset="false, no probabilities returned"),
    Param("top_logprobs", "int", None,
          "With logprobs, also return the n most likely alternatives at each position (0–20).",
          "Needs logprobs=true. ParamLab shows the alternatives when you hover a token.",
          group="Log probabilities", min=0, max=20, step=1, unset="no alternatives returned"),
    # -- today's parameters (2024-2026) ---------------------------------------------------------
    Param("reasoning_effort", "choice", None,
          "How much a reasoning model thinks before answering: none … xhigh (max on some backends).",
          "Reasoning models spend hidden reasoning tokens before the visible reply; more effort usually "
          "means better answers to hard questions, more latency and more completion tokens (reasoning "
          "tokens are billed as completion tokens and count against max_completion_tokens). 'none' turns "
          "reasoning off on gpt-5.1 and later; 'minimal' is the least on gpt-5; 'max' exists only on some "
          "backends. Non-reasoning models reject it.",
          group="Reasoning", choices=("none", "minimal", "low", "medium", "high", "xhigh", "max"),
          unset="the model's own (medium on most reasoning models, none on gpt-5.1)"),
    Param("verbosity", "choice", None,
          "How long and detailed the visible answer is: low, medium (default) or high.",
          "A hint to gpt-5-family models about the length of the final answer, independent of "
          "reasoning_effort. Other models reject or ignore it; use max_completion_tokens for a hard limit.",
          group="Reasoning", choices=("low", "medium", "high"), unset="medium"),
    Param("tools", "tools", None,
          "Function tools the model may call: name, description, JSON-schema parameters, strict.",
          "Each tool is {type: function, function: {name, description, parameters, strict}}. The model "
          "answers with tool_calls (finish_reason 'tool_calls') instead of text; your code runs the tool and "
          "sends the result back in a 'tool' turn. Replaces functions.",
          group="Tools", unset="no tools"),
    Param("tool_choice", "tool_choice", None,
          "Whether the model must call a tool: none, auto, required, or one named function.",
          "auto (the default with tools) lets the model decide; required forces at least one call; a named "
          "function forces that one; none forbids calls. Replaces function_call.",
          group="Tools", unset="auto with tools, none without"),
    Param("parallel_tool_calls", "bool", None,
          "Allow several tool calls in one reply (default true).",
          "When false the model calls at most one tool per turn. Strict function schemas need it false "
          "on some models.",
          group="Tools", unset="true"),
    Param("functions", "functions", None,
          "Deprecated: the old list of function definitions.",
          "The 2023 form of tools: bare {name, description, parameters}. Still accepted by OpenAI for older "
          "models; use tools instead.",
          group="Tools", replaced_by="tools", unset="none"),
    Param("function_call", "function_call", None,
          "Deprecated: none, auto or {name} — the old form of tool_choice.",
          "Controls calls to the functions list. Use tool_choice with tools instead.",
          group="Tools", replaced_by="tool_choice", unset="auto with functions, none without"),
    Param("modalities", "modalities", None,
          "Output kinds: [\"text\"] or [\"text\", \"audio\"] (audio models only).",
          "With audio in the list, an audio-capable model (gpt-4o-audio-preview, gpt-audio) also speaks "
          "its reply; set audio {voice, format} too. ParamLab plays it and shows the transcript.",
          group="Output", choices=("text", "text+audio"), unset="text only"),
    Param("audio", "audio", None,
          "Spoken reply settings: voice and format (wav, aac, mp3, flac, opus, pcm16).",
          "Required when modalities includes audio. The reply carries base64 audio and its transcript.",
          group="Output", unset="no audio"),
    Param("prediction", "prediction", None,
          "Predicted output: text the reply will mostly repeat, to speed it up.",
          "{type: 'content', content}. When most of the reply is known in advance (editing a file), "
          "matching tokens are accepted quickly; rejected prediction tokens are still billed.",
          group="Output", unset="none"),
    Param("web_search_options", "web_search_options", None,
          "Search models only: how much web context to fetch, and the user's approximate location.",
          "{search_context_size: low | medium | high, user_location: {type: approximate, approximate: "
          "{city, country, region, timezone}}}. Only search models (gpt-4o-search-preview …) accept it.",
          group="Output", unset="the search model's own (medium search context)"),
    Param("service_tier", "choice", None,
          "Processing tier: auto, default, flex (cheaper, slower), priority or scale.",
          "The response says which tier served the request; flex and priority change the price.",
          group="Other", choices=("auto", "default", "flex", "priority", "scale"),
          unset="auto: the project's setting, normally default"),
    Param("store", "bool", None,
          "Keep the completion on OpenAI for distillation and evals.",
          "Stored completions appear in the provider's dashboard; metadata tags them.",
          group="Other", unset="false, not stored"),
    Param("metadata", "metadata", None,
          "Up to 16 key–value tags (keys ≤ 64, values ≤ 512 characters) for stored completions.",
          "Tags for filtering stored completions in the provider's dashboard; they do not change the reply.",
          group="Other", unset="none"),
    Param("prompt_cache_key", "str", None,
          "A key that routes similar requests to the same prompt cache (replaces user for caching).",
          "Requests sharing a long common prefix and the same key hit the cache more often: lower "
          "latency and cheaper cached input tokens.",
          group="Other", unset="none; the cache still matches on the prompt's prefix"),
    Param("prompt_cache_retention", "choice", None,
          "How long a cached prompt prefix is kept: in_memory (minutes) or 24h (extended caching).",
          "Unset, the provider keeps cached prefixes in memory for 5–10 minutes of inactivity (at most an "
          "hour); 24h keeps them up to a day on models that support it, at the same cached-input price.",
          group="Other", choices=("in_memory", "24h"),
          unset="in memory, 5–10 minutes of inactivity"),
    Param("safety_identifier", "str", None,
          "A stable, hashed id of your end user for abuse monitoring (≤ 64 characters; replaces user).",
          "Lets the provider attribute policy violations to one of your users instead of your whole "
          "organisation. Send a hash, never an email address.",
          group="Other", max_len=64, unset="none"),
    Param("stream", "bool", None,
          "Receive the reply token by token as server-sent events.",
          "Streaming shows text as it is generated and lets ParamLab measure time to first token.",
          group="Transport", unset="false, one whole reply"),
    Param("stream_options", "stream_options", None,
          "With stream, {'include_usage': true} asks for token usage in a final chunk.",
          "Some proxies and Azure reject stream_options; turn it off for them. include_obfuscation "
          "(default true on OpenAI) pads each chunk with random characters against side channels; "
          "false saves bandwidth on a trusted network.",
          group="Transport", unset="no usage chunk; obfuscation on (OpenAI)"),
]}

SAMPLING_NAMES = tuple(n for n in PARAMS if n not in ("stream", "stream_options"))
# Backend extensions (top_k, min_p, ...): declared per backend in paramlab.backends, kept in the
# same params dict, validated here and sent only to a backend that accepts them.
EXTENSION_NAMES = registry.EXTENSION_NAMES
KNOWN_NAMES = SAMPLING_NAMES + EXTENSION_NAMES


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _check_range(p: Param, v: Any, errors: list[FieldError]) -> None:
    if v != v:  # NaN passes every comparison and would be sent as null
        errors.append(FieldError(p.name, "must be a number, got NaN"))
    elif p.min is not None and v < p.min or p.max is not None and v > p.max:
        errors.append(FieldError(p.name, f"must be between {_fmt(p.min)} and {_fmt(p.max)}, got {v!r}"))


def _fmt(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def _check_one(p: Param, v: Any, errors: list[FieldError]) -> None:
    if p.kind == "float":
        if not _is_number(v):
            errors.append(FieldError(p.name, f"must be a number, got {v!r}"))
        else:
            _check_range(p, v, errors)
    elif p.kind == "int":
        if not _is_int(v):
            errors.append(FieldError(p.name, f"must be an integer, got {v!r}"))
        else:
            _check_range(p, v, errors)
    elif p.kind == "bool":
        if not isinstance(v, bool):
            errors.append(FieldError(p.name, f"must be true or false, got {v!r}"))
    elif p.kind == "str":
        if not isinstance(v, str):
            errors.append(FieldError(p.name, f"must be a string, got {v!r}"))
        elif p.max_len is not None and len(v) > p.max_len:
            errors.append(FieldError(p.name, f"at most {p.max_len} characters, got {len(v)}"))
    elif p.kind == "choice":
        if v not in p.choices:
            errors.append(FieldError(p.name, f"must be one of {', '.join(p.choices)}, got {v!r}"))
    elif p.kind in checks.CHECKS:
        checks.CHECKS[p.kind](v, errors)
    elif p.kind == "stop":
        _check_stop(v, errors)
    elif p.kind == "logit_bias":
        _check_logit_bias(p, v, errors)
    elif p.kind == "response_format":
        structured.check_response_format(v, errors)
    elif p.kind == "stream_options":
        if not isinstance(v, dict) or set(v) - {"include_usage", "include_obfuscation"} \
                or not all(isinstance(x, bool) for x in v.values()):
            errors.append(FieldError(p.name, 'must be {"include_usage": true|false, "include_obfuscation": true|false}'))


def _check_stop(v: Any, errors: list[FieldError]) -> None:
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list) or not all(isinstance(s, str) for s in items):
        errors.append(FieldError("stop", "must be a string or a list of strings"))
    elif len(items) > 4:
        errors.append(FieldError("stop", f"at most 4 sequences, got {len(items)}"))
    elif any(s == "" for s in items):
        errors.append(FieldError("stop", "sequences must not be empty"))


def _check_logit_bias(p: Param, v: Any, errors: list[FieldError]) -> None:
    if isinstance(v, str):  # the panel's text form, kept as typed while it does not parse
        try:
            parse_logit_bias(v)
        except ValidationError as e:
            errors += e.errors
        return
    if not isinstance(v, dict):
        errors.append(FieldError("logit_bias", "must be a map of token id to bias"))
        return
    for key, bias in v.items():
        if not (_is_int(key) or isinstance(key, str) and key.strip().lstrip("-").isdigit()) or int(key) < 0:
            errors.append(FieldError("logit_bias", f"key {key!r} is not a token id (a non-negative integer)"))
        elif not _is_number(bias) or not -100 <= bias <= 100:
            errors.append(FieldError("logit_bias", f"bias for token {key} must be a number from -100 to 100, got {bias!r}"))


def validate_messages(messages: Any) -> list[FieldError]:
    return msgs.validate(messages)


def validate_params(params: Mapping[str, Any], backend: str | None = None) -> list[FieldError]:
    """Check every set parameter against the schema, plus cross-field rules. Backend extensions
    are checked against `backend`'s declaration (any backend's when it is None or lacks them)."""
    errors: list[FieldError] = []
    for name, value in params.items():
        if value is None:
            continue
        p = PARAMS.get(name)
        if p is None and registry.is_extension(name):
            msg = registry.check_extension(name, value, backend)
            if msg:
                errors.append(FieldError(name, msg))
            continue
        if p is None:
            errors.append(FieldError(name, "is not a Chat Completions parameter ParamLab knows"))
            continue
        _check_one(p, value, errors)
    if params.get("top_logprobs") is not None and params.get("logprobs") is not True:
        errors.append(FieldError("top_logprobs", "needs logprobs set to true"))
    if params.get("stream_options") is not None and params.get("stream") is not True:
        errors.append(FieldError("stream_options", "only allowed when stream is true"))
    errors += checks.cross_checks(params)
    return errors


def normalise(params: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset values and convert forms the UI produces into API forms."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if value is None:
            continue
        if name == "logit_bias" and isinstance(value, str):
            try:  # the panel's text form; text that does not parse stays as typed (build_body refuses it)
                value = parse_logit_bias(value)
            except ValidationError:
                pass
        if name == "logit_bias" and isinstance(value, dict):
            if not value:
                continue
            value = {str(int(k)): v for k, v in value.items()}
        if name == "stop" and isinstance(value, list) and not value:
            continue
        out[name] = value
    return out


def build_body(model: str, messages: list[dict], params: Mapping[str, Any],
               backend: str | None = None) -> dict[str, Any]:
    """The exact JSON body to send. Raises ValidationError naming every bad field. Backend
    extensions go in only when `backend` (a registry kind) accepts them."""
    errors: list[FieldError] = []
    if not isinstance(model, str) or not model.strip():
        errors.append(FieldError("model", "choose a model"))
    errors += validate_messages(messages)
    extensions = registry.accepted(params, backend)
    errors += validate_params({k: v for k, v in params.items() if not registry.is_extension(k)
                               or k in extensions}, backend)
    if errors:
        raise ValidationError(errors)
    body: dict[str, Any] = {"model": model, "messages": [msgs.to_api(m) for m in messages]}
    body.update(normalise({k: v for k, v in params.items() if not registry.is_extension(k)}))
    body.update(normalise(extensions))
    return body


def ignored_params(params: Mapping[str, Any], backend: str) -> dict[str, str]:
    """Set parameters the given backend is known to ignore, with the reason (from the registry)."""
    return registry.ignored(params, backend)


def parse_logit_bias(text: str) -> dict[int, float]:
    """Parse the UI's text form: JSON object, or lines/commas of `id: bias`. Raises ValidationError."""
    text = text.strip()
    if not text:
        return {}
    try:
        raw = json.loads(text) if text.startswith("{") else dict(
            _split_pair(part) for part in text.replace("\n", ",").split(",") if part.strip())
    except (ValueError, json.JSONDecodeError) as e:
        raise ValidationError([FieldError("logit_bias", f"cannot read {text[:40]!r}: {e}")]) from None
    errors: list[FieldError] = []
    _check_logit_bias(PARAMS["logit_bias"], raw, errors)
    if errors:
        raise ValidationError(errors)
    return {int(k): float(v) for k, v in raw.items()}


def _split_pair(part: str) -> tuple[str, float]:
    key, sep, val = part.partition(":")
    if not sep:
        raise ValueError("write each entry as token_id: bias")
    return key.strip(), float(val)


def defaults() -> dict[str, Any]:
    """All parameters unset: the server's own defaults apply."""
    return {name: None for name in PARAMS}


def iter_groups(names: Iterable[str] = SAMPLING_NAMES) -> list[tuple[str, list[Param]]]:
    groups: dict[str, list[Param]] = {}
    for n in names:
        groups.setdefault(PARAMS[n].group, []).append(PARAMS[n])
    return list(groups.items())
