"""JSON Schema checks with the `jsonschema` package: is a schema valid, does an instance match it
(first error, with its path), and a mock instance generated from a schema."""
from __future__ import annotations

from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError

MAX_MOCK_DEPTH = 6


def schema_error(schema: Any) -> str | None:
    """Why `schema` is not a valid JSON Schema (checked against its own metaschema), or None."""
    if not isinstance(schema, dict):
        return "must be a JSON object (a JSON Schema)"
    try:
        jsonschema.validators.validator_for(schema).check_schema(schema)
    except SchemaError as e:
        where = "/".join(str(p) for p in e.absolute_path)
        return f"not a valid JSON Schema{f' at {where}' if where else ''}: {e.message}"
    return None


def first_error(instance: Any, schema: dict) -> str | None:
    """The first validation error of `instance` against `schema` (the most relevant one), or None."""
    cls = jsonschema.validators.validator_for(schema)
    err = jsonschema.exceptions.best_match(cls(schema).iter_errors(instance))
    if err is None:
        return None
    where = "/".join(str(p) for p in err.absolute_path)
    return f"{where or '(root)'}: {err.message}"


def mock_from_schema(schema: Any, depth: int = 0) -> Any:
    """A plausible instance of `schema`: example/default/const/enum first, else one of the type."""
    if not isinstance(schema, dict) or depth > MAX_MOCK_DEPTH:
        return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return mock_from_schema(schema[key][0], depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties") or {}
        return {k: mock_from_schema(v, depth + 1) for k, v in props.items()}
    if kind == "array":
        item = mock_from_schema(schema.get("items") or {"type": "string"}, depth + 1)
        return [item] * max(int(schema.get("minItems") or 1), 1)
    if kind == "string":
        fmt = schema.get("format")
        text = {"date": "2026-01-01", "date-time": "2026-01-01T12:00:00Z", "email": "user@example.com",
                "uri": "https://example.com"}.get(fmt, "example")
        return text.ljust(int(schema.get("minLength") or 0), "x")
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.5))
    if kind == "boolean":
        return True
    return None
