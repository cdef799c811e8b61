"""Validators for the parameters whose value is a structure (metadata, prediction, audio, web
search, tools…), and the rules that tie parameters together. The schema dispatches to CHECKS by
the parameter's kind; each check appends FieldErrors naming the exact field."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from paramlab.request import tools as tool_checks
from paramlab.request.fields import FieldError

METADATA_MAX_PAIRS, METADATA_KEY_LEN, METADATA_VALUE_LEN = 16, 64, 512
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse",
          "marin", "cedar")
AUDIO_FORMATS = ("wav", "aac", "mp3", "flac", "opus", "pcm16")
CONTEXT_SIZES = ("low", "medium", "high")
LOCATION_FIELDS = ("city", "country", "region", "timezone")
MODALITIES = (["text"], ["text", "audio"], ["audio", "text"])


def check_metadata(v: Any, errors: list[FieldError]) -> None:
    if not isinstance(v, dict):
        errors.append(FieldError("metadata", "must be a map of text keys to text values"))
        return
    if len(v) > METADATA_MAX_PAIRS:
        errors.append(FieldError("metadata", f"at most {METADATA_MAX_PAIRS} pairs, got {len(v)}"))
    for k, val in v.items():
        if not isinstance(k, str) or not k:
            errors.append(FieldError("metadata", f"key {k!r} must be non-empty text"))
        elif len(k) > METADATA_KEY_LEN:
            errors.append(FieldError(f"metadata.{k[:20]}…", f"key is {len(k)} characters; at most {METADATA_KEY_LEN}"))
        elif not isinstance(val, str):
            errors.append(FieldError(f"metadata.{k}", f"value must be text, got {val!r}"))
        elif len(val) > METADATA_VALUE_LEN:
            errors.append(FieldError(f"metadata.{k}", f"value is {len(val)} characters; at most {METADATA_VALUE_LEN}"))


def check_prediction(v: Any, errors: list[FieldError]) -> None:
    if not isinstance(v, dict) or v.get("type") != "content" or set(v) - {"type", "content"}:
        errors.append(FieldError("prediction", 'must be {"type": "content", "content": …}'))
        return
    c = v.get("content")
    ok = isinstance(c, str) and c != "" or isinstance(c, list) and c and all(
        isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str) for p in c)
    if not ok:
        errors.append(FieldError("prediction.content", "must be non-empty text (or a list of text parts)"))


def check_web_search(v: Any, errors: list[FieldError]) -> None:
    if not isinstance(v, dict) or set(v) - {"search_context_size", "user_location"}:
        errors.append(FieldError("web_search_options", "may hold search_context_size and user_location"))
        return
    if "search_context_size" in v and v["search_context_size"] not in CONTEXT_SIZES:
        errors.append(FieldError("web_search_options.search_context_size",
                                 f"must be low, medium or high, got {v['search_context_size']!r}"))
    loc = v.get("user_location")
    if loc is None:
        return
    approx = loc.get("approximate") if isinstance(loc, dict) and loc.get("type") == "approximate" else None
    if not isinstance(approx, dict):
        errors.append(FieldError("web_search_options.user_location",
                                 'must be {"type": "approximate", "approximate": {city, country, region, timezone}}'))
        return
    for k, val in approx.items():
        if k not in LOCATION_FIELDS:
            errors.append(FieldError(f"web_search_options.user_location.approximate.{k}", "unknown field"))
        elif not isinstance(val, str):
            errors.append(FieldError(f"web_search_options.user_location.approximate.{k}", "must be text"))
    country = approx.get("country")
    if isinstance(country, str) and not (len(country) == 2 and country.isalpha() and country.isupper()):
        errors.append(FieldError("web_search_options.user_location.approximate.country",
                                 f"a two-letter ISO country code such as US or FR, got {country!r}"))


def check_modalities(v: Any, errors: list[FieldError]) -> None:
    if v not in MODALITIES:
        errors.append(FieldError("modalities", f'must be ["text"] or ["text", "audio"], got {v!r}'))


def check_audio(v: Any, errors: list[FieldError]) -> None:
    if not isinstance(v, dict) or set(v) - {"voice", "format"}:
        errors.append(FieldError("audio", 'must be {"voice": …, "format": …}'))
        return
    if v.get("voice") not in VOICES:
        errors.append(FieldError("audio.voice", f"must be one of {', '.join(VOICES)}, got {v.get('voice')!r}"))
    if v.get("format") not in AUDIO_FORMATS:
        errors.append(FieldError("audio.format", f"must be one of {', '.join(AUDIO_FORMATS)}, got {v.get('format')!r}"))


def check_tools(v: Any, errors: list[FieldError]) -> None:
    tool_checks.check_tools(v, errors)


def check_tool_choice(v: Any, errors: list[FieldError]) -> None:
    tool_checks.check_tool_choice(v, None, errors)  # the names are checked in cross_checks


def check_functions(v: Any, errors: list[FieldError]) -> None:
    tool_checks.check_functions(v, errors)


def check_function_call(v: Any, errors: list[FieldError]) -> None:
    tool_checks.check_function_call(v, None, errors)


CHECKS: dict[str, Callable[[Any, list[FieldError]], None]] = {
    "metadata": check_metadata, "prediction": check_prediction, "web_search_options": check_web_search,
    "modalities": check_modalities, "audio": check_audio, "tools": check_tools,
    "tool_choice": check_tool_choice, "functions": check_functions, "function_call": check_function_call,
}


def _names(tools: Any) -> list[str]:
    return [t["function"]["name"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)
            and isinstance(t["function"].get("name"), str)] if isinstance(tools, list) else []


def cross_checks(p: Mapping[str, Any]) -> list[FieldError]:
    """Rules between parameters: a value the others make meaningless is an error, not sent."""
    errors: list[FieldError] = []
    tc = p.get("tool_choice")
    if tc is not None and tc != "none":
        if not p.get("tools"):
            errors.append(FieldError("tool_choice", "needs at least one tool in tools"))
        elif isinstance(tc, dict):
            tool_checks.check_tool_choice(tc, _names(p["tools"]), errors)
    if p.get("parallel_tool_calls") is not None and not p.get("tools"):
        errors.append(FieldError("parallel_tool_calls", "only meaningful with tools"))
    fc = p.get("function_call")
    if fc is not None and fc != "none" and not p.get("functions"):
        errors.append(FieldError("function_call", "needs at least one function in functions"))
    elif isinstance(fc, dict):
        tool_checks.check_function_call(fc, [f.get("name") for f in p["functions"] if isinstance(f, dict)], errors)
    if p.get("functions") and p.get("tools"):
        errors.append(FieldError("functions", "send tools or the deprecated functions, not both"))
    wants_audio = isinstance(p.get("modalities"), list) and "audio" in p["modalities"]
    if wants_audio and p.get("audio") is None:
        errors.append(FieldError("audio", "modalities includes audio: choose a voice and a format"))
    if p.get("audio") is not None and not wants_audio:
        errors.append(FieldError("audio", 'only with modalities ["text", "audio"]'))
    return errors
