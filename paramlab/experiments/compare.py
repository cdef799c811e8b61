"""Compare: 2–6 panes, each an endpoint + model + parameters (and, for prompt variants, its own
system prompt), answering one conversation.

Holds the pane model (clone, "vary one parameter"), the request body of each pane and the
exports (JSON / CSV / Markdown). Exports carry endpoint names and public settings only, and
are passed through the key redactor as well, so an API key can never end up in a file.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from paramlab.request import schema
from paramlab.client.metrics import fmt_cost, fmt_seconds
from paramlab.safety.redaction import known, redact_obj
from paramlab.client.result import ChatResult
from paramlab.request.schema import FieldError, ValidationError
from paramlab.request.messages import images_of, system_label, text_of, with_system
from paramlab.request.tools import call_parts

MIN_PANES, MAX_PANES = 2, 6


def _new_id() -> str:
    return uuid.uuid4().hex[:8]


@dataclass
class Pane:
    endpoint: str
    model: str | None
    params: dict[str, Any]
    id: str = field(default_factory=_new_id)
    system: str | None = None  # the pane's own system prompt ("" for none); None: the conversation's

    def clone(self) -> "Pane":
        return Pane(self.endpoint, self.model, copy.deepcopy(self.params), system=self.system)


def from_settings(endpoint: str, model: str | None, params: Mapping[str, Any], count: int = 2) -> list[Pane]:
    """`count` panes seeded from the Playground's endpoint, model and parameters."""
    base = Pane(endpoint, model, copy.deepcopy(dict(params)))
    return [base] + [base.clone() for _ in range(max(count, 1) - 1)]


def vary_one(base: Pane, name: str, values: Sequence[Any]) -> list[Pane]:
    """Panes identical to `base` except for `name`, one per value (at most MAX_PANES)."""
    if name not in schema.PARAMS:
        raise ValidationError([FieldError("parameter", f"{name!r} is not a parameter")])
    if not MIN_PANES <= len(values) <= MAX_PANES:
        raise ValidationError([FieldError(f"{name} values", f"give {MIN_PANES} to {MAX_PANES} values, got {len(values)}")])
    panes = []
    for v in values:
        p = base.clone()
        p.params[name] = v
        panes.append(p)
    return panes


SYSTEM = "system prompt"  # what "vary one" may vary besides the parameters: the panes' own system prompts


def parse_prompts(text: str) -> list[str]:
    """System prompts typed one per line: blank lines and repeats dropped, order kept."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def vary_system(base: Pane, prompts: Sequence[str]) -> list[Pane]:
    """Panes identical to `base` except for their own system prompt, one per prompt."""
    if not MIN_PANES <= len(prompts) <= MAX_PANES:
        raise ValidationError([FieldError("system prompts", f"give {MIN_PANES} to {MAX_PANES} different prompts, "
                                                            f"one per line, got {len(prompts)}")])
    panes = []
    for text in prompts:
        p = base.clone()
        p.system = text
        panes.append(p)
    return panes


def differences(panes: Sequence[Pane]) -> list[str]:
    """Names (endpoint, model, parameters) whose value is not the same in every pane."""
    out = []
    if len({p.endpoint for p in panes}) > 1:
        out.append("endpoint")
    if len({p.model for p in panes}) > 1:
        out.append("model")
    if len({p.system for p in panes}) > 1:
        out.append("system")
    names = sorted({k for p in panes for k in p.params})
    for n in names:
        if len({json.dumps(p.params.get(n), sort_keys=True, default=str) for p in panes}) > 1:
            out.append(n)
    return out


def pane_title(panes: Sequence[Pane], i: int) -> str:
    """'Pane 2 · temperature=0.7' — what sets this pane apart from the others."""
    p = panes[i]
    bits = []
    for d in differences(panes):
        if d == "system":
            bits.append("system=" + system_label(p.system))
            continue
        v = p.endpoint if d == "endpoint" else p.model if d == "model" else p.params.get(d)
        bits.append(f"{d}={'unset' if v is None else v}")
    return f"Pane {i + 1}" + (" · " + ", ".join(bits[:3]) if bits else "")


def body_for(pane: Pane, messages: list[dict], stream: bool = True, include_usage: bool = True,
             backend: str | None = None) -> dict[str, Any]:
    """The request body of a pane (its own system prompt in place of the conversation's; backend
    extensions only if `backend` accepts them); ValidationError names the bad field."""
    params = dict(pane.params)
    params["stream"] = True if stream else None
    params["stream_options"] = {"include_usage": True} if stream and include_usage else None
    return schema.build_body(pane.model or "", with_system(messages, pane.system), params, backend=backend)


# -- exports ------------------------------------------------------------------------------
def record(pane: Pane, index: int, title: str, result: ChatResult | None, error: str | None = None,
           preferred: bool = False) -> dict[str, Any]:
    """One pane as plain data: settings, reply, measurements. No headers, no key."""
    sent = schema.normalise({k: v for k, v in pane.params.items() if k in schema.PARAMS})
    rec: dict[str, Any] = {"pane": index + 1, "title": title, "endpoint": pane.endpoint, "model": pane.model,
                           "system": pane.system, "params": sent, "preferred": preferred, "status": None,
                           "error": error,
                           "choices": [], "finish_reason": None, "ttft_s": None, "latency_s": None,
                           "tokens_per_s": None, "prompt_tokens": None, "completion_tokens": None,
                           "reasoning_tokens": None, "tokens_estimated": None, "cost": None,
                           "system_fingerprint": None}
    if result is not None:
        m, u = result.metrics, result.usage
        rec.update({
            "status": result.status, "error": result.error or error,
            "choices": [{"index": c.index, "text": c.text, "finish_reason": c.finish_reason,
                         "reasoning": c.reasoning, "refusal": c.refusal} for c in result.choices],
            "finish_reason": result.choices[0].finish_reason if result.choices else None,
            "ttft_s": m.ttft_s, "latency_s": m.latency_s, "tokens_per_s": m.tokens_per_s,
            "prompt_tokens": u.prompt_tokens if u else None, "completion_tokens": u.completion_tokens if u else None,
            "reasoning_tokens": u.reasoning_tokens if u else None,
            "tokens_estimated": u.estimated if u else None, "cost": m.cost,
            "system_fingerprint": result.system_fingerprint, "model_reported": result.model,
        })
    elif error:
        rec["status"] = "not sent"
    return redact_obj(rec, known())


def to_json(records: Sequence[dict], messages: Sequence[dict]) -> str:
    doc = {"kind": "paramlab.comparison", "version": 1, "messages": list(messages), "panes": list(records)}
    return json.dumps(redact_obj(doc, known()), indent=2, ensure_ascii=False)


CSV_FIELDS = ["pane", "title", "endpoint", "model", "system", "system_from", "params", "preferred", "status", "error", "finish_reason",
              "ttft_s", "latency_s", "tokens_per_s", "prompt_tokens", "completion_tokens", "reasoning_tokens", "cost",
              "system_fingerprint", "text", "reasoning"]


def sent_system(messages: Sequence[dict], system: str | None) -> str:
    """The system prompt a pane sent: its own, else the conversation's ("" for none)."""
    first = with_system(messages, system)[:1]
    return text_of(first[0]) if first and first[0].get("role") in ("system", "developer") else ""


