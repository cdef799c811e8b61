"""How many replies of a set are usable: the share that parse as JSON and the share valid against
the requested json_schema (when JSON was asked for), and the tool calls whose arguments validate
against their tool's schema (when tools were sent). Used by the Sweep's table and charts."""
from __future__ import annotations

from typing import Any, Sequence

from paramlab.client.result import ChatResult
from paramlab.request import structured
from paramlab.request import tools as toolslib


def rates(results: Sequence[ChatResult]) -> dict[str, Any]:
    """json_parse_rate, schema_valid_rate (0–1, None when not asked for), tool_calls and valid_tool_calls."""
    out: dict[str, Any] = {"json_parse_rate": None, "schema_valid_rate": None,
                           "tool_calls": None, "valid_tool_calls": None}
    ok = [r for r in results if r.status != "error"]
    verdicts, calls, valid = [], 0, 0
    for r in ok:
        body = r.request or {}
        tools = body.get("tools") or [{"type": "function", "function": f} for f in body.get("functions") or []]
        for c in r.choices:
            if c.tool_calls:
                v, n = toolslib.count_valid(c.tool_calls, tools)
                calls, valid = calls + n, valid + v
            else:
                verdict = structured.check_reply(c.text, body.get("response_format"))
                if verdict is not None:
                    verdicts.append(verdict)
    if verdicts:
        out["json_parse_rate"] = sum(v.parses for v in verdicts) / len(verdicts)
        if verdicts[0].kind == "json_schema":
            out["schema_valid_rate"] = sum(v.valid for v in verdicts) / len(verdicts)
    if any((r.request or {}).get("tools") or (r.request or {}).get("functions") for r in ok):
        out["tool_calls"], out["valid_tool_calls"] = calls, valid
    return out
