"""Function tools: validation of `tools` / `tool_choice` (and the legacy `functions` /
`function_call`), ready templates, import/export, checking a reply's tool calls against the
tool's schema, and the turns that answer them.

A tool call from the client may come in the API's shape {id, type, function: {name, arguments}}
or flattened {id, type, name, arguments}; `call_parts` reads both.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from paramlab.request.fields import FieldError, ValidationError
from paramlab.request.jsonschemas import first_error, mock_from_schema, schema_error

NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
NAME_RULE = "letters, digits, _ and -, 1 to 64 characters"
CHOICE_MODES = ("none", "auto", "required")
MAX_TOOLS = 128

TEMPLATES: dict[str, dict[str, Any]] = {
    "get_weather": {"type": "function", "function": {
        "name": "get_weather", "description": "Current weather for a city.",
        "parameters": {"type": "object", "properties": {
            "city": {"type": "string", "description": "City name, e.g. Paris"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"], "additionalProperties": False},
        "strict": True}},
    "search_docs": {"type": "function", "function": {
        "name": "search_docs", "description": "Search the documentation and return the best matches.",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 20}},
            "required": ["query"]}}},
    "calculator": {"type": "function", "function": {
        "name": "calculator", "description": "Evaluate an arithmetic expression.",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string"}},
                       "required": ["expression"], "additionalProperties": False},
        "strict": True}},
    "create_event": {"type": "function", "function": {
        "name": "create_event", "description": "Add an event to the user's calendar.",
        "parameters": {"type": "object", "properties": {
            "title": {"type": "string"}, "start": {"type": "string", "format": "date-time"},
            "attendees": {"type": "array", "items": {"type": "string", "format": "email"}}},
            "required": ["title", "start"]}}},
}
# What a mock result looks like for each template (ParamLab's own, never sent).
MOCK_RESULTS: dict[str, dict[str, Any]] = {
    "get_weather": {"type": "object", "properties": {"temperature": {"type": "number", "examples": [18.5]},
                                                     "conditions": {"type": "string", "examples": ["light rain"]}}},
    "search_docs": {"type": "object", "properties": {"results": {"type": "array", "items": {
        "type": "object", "properties": {"title": {"type": "string", "examples": ["Getting started"]},
                                         "url": {"type": "string", "format": "uri"}}}}}},
    "calculator": {"type": "object", "properties": {"value": {"type": "number", "examples": [42]}}},
    "create_event": {"type": "object", "properties": {"id": {"type": "string", "examples": ["evt_123"]},
                                                      "created": {"type": "boolean"}}},
}


# -- validation -------------------------------------------------------------------------------
def check_function(fn: Any, where: str, errors: list[FieldError]) -> str | None:
    """Check one function definition {name, description, parameters, strict}; returns its name."""
    if not isinstance(fn, dict):
        errors.append(FieldError(where, "must be an object with name, description and parameters"))
        return None
    name = fn.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        errors.append(FieldError(f"{where}.name", f"{name!r} is not a valid function name ({NAME_RULE})"))
        name = None
    if "description" in fn and not isinstance(fn["description"], str):
        errors.append(FieldError(f"{where}.description", "must be text"))
    if "parameters" in fn:
        why = schema_error(fn["parameters"])
        if why:
            errors.append(FieldError(f"{where}.parameters", why))
    if "strict" in fn and not isinstance(fn["strict"], bool):
        errors.append(FieldError(f"{where}.strict", "must be true or false"))
    unknown = set(fn) - {"name", "description", "parameters", "strict"}
    if unknown:
        errors.append(FieldError(where, f"unknown field(s): {', '.join(sorted(unknown))}"))
    return name


def check_tools(tools: Any, errors: list[FieldError], field: str = "tools") -> list[str]:
    """Validate a `tools` list; returns the function names (for tool_choice)."""
    if not isinstance(tools, list):
        errors.append(FieldError(field, "must be a list of tools"))
        return []
    if len(tools) > MAX_TOOLS:
        errors.append(FieldError(field, f"at most {MAX_TOOLS} tools, got {len(tools)}"))
    names: list[str] = []
    for i, t in enumerate(tools):
        where = f"{field}[{i}]"
        if not isinstance(t, dict) or t.get("type") != "function":
            errors.append(FieldError(f"{where}.type", 'must be "function"'))
            continue
        name = check_function(t.get("function"), f"{where}.function", errors)
        if name in names:
            errors.append(FieldError(f"{where}.function.name", f"{name!r} is used by another tool: names must be unique"))
        if name:
            names.append(name)
    return names


def check_tool_choice(choice: Any, names: list[str] | None, errors: list[FieldError],
                      field: str = "tool_choice") -> None:
    if isinstance(choice, str):
        if choice not in CHOICE_MODES:
            errors.append(FieldError(field, f"must be none, auto, required or a function, got {choice!r}"))
        elif choice != "none" and names is not None and not names:
            errors.append(FieldError(field, f"{choice!r} needs at least one tool in tools"))
        return
    fn = choice.get("function") if isinstance(choice, dict) and choice.get("type") == "function" else None
    if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
        errors.append(FieldError(field, 'must be "none", "auto", "required" or {"type": "function", "function": {"name": …}}'))
    elif names is not None and fn["name"] not in names:
        errors.append(FieldError(field, f"names the function {fn['name']!r}, which is not in tools"))


def check_functions(functions: Any, errors: list[FieldError]) -> list[str]:
    """The legacy `functions` list (bare function definitions)."""
    if not isinstance(functions, list):
        errors.append(FieldError("functions", "must be a list of function definitions"))
        return []
    names: list[str] = []
    for i, fn in enumerate(functions):
        name = check_function(fn, f"functions[{i}]", errors)
        if name in names:
            errors.append(FieldError(f"functions[{i}].name", f"{name!r} is used twice: names must be unique"))
        if name:
            names.append(name)
    return names


def check_function_call(v: Any, names: list[str] | None, errors: list[FieldError]) -> None:
    if v in ("none", "auto"):
        return
    if not isinstance(v, dict) or not isinstance(v.get("name"), str):
        errors.append(FieldError("function_call", 'must be "none", "auto" or {"name": …}'))
    elif names is not None and v["name"] not in names:
        errors.append(FieldError("function_call", f"names {v['name']!r}, which is not in functions"))


# -- import / export --------------------------------------------------------------------------
def export_json(tools: list[dict]) -> str:
    return json.dumps(tools, indent=2, ensure_ascii=False)


def import_json(text: str | bytes) -> list[dict]:
    """Read tools from JSON: a list of tools, one tool, a bare function, or {"tools": [...]}.
    Raises ValidationError naming the field."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValidationError([FieldError("tools", f"the file is not JSON ({getattr(e, 'msg', e)})")]) from None
    if isinstance(data, dict) and isinstance(data.get("tools"), list):
        data = data["tools"]
    if isinstance(data, dict):
        data = [data]
    if isinstance(data, list):
        data = [{"type": "function", "function": t} if isinstance(t, dict) and "name" in t and "type" not in t else t
                for t in data]
    errors: list[FieldError] = []
    check_tools(data, errors)
    if errors:
        raise ValidationError(errors)
    return data