def to_csv(records: Sequence[dict], messages: Sequence[dict]) -> str:
    """One row a pane. `system` is the prompt the pane sent and `system_from` says whose it was
    ("pane": its own, "" meaning none; "conversation": the Playground's), so an empty cell is
    never ambiguous."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, extrasaction="ignore")
    w.writeheader()
    for r in records:
        row = dict(r)
        row["system"] = sent_system(messages, r.get("system"))
        row["system_from"] = "conversation" if r.get("system") is None else "pane"
        row["params"] = json.dumps(r["params"], sort_keys=True)
        row["text"] = "\n\n".join(c["text"] for c in r["choices"])
        row["reasoning"] = "\n\n".join(c.get("reasoning") or "" for c in r["choices"]).strip()
        w.writerow(row)
    return buf.getvalue()


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def _md_cell(text: Any) -> str:
    return str("" if text is None else text).replace("|", "\\|").replace("\n", " ")


def _fenced(text: str) -> list[str]:
    """Text in a fence longer than any backtick run inside it: shown verbatim, every line kept."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    return [f"{fence}text", text, fence]


def turn_text(m: dict) -> str:
    """A turn as text for a report: its text, then its images and tool calls named."""
    parts = [text_of(m)] + [f"[image: {img.get('url', '')[:60]}…]" for img in images_of(m)]
    parts += [f"[tool call {call_parts(tc)[1]}({call_parts(tc)[2]})]" for tc in m.get("tool_calls") or ()]
    if m.get("tool_call_id"):
        parts.insert(0, f"[result of {m['tool_call_id']}]")
    return "\n".join(p for p in parts if p)


def to_markdown(records: Sequence[dict], messages: Sequence[dict]) -> str:
    """A readable report: the conversation, a metrics table, then each reply in a fenced block."""
    lines = ["# ParamLab comparison", "", "## Conversation"]
    for m in messages:  # each turn whole, line breaks kept (a table cell or one line would flatten it)
        lines += ["", f"**{_md_cell(m['role'])}:**", "", *_fenced(turn_text(m))]
    lines += ["", "| pane | endpoint | model | parameters | status | finish_reason | TTFT | latency | tok/s | tokens | cost |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items() if k not in ("stream", "stream_options"))
        tps = "—" if r["tokens_per_s"] is None else f"{r['tokens_per_s']:.1f}"
        toks = "—" if r["completion_tokens"] is None else f"{r['prompt_tokens'] or 0} + {r['completion_tokens']}"
        star = " ★" if r["preferred"] else ""
        lines.append(f"| {r['pane']}{star} | {_md_cell(r['endpoint'])} | {_md_cell(r['model'])} | {_md_cell(params)} "
                     f"| {r['status'] or '—'} | {r['finish_reason'] or '—'} | {fmt_seconds(r['ttft_s'])} "
                     f"| {fmt_seconds(r['latency_s'])} | {tps} | {toks} | {fmt_cost(r['cost'])} |")
    for r in records:
        lines += ["", f"## {_md_cell(r['title'])}{' (preferred)' if r['preferred'] else ''}", ""]
        if r.get("system") is not None:  # a prompt variant: its own system prompt, in place of the one above
            lines += ["**System prompt of this pane** (in place of the conversation's):", "",
                      *(_fenced(r["system"]) if r["system"].strip() else ["(none)"]), ""]
        if r["error"]:
            lines += [f"> {line}" if i else f"> Error: {line}" for i, line in enumerate(str(r["error"]).splitlines())]
            lines.append("")
        for c in r["choices"]:
            if c.get("reasoning"):  # the thinking before the reply, marked as such
                lines += ["**Thinking:**", "", *_fenced(c["reasoning"]), ""]
            if c.get("refusal"):
                lines += [f"> Refused: {line}" for line in str(c["refusal"]).splitlines()] + [""]
            if c["text"]:
                lines += _fenced(c["text"])
    return redact_obj("\n".join(lines) + "\n", known())
