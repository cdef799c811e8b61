"""A recorded request (a ledger row with its text) back into the Playground's terms: endpoint,
model, system prompt, conversation, the schema's parameters and the stream toggles."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from paramlab.request import schema


class NotReopenable(ValueError):
    pass


@dataclass
class Reopened:
    endpoint: str
    model: str
    system: str
    messages: list[dict[str, str]]
    params: dict[str, Any]          # every schema parameter; None = unset
    stream: bool
    include_usage: bool
    dropped: list[str] = field(default_factory=list)  # recorded fields the Playground has no control for


def from_row(row: Mapping[str, Any]) -> Reopened:
    if row.get("messages") is None:
        raise NotReopenable("The text of this request was not stored (recording of text was off), "
                            "so it cannot be opened in the Playground.")
    body = json.loads(row.get("params") or "{}")
    messages = [m for m in json.loads(row["messages"] or "[]") if isinstance(m, dict)]
    stream = bool(body.pop("stream", None) or row.get("stream"))
    options = body.pop("stream_options", None) or {}
    model = str(body.pop("model", None) or row.get("model") or "")
    params, dropped = schema.defaults(), []
    for name, value in body.items():
        if name in params:
            params[name] = _from_wire(name, value)
        else:
            dropped.append(name)
    system = ""
    if messages and messages[0].get("role") == "system":
        system = str(messages.pop(0).get("content") or "")
    turns = [{"role": str(m.get("role") or "user"), "content": m.get("content") if isinstance(m.get("content"), str)
              else json.dumps(m.get("content"), ensure_ascii=False)} for m in messages]
    return Reopened(str(row.get("endpoint") or ""), model, system, turns, params, stream,
                    bool(stream and options.get("include_usage")), dropped)


def _from_wire(name: str, value: Any) -> Any:
    if name == "logit_bias" and isinstance(value, dict):  # the wire form has string token ids
        return {int(k): v for k, v in value.items()}
    return value