def tool_by_name(tools: list[dict] | None, name: str) -> dict | None:
    for t in tools or ():
        fn = t.get("function") if isinstance(t, dict) else None
        if isinstance(fn, dict) and fn.get("name") == name:
            return fn
    return None


# -- tool calls in replies --------------------------------------------------------------------
def call_parts(tc: dict) -> tuple[str, str, str]:
    """(id, name, arguments text) of a tool call in either shape."""
    fn = tc.get("function") if isinstance(tc.get("function"), dict) else tc
    args = fn.get("arguments")
    if not isinstance(args, str):
        args = "" if args is None else json.dumps(args)
    return str(tc.get("id") or ""), str(fn.get("name") or ""), args


def api_call(tc: dict, fallback_id: str = "") -> dict:
    """A tool call in the API's shape, as an assistant turn must carry it."""
    cid, name, args = call_parts(tc)
    return {"id": cid or fallback_id, "type": "function", "function": {"name": name, "arguments": args}}


@dataclass
class CallCheck:
    id: str
    name: str
    arguments: str
    pretty: str            # indented JSON when it parses, else the raw text
    parsed: Any = None
    parses: bool = False
    known: bool = False    # the name is one of the request's tools
    valid: bool = False    # parses and matches the tool's parameters schema
    error: str | None = None  # the first problem, in words

    @property
    def verdict(self) -> str:
        return "valid" if self.valid else ("invalid" if self.parses and self.known else
                                           "unknown tool" if self.parses else "not JSON")


def check_call(tc: dict, tools: list[dict] | None) -> CallCheck:
    """Do the arguments parse as JSON, and do they validate against that tool's schema?"""
    cid, name, args = call_parts(tc)
    c = CallCheck(cid, name, args, args)
    try:
        c.parsed = json.loads(args) if args.strip() else {}
        c.parses = True
        c.pretty = json.dumps(c.parsed, indent=2, ensure_ascii=False)
    except json.JSONDecodeError as e:
        c.error = f"arguments are not JSON: {e.msg} at position {e.pos}"
        return c
    fn = tool_by_name(tools, name)
    if fn is None:
        c.error = f"{name!r} is not one of the tools in the request"
        return c
    c.known = True
    schema = fn.get("parameters")
    if isinstance(schema, dict) and schema_error(schema) is None:
        c.error = first_error(c.parsed, schema)
    c.valid = c.error is None
    return c


def count_valid(calls: list[dict], tools: list[dict] | None) -> tuple[int, int]:
    """(valid calls, all calls)."""
    checks = [check_call(tc, tools) for tc in calls]
    return sum(c.valid for c in checks), len(checks)


def mock_result(tc: dict, tools: list[dict] | None = None) -> str:
    """A made-up result for a call, generated from the result schema ParamLab knows for that tool
    (the templates), else an echo of the arguments: JSON text for the tool turn."""
    _, name, args = call_parts(tc)
    result_schema = MOCK_RESULTS.get(name)
    if result_schema is not None:
        value = mock_from_schema(result_schema)
    else:
        try:
            echoed = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            echoed = args
        value = {"ok": True, "tool": name, "arguments": echoed, "note": "mock result made by ParamLab"}
    return json.dumps(value, ensure_ascii=False)


def answer_turns(content: str | None, calls: list[dict], results: list[str]) -> list[dict]:
    """The assistant turn that made the calls, then one tool turn per call (results in call
    order). Calls without an id get one (some servers omit it), used by both turns."""
    if len(results) != len(calls):
        raise ValidationError([FieldError("tool results", f"{len(calls)} calls need {len(calls)} results, got {len(results)}")])
    api_calls = [api_call(tc, f"call_{i}") for i, tc in enumerate(calls)]
    turns: list[dict] = [{"role": "assistant", "content": content or None, "tool_calls": api_calls}]
    turns += [{"role": "tool", "tool_call_id": c["id"], "content": r} for c, r in zip(api_calls, results)]
    return turns
