"""“What does this endpoint honour?”: at most 16 cheap canary requests that decide, per parameter,
whether an endpoint and model honour it, silently ignore it, or reject it (with the server's
message). Started by the user after seeing the worst-case cost; the report is kept in the data
dir with the date and the server's fingerprint, and the parameter panel uses it.

Each check compares replies, never a model's wording: a ban is honoured when the banned greedy
token disappears, a seed when the same seed repeats and another seed does not, n when 2 choices
come back, top_k = 1 and min_p = 1 when a hot (temperature 2) reply equals the greedy one.
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from paramlab import settings
from paramlab.backends import registry
from paramlab.client.result import ChatResult
from paramlab.request import schema

MAX_REQUESTS = 16
HONOURED, IGNORED, REJECTED, UNCLEAR, NOT_APPLICABLE = "honoured", "ignored", "rejected", "unclear", "n/a"
PROMPT = [{"role": "user", "content": "Write a long story about a cat who lives in a lighthouse."}]
JSON_PROMPT = [{"role": "user", "content": "Reply with a JSON object that names a colour."}]
SCHEMA = {"name": "colour", "strict": True, "schema": {
    "type": "object", "properties": {"colour": {"type": "string", "enum": ["red", "blue"]}},
    "required": ["colour"], "additionalProperties": False}}
TOOL = {"type": "function", "function": {"name": "get_weather", "description": "The weather in a city.",
                                          "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                         "required": ["city"]}}}
HOT = 2.0  # a temperature at which an ignored top_k / min_p would show


@dataclass
class Verdict:
    param: str
    verdict: str          # honoured | ignored | rejected | unclear | n/a
    detail: str = ""


@dataclass
class Report:
    base_url: str
    model: str
    backend: str
    checked_at: str                         # ISO date and time, UTC
    fingerprint: dict[str, Any] = field(default_factory=dict)
    verdicts: list[Verdict] = field(default_factory=list)
    requests: int = 0

    @property
    def date(self) -> str:
        return self.checked_at[:10]

    def verdict(self, param: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.param == param), None)

    def note(self, param: str) -> str | None:
        """The panel's note for a parameter this endpoint ignored or rejected. A check of one form of
        a parameter ("response_format json_schema", "tools + tool_choice required") counts for it."""
        bad = [v for v in self.verdicts if v.verdict in (IGNORED, REJECTED)
               and (v.param == param or v.param.split(" ")[0] == param)]
        if not bad:
            return None
        parts = [v.verdict + ("" if v.param == param else f" ({v.param.split(' ', 1)[1]})") for v in bad]
        return f"{' and '.join(parts)} by this endpoint (checked {self.date})"

    def matrix(self) -> list[dict[str, str]]:
        return [{"parameter": v.param, "verdict": v.verdict, "detail": v.detail} for v in self.verdicts]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Report":
        d = json.loads(text)
        d["verdicts"] = [Verdict(**v) for v in d.get("verdicts", [])]
        return cls(**d)


# ---- the plan: which requests, each built through the schema -----------------------------------

@dataclass
class Canary:
    name: str
    params: dict[str, Any]
    messages: list[dict] = field(default_factory=lambda: list(PROMPT))

    def body(self, model: str, backend: str) -> dict[str, Any]:
        return schema.build_body(model, self.messages, self.params, backend=backend)


def fixed_canaries(backend: str) -> list[Canary]:
    """Every request but the logit_bias ban (which needs the greedy token's id first)."""
    greedy = {"temperature": 0.0, "max_tokens": 6}
    out = [
        Canary("probe", {"temperature": 0.0, "max_tokens": 1, "logprobs": True, "top_logprobs": 2}),
        Canary("greedy", dict(greedy)),
        Canary("stop", {}),  # filled from the greedy reply
        Canary("seed_a", {"temperature": 1.0, "seed": 123, "max_tokens": 8}),
        Canary("seed_b", {"temperature": 1.0, "seed": 123, "max_tokens": 8}),
        Canary("seed_c", {"temperature": 1.0, "seed": 456, "max_tokens": 8}),
        Canary("n", {"n": 2, "max_tokens": 3, "temperature": 1.0}),
        Canary("max_completion_tokens", {"max_completion_tokens": 3, "temperature": 0.0}),
        Canary("json_object", {"response_format": {"type": "json_object"}, "max_tokens": 24, "temperature": 0.0},
               list(JSON_PROMPT)),
        Canary("json_schema", {"response_format": {"type": "json_schema", "json_schema": SCHEMA},
                               "max_tokens": 24, "temperature": 0.0}, list(JSON_PROMPT)),
        Canary("stream_options", {"stream": True, "stream_options": {"include_usage": True}, "max_tokens": 3}),
        Canary("tools", {"max_tokens": 40}, [{"role": "user", "content": "What is the weather in Paris?"}]),
    ]
    b = registry.get(backend)
    if b.option("top_k"):
        out.append(Canary("top_k", {"temperature": HOT, "top_k": 1, "seed": 7, **_untouched(b, "top_k"),
                                    "max_tokens": 6}))
    if b.option("min_p"):
        out.append(Canary("min_p", {"temperature": HOT, "min_p": 1.0, "seed": 7, **_untouched(b, "min_p"),
                                    "max_tokens": 6}))
    return out


def _untouched(b, name: str) -> dict[str, Any]:
    """Turn the backend's other cut-offs off, so only the one under test can tame temperature 2."""
    off = {o.name: o.off for o in b.extensions if o.off is not None and o.name in ("top_k", "min_p")}
    return {k: v for k, v in {**off, "top_p": 1.0}.items() if k != name}


def plan(model: str, backend: str) -> list[dict[str, Any]]:
    """Every body the check may send (the ban included, with a placeholder id), for the cost."""
    bodies = [c.body(model, backend) for c in fixed_canaries(backend) if c.name != "stop"]
    bodies.append(schema.build_body(model, PROMPT, {"temperature": 0.0, "max_tokens": 6, "stop": ["x"]}, backend))
    bodies.append(schema.build_body(model, PROMPT, {"temperature": 0.0, "max_tokens": 1, "logit_bias": {0: -100}},
                                    backend))
    tools = next(b for b in bodies if b["messages"][0]["content"].startswith("What is the weather"))
    tools.update({"tools": [TOOL], "tool_choice": "required"})
    assert len(bodies) <= MAX_REQUESTS
    return bodies


# ---- running --------------------------------------------------------------------------------

Send = Callable[[dict[str, Any]], ChatResult]


def _text(r: ChatResult, i: int = 0) -> str:
    return r.choices[i].text if len(r.choices) > i else ""


def _rejected(r: ChatResult) -> bool:
    return r.status == "error" and (r.error_class or "").endswith(("RequestError", "EntityError", "ServerError",
                                                                    "NotFoundError", "InvalidResponseError"))


def _failed(param: str, r: ChatResult) -> Verdict:
    if _rejected(r):
        return Verdict(param, REJECTED, (r.error or "")[:300])
    return Verdict(param, UNCLEAR, f"the request failed: {(r.error or r.status)[:200]}")


def run(send: Send, model: str, backend: str, token_id: Callable[[str], int | None] | None = None) -> Report:
    """Send the canaries through `send` (a ChatClient's .run) and decide. `token_id` maps a token's
    text to its id when the server's logprobs carry no ids."""
    count = 0
    fp: dict[str, Any] = {"backend": backend}

    def go(body: dict[str, Any]) -> ChatResult:
        nonlocal count
        count += 1
        if count > MAX_REQUESTS:
            raise RuntimeError("the honour check may send at most 16 requests")
        r = send(body)
        if r.system_fingerprint and "system_fingerprint" not in fp:
            fp["system_fingerprint"] = r.system_fingerprint
        if r.model and "model" not in fp:
            fp["model"] = r.model
        return r

    canaries = {c.name: c for c in fixed_canaries(backend)}
    out: list[Verdict] = []

    probe = go(canaries["probe"].body(model, backend))
    entry = (probe.choices[0].logprobs or [None])[0] if probe.choices else None
    if probe.status != "ok" and probe.status != "truncated":
        out += [_failed("logprobs", probe), _failed("top_logprobs", probe)]
    elif not entry:
        out += [Verdict("logprobs", IGNORED, "no logprobs in the reply"),
                Verdict("top_logprobs", NOT_APPLICABLE, "no logprobs")]
    else:
        k = len(entry.get("top_logprobs") or [])
        lp = entry.get("logprob")
        shown = f"{lp:.3f}" if isinstance(lp, (int, float)) else repr(lp)
        out.append(Verdict("logprobs", HONOURED, f"first token {entry.get('token')!r}, logprob {shown}"))
        out.append(Verdict("top_logprobs", HONOURED if k == 2 else IGNORED, f"asked for 2 alternatives, got {k}"))

    # logit_bias: ban the greedy first token
    first = entry.get("token") if entry else _text(probe)
    tid = entry.get("id") if entry and isinstance(entry.get("id"), int) else (token_id(first) if token_id and first else None)
    if tid is None:
        out.append(Verdict("logit_bias", UNCLEAR, "no token id for the greedy token (no ids in logprobs, no tokenizer)"))
    else:
        r = go(schema.build_body(model, PROMPT, {"temperature": 0.0, "max_tokens": 1, "logit_bias": {tid: -100}},
                                 backend))
        if r.status not in ("ok", "truncated"):
            out.append(_failed("logit_bias", r))
        else:
            now = _text(r)
            out.append(Verdict("logit_bias", IGNORED if now == first else HONOURED,
                               f"banned {first!r} (id {tid}); the greedy token became {now!r}"))

    greedy = go(canaries["greedy"].body(model, backend))
    gtext = _text(greedy)
    if greedy.status not in ("ok", "truncated"):
        out += [_failed("max_tokens", greedy), _failed("stop", greedy)]
    else:
        reason = greedy.choices[0].finish_reason
        used = greedy.usage.completion_tokens if greedy.usage else None
        ok = reason == "length" and (used is None or used <= 6)
        out.append(Verdict("max_tokens", HONOURED if ok else IGNORED,
                           f"max_tokens 6 → finish_reason {reason!r}, {used} completion tokens"))
        stop = _stop_string(gtext)
        if stop is None:
            out.append(Verdict("stop", UNCLEAR, f"the greedy reply {gtext!r} is too short to pick a stop string"))
        else:
            r = go(schema.build_body(model, PROMPT, {"temperature": 0.0, "max_tokens": 6, "stop": [stop]}, backend))
            if r.status not in ("ok", "truncated"):
                out.append(_failed("stop", r))
            else:
                t = _text(r)
                out.append(Verdict("stop", IGNORED if stop in t else HONOURED,
                                   f"stop {stop!r}: reply {t!r} (finish_reason {r.choices[0].finish_reason!r})"))

    a, b, c = (go(canaries[n].body(model, backend)) for n in ("seed_a", "seed_b", "seed_c"))
    if any(x.status not in ("ok", "truncated") for x in (a, b, c)):
        out.append(_failed("seed", next(x for x in (a, b, c) if x.status not in ("ok", "truncated"))))
    elif _text(a) == _text(b) != _text(c):
        out.append(Verdict("seed", HONOURED, "seed 123 twice gave the same reply, seed 456 another"))
    elif _text(a) != _text(b):
        out.append(Verdict("seed", IGNORED, "seed 123 twice gave two different replies"))
    else:
        out.append(Verdict("seed", UNCLEAR, "every seed gave the same reply (the model may be near-deterministic)"))

    r = go(canaries["n"].body(model, backend))
    if r.status not in ("ok", "truncated"):
        out.append(_failed("n", r))
    else:
        out.append(Verdict("n", HONOURED if len(r.choices) == 2 else IGNORED, f"asked for 2 choices, got {len(r.choices)}"))

    r = go(canaries["max_completion_tokens"].body(model, backend))
    if r.status not in ("ok", "truncated"):
        out.append(_failed("max_completion_tokens", r))
    else:
        used = r.usage.completion_tokens if r.usage else None
        reason = r.choices[0].finish_reason
        out.append(Verdict("max_completion_tokens", HONOURED if reason == "length" and (used or 0) <= 3 else IGNORED,
                           f"max_completion_tokens 3 → finish_reason {reason!r}, {used} completion tokens"))

    for name in ("json_object", "json_schema"):
        r = go(canaries[name].body(model, backend))
        if r.status not in ("ok", "truncated"):
            out.append(_failed(f"response_format {name}", r))
            continue
        t = _text(r).strip()
        ok = t.startswith("{") if name == "json_object" else _matches_schema(t)
        out.append(Verdict(f"response_format {name}", HONOURED if ok else IGNORED, f"reply {t[:60]!r}"))

    r = go(canaries["stream_options"].body(model, backend))
    if r.status not in ("ok", "truncated"):
        out.append(_failed("stream_options", r))
    else:
        has = r.usage is not None and not r.usage.estimated
        out.append(Verdict("stream_options", HONOURED if has else IGNORED,
                           "usage chunk received" if has else "no usage in the stream"))

    tools = canaries["tools"].body(model, backend)
    tools.update({"tools": [TOOL], "tool_choice": "required"})
    r = go(tools)
    if r.status not in ("ok", "truncated"):
        out.append(_failed("tools + tool_choice required", r))
    else:
        calls = r.choices[0].tool_calls if r.choices else []
        out.append(Verdict("tools + tool_choice required", HONOURED if calls else IGNORED,
                           f"{len(calls)} tool call{'' if len(calls) == 1 else 's'}; reply {_text(r)[:40]!r}"))

    for name in ("top_k", "min_p"):
        if name not in canaries:
            out.append(Verdict(name, NOT_APPLICABLE, f"{registry.get(backend).label} does not accept {name}"))
            continue
        r = go(canaries[name].body(model, backend))
        if r.status not in ("ok", "truncated"):
            out.append(_failed(name, r))
        elif not gtext:
            out.append(Verdict(name, UNCLEAR, "no greedy reply to compare with"))
        else:
            same = _text(r) == gtext
            value = canaries[name].params[name]
            out.append(Verdict(name, HONOURED if same else IGNORED,
                               f"{name} {value} at temperature {HOT:g} "
                               + ("gave the greedy reply" if same else f"gave {_text(r)!r}, not the greedy {gtext!r}")))

    return Report("", model, backend, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), fp, out, count)


