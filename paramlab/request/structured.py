"""Structured outputs: checking a `response_format` (json_schema {name, description, schema,
strict}), ready example schemas, and validating a reply against the requested format."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from paramlab.request.fields import FieldError
from paramlab.request.jsonschemas import first_error, schema_error
from paramlab.request.tools import NAME_RE, NAME_RULE

TYPES = ("text", "json_object", "json_schema")

EXAMPLES: dict[str, dict[str, Any]] = {
    "person": {"name": "person", "strict": True, "schema": {
        "type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
        "required": ["name", "age"], "additionalProperties": False}},
    "sentiment": {"name": "sentiment", "strict": True, "schema": {
        "type": "object", "properties": {
            "label": {"type": "string", "enum": ["positive", "neutral", "negative"]},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1}},
        "required": ["label", "confidence"], "additionalProperties": False}},
    "todo_list": {"name": "todo_list", "strict": True, "schema": {
        "type": "object", "properties": {"items": {"type": "array", "items": {
            "type": "object", "properties": {"task": {"type": "string"}, "done": {"type": "boolean"}},
            "required": ["task", "done"], "additionalProperties": False}}},
        "required": ["items"], "additionalProperties": False}},
}


def check_response_format(v: Any, errors: list[FieldError]) -> None:
    if not isinstance(v, dict) or v.get("type") not in TYPES:
        errors.append(FieldError("response_format", 'must be {"type": "text" | "json_object" | "json_schema"}'))
        return
    if v["type"] != "json_schema":
        return
    js = v.get("json_schema")
    if not isinstance(js, dict):
        errors.append(FieldError("response_format.json_schema", 'needs {"name": …, "schema": {…}}'))
        return
    name = js.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        errors.append(FieldError("response_format.json_schema.name", f"{name!r} is not a valid name ({NAME_RULE})"))
    if "schema" not in js:
        errors.append(FieldError("response_format.json_schema.schema", "is missing"))
    else:
        why = schema_error(js["schema"])
        if why:
            errors.append(FieldError("response_format.json_schema.schema", why))
    if "strict" in js and not isinstance(js["strict"], bool):
        errors.append(FieldError("response_format.json_schema.strict", "must be true or false"))
    if "description" in js and not isinstance(js["description"], str):
        errors.append(FieldError("response_format.json_schema.description", "must be text"))


@dataclass
class Verdict:
    kind: str              # json_object | json_schema
    parses: bool
    valid: bool            # parses and (for json_schema) matches the schema
    error: str | None = None
    value: Any = None

    @property
    def label(self) -> str:
        return "valid" if self.valid else ("schema mismatch" if self.parses else "not JSON")


def check_reply(text: str, response_format: Any) -> Verdict | None:
    """Validate a reply against the format that was asked for; None when no JSON was asked for."""
    if not isinstance(response_format, dict) or response_format.get("type") not in ("json_object", "json_schema"):
        return None
    kind = response_format["type"]
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        return Verdict(kind, False, False, f"not JSON: {e.msg} at line {e.lineno} column {e.colno}")
    if kind == "json_object":
        ok = isinstance(value, dict)
        return Verdict(kind, True, ok, None if ok else "JSON, but not an object", value)
    schema = (response_format.get("json_schema") or {}).get("schema")
    if not isinstance(schema, dict) or schema_error(schema):
        return Verdict(kind, True, False, "the request's schema is not valid", value)
    err = first_error(value, schema)
    return Verdict(kind, True, err is None, err, value)
