"""Saving and reopening a whole Playground session as JSON: endpoint and model names, system
prompt, messages, parameters, the last replies with their metrics. The API key is never in it:
results only carry masked headers, and every string is scrubbed of known keys before writing.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from paramlab import settings
from paramlab.request import messages as msgs
from paramlab.request import schema
from paramlab.safety.redaction import known, redact_obj
from paramlab.client.result import ChatResult

FORMAT = "paramlab.session"
VERSION = 1
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Session:
    system: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)  # role, content, optional result
    params: dict[str, Any] = field(default_factory=schema.defaults)
    endpoint: str | None = None
    model: str | None = None
    stream: bool = True
    include_usage: bool = True
    label: str = ""
    last_results: list[ChatResult] = field(default_factory=list)  # the reply panes
    run: dict[str, Any] | None = None  # per-choice pane state (texts, timings), JSON-friendly
    saved_at: float | None = None


class SessionError(ValueError):
    """A file that cannot be opened; the message names the field."""


def to_json(s: Session, secrets: Iterable[str] = ()) -> str:
    data = {
        "format": FORMAT, "version": VERSION, "saved_at": time.time(),
        "endpoint": s.endpoint, "model": s.model, "label": s.label,
        "stream": s.stream, "include_usage": s.include_usage,
        "system": s.system,
        "params": schema.normalise(s.params),
        "messages": [_message_out(m) for m in s.messages],
        "last_results": [r.to_dict() for r in s.last_results],
        "run": s.run,
    }
    data = redact_obj(data, [*secrets, *known()])
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _message_out(m: dict[str, Any]) -> dict[str, Any]:
    out = msgs.to_api(m)  # with tool_calls, tool_call_id and image parts
    if isinstance(m.get("result"), ChatResult):
        out["result"] = m["result"].to_dict()
    return out


def from_json(text: str | bytes) -> tuple[Session, list[str]]:
    """Parse a saved session. Returns it with warnings for the parts that were dropped;
    raises SessionError when the file is not a session at all."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise SessionError(f"(file): larger than {MAX_BYTES // 2**20} MiB")
        text = text.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise SessionError(f"(file): not JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SessionError(f"format: not a ParamLab session (expected \"format\": \"{FORMAT}\")")
    warnings: list[str] = []
    s = Session()
    s.system = data.get("system") if isinstance(data.get("system"), str) else ""
    for key in ("endpoint", "model", "label"):
        v = data.get(key)
        if v is not None and not isinstance(v, str):
            warnings.append(f"{key}: must be text; ignored")
            v = None
        setattr(s, key, v if key != "label" else (v or ""))
    for key in ("stream", "include_usage"):
        if isinstance(data.get(key), bool):
            setattr(s, key, data[key])
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    for fe in schema.validate_params(params):
        warnings.append(f"params.{fe.field}: {fe.message}; ignored")
        params.pop(fe.field, None)
    params = {k: v for k, v in params.items() if k in schema.KNOWN_NAMES}
    if isinstance(params.get("logit_bias"), dict):
        params["logit_bias"] = {int(k): v for k, v in params["logit_bias"].items()}
    s.params = {**schema.defaults(), **params}
    for i, m in enumerate(data.get("messages") or []):
        msg = msgs.clean_saved(m, i, warnings)
        if msg is None:
            continue
        if isinstance(m.get("result"), dict):
            try:
                msg["result"] = ChatResult.from_dict(m["result"])
            except (TypeError, ValueError) as e:
                warnings.append(f"messages[{i}].result: unreadable ({e}); the text is kept")
        s.messages.append(msg)
    for i, r in enumerate(data.get("last_results") or []):
        try:
            s.last_results.append(ChatResult.from_dict(r))
        except (TypeError, ValueError) as e:
            warnings.append(f"last_results[{i}]: unreadable ({e}); skipped")
    s.run = data.get("run") if isinstance(data.get("run"), dict) else None
    s.saved_at = data.get("saved_at") if isinstance(data.get("saved_at"), (int, float)) else None
    return s, warnings


def sessions_dir() -> Path:
    return settings.data_sub("sessions")


def file_name(name: str) -> str:
    return (re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "session")[:80] + ".json"


def save(s: Session, name: str, secrets: Iterable[str] = (), folder: Path | None = None) -> Path:
    path = (folder or sessions_dir()) / file_name(name)
    path.write_text(to_json(s, secrets), encoding="utf-8")
    return path


def list_saved(folder: Path | None = None) -> list[Path]:
    return sorted((folder or sessions_dir()).glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)


def load(path: Path) -> tuple[Session, list[str]]:
    return from_json(path.read_bytes())
