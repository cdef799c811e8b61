"""Counted nouns in the page's sentences: "1 turn", "3 turns" (never "turn(s)")."""
from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
