"""Keeping API keys out of reprs, logs, exceptions and exports."""
from __future__ import annotations

import logging
from typing import Any, Iterable

MASK = "***"


class Secret:
    """A string that never shows itself: str() and repr() are masked; .reveal() gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None):
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret({MASK if self._value else ''!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self):  # pickling (e.g. a session_state dump) must not carry the key
        return (Secret, ("",))


def mask(value: str) -> str:
    """sk-abc...xyz → 'sk-…xyz' style hint, enough to tell keys apart."""
    if not value:
        return ""
    return f"{value[:3]}…{value[-4:]}" if len(value) > 12 else MASK


def redact(text: str, secrets: Iterable[str]) -> str:
    for s in secrets:
        if s and len(s) >= 4:
            text = text.replace(s, MASK)
    return text


def redact_obj(obj: Any, secrets: Iterable[str]) -> Any:
    """Deep-redact strings inside JSON-like data."""
    secrets = [s for s in secrets if s]
    if isinstance(obj, str):
        return redact(obj, secrets)
    if isinstance(obj, dict):
        return {k: redact_obj(v, secrets) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_obj(v, secrets) for v in obj]
    if isinstance(obj, Secret):
        return MASK
    return obj


_KNOWN: set[str] = set()


def register(value: str) -> None:
    """Remember a key so the logging filter can scrub it wherever it shows up."""
    if value and len(value) >= 4:
        _KNOWN.add(value)


def known() -> set[str]:
    return set(_KNOWN)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _KNOWN:
            msg = record.getMessage()
            clean = redact(msg, _KNOWN)
            if clean != msg:
                record.msg, record.args = clean, ()
        return True


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for k, v in headers.items():
        if k.lower() in ("authorization", "api-key", "x-api-key"):
            scheme, _, tok = v.partition(" ")
            out[k] = f"{scheme} {mask(tok)}" if tok else mask(v)
        else:
            out[k] = v
    return out