def _stop_string(text: str) -> str | None:
    """A piece of the greedy reply after its start: with it as a stop string the reply must end before it."""
    words = text.split(" ")
    if len(words) >= 3 and words[2].strip():
        return " " + words[2].strip()
    if len(text) >= 6:
        return text[3:6]
    return None


def _matches_schema(text: str) -> bool:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and set(data) == {"colour"} and data["colour"] in ("red", "blue")


# ---- keeping reports --------------------------------------------------------------------------

def _file(base_url: str, model: str, folder: Path | None = None) -> Path:
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\0{model}".encode()).hexdigest()[:24]
    return (folder or settings.data_sub("honour")) / f"{digest}.json"


def save(report: Report, base_url: str, folder: Path | None = None) -> Path:
    report.base_url = base_url.rstrip("/")
    path = _file(base_url, report.model, folder)
    path.write_text(report.to_json(), encoding="utf-8")
    _cache.pop(str(path), None)
    return path


_cache: dict[str, tuple[float, Report]] = {}


def load(base_url: str, model: str, folder: Path | None = None) -> Report | None:
    """The last report for this endpoint and model, or None (read again only when the file changed)."""
    path = _file(base_url, model, folder)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    hit = _cache.get(str(path))
    if hit and hit[0] == mtime:
        return hit[1]
    try:
        report = Report.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    _cache[str(path)] = (mtime, report)
    return report
