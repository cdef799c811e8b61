"""Structured, rotating log files: one JSON line per request, plus the app's warnings.

Files live in CHAT_LOG_DIR (default: `logs/` inside the data dir, settings.data_dir()):
- requests.jsonl: one line per finished request (metrics, status, error class) from the
  "requestlog" observer. No key, no message text, no error text (servers echo prompts in
  errors): only measurements and identifiers.
- paramlab.jsonl: warnings and errors of the `paramlab` loggers, keys scrubbed by RedactingFilter.
Both rotate (RotatingFileHandler) at CHAT_LOG_MAX_BYTES, keeping CHAT_LOG_BACKUPS old files.
"""
from __future__ import annotations

import logging
import logging.handlers
import threading
import time
from pathlib import Path
from typing import Any, Mapping

import orjson

from paramlab.client import observers
from paramlab import settings
from paramlab.safety.redaction import RedactingFilter

REQUEST_LOGGER = "paramlab.requests"
REQUEST_FILE = "requests.jsonl"
APP_FILE = "paramlab.jsonl"
OBSERVER_NAME = "requestlog"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_BACKUPS = 5
# Request parameters that are numbers or switches, never text the user wrote.
LOGGED_PARAMS = ("temperature", "top_p", "n", "max_tokens", "max_completion_tokens", "presence_penalty",
                 "frequency_penalty", "seed", "logprobs", "top_logprobs", "stream")

_lock = threading.Lock()
_started: Path | None = None
_installed: list[tuple[logging.Logger, logging.Handler]] = []


class JsonLineFormatter(logging.Formatter):
    """A record → one JSON object: ts, level, logger, msg, plus a `fields` dict if the caller gave one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "msg": record.getMessage()}
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            out["exc_class"] = record.exc_info[0].__name__  # the class only: tracebacks can quote data
        return orjson.dumps(out, default=str).decode()


def _runtime(env: Mapping[str, str] | None) -> settings.Runtime:
    return settings.current() if env is None else settings.runtime(env)


def log_dir(env: Mapping[str, str] | None = None) -> Path:
    rt = _runtime(env)
    d = rt.log_dir if rt.log_dir is not None else rt.data_dir / "logs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _handler(path: Path, max_bytes: int, backups: int, level: int) -> logging.Handler:
    h = logging.handlers.RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8",
                                             delay=True)
    h.setLevel(level)
    h.setFormatter(JsonLineFormatter())
    h.addFilter(RedactingFilter())
    return h


def request_fields(endpoint: Any, result: Any, context: Mapping[str, Any]) -> dict[str, Any]:
    """What one request line holds. Built from an allow-list: anything not named here stays out."""
    req = getattr(result, "request", None) or {}
    m = result.metrics
    u = result.usage
    return {
        "event": "request",
        "session_id": context.get("session_id"),
        "page": context.get("page"),
        "endpoint": getattr(endpoint, "name", None),
        "host": getattr(endpoint, "host", None),
        "backend": getattr(endpoint, "backend", None),
        "model": req.get("model"),
        "params": {k: req[k] for k in LOGGED_PARAMS if req.get(k) is not None},
        "stream": bool(result.stream),
        "status": result.status,
        "error_class": result.error_class,
        "finish_reasons": result.finish_reasons,
        "choices": len(result.choices),
        "ttft_s": m.ttft_s, "latency_s": m.latency_s, "tokens_per_s": m.tokens_per_s,
        "attempts": m.attempts, "request_id": m.request_id, "cost": m.cost,
        "prompt_tokens": u.prompt_tokens if u else None,
        "completion_tokens": u.completion_tokens if u else None,
        "usage_estimated": u.estimated if u else None,
    }


def _observe(endpoint: Any, result: Any, context: dict) -> None:
    logging.getLogger(REQUEST_LOGGER).info("request", extra={"fields": request_fields(endpoint, result, context)})


def scrub_console() -> None:
    """Known keys are also scrubbed from the console (root and Streamlit handlers), where
    Streamlit prints the errors it keeps out of the browser."""
    for logger in (logging.getLogger(), logging.getLogger("streamlit")):
        for h in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in h.filters):
                h.addFilter(RedactingFilter())


def start(env: Mapping[str, str] | None = None) -> Path:
    """Set up both log files once per process and subscribe the request observer. Returns the log dir."""
    global _started
    rt = _runtime(env)
    with _lock:
        if _started is not None:
            return _started
        d = log_dir(env)
        for problem in rt.errors:
            if problem.startswith("CHAT_LOG_"):
                logging.getLogger("paramlab").warning("%s", problem)
        max_bytes = DEFAULT_MAX_BYTES if rt.log_max_bytes is None else rt.log_max_bytes
        backups = DEFAULT_BACKUPS if rt.log_backups is None else rt.log_backups
        req = logging.getLogger(REQUEST_LOGGER)
        req.setLevel(logging.INFO)
        req.propagate = False  # request lines go to their own file only
        _installed.append((req, _handler(d / REQUEST_FILE, max_bytes, backups, logging.INFO)))
        _installed.append((logging.getLogger("paramlab"), _handler(d / APP_FILE, max_bytes, backups, logging.WARNING)))
        for logger, handler in _installed:
            logger.addHandler(handler)
        observers.subscribe(OBSERVER_NAME, _observe)
        scrub_console()
        _started = d
        return d


def stop() -> None:
    """Undo start() (tests; a new CHAT_LOG_DIR takes effect on the next start())."""
    global _started
    with _lock:
        observers.unsubscribe(OBSERVER_NAME)
        for logger, handler in _installed:
            logger.removeHandler(handler)
            handler.close()
        _installed.clear()
        _started = None
