"""Word-level diff between two replies, and a safe Markdown rendering of it.

difflib.SequenceMatcher runs over word tokens (whitespace kept as its own tokens so the
text can be rebuilt exactly). The rendering escapes every Markdown character of the model
text, so a reply can never inject links, images, HTML or formatting into the page.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=&\"'^%@/])")


@dataclass(frozen=True)
class DiffOp:
    tag: str   # "equal" | "delete" (only in A) | "insert" (only in B)
    text: str


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def diff(a: str, b: str) -> list[DiffOp]:
    """Ops that turn `a` into `b`; a replacement is a delete followed by an insert."""
    ta, tb = tokens(a), tokens(b)
    sm = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    ops: list[DiffOp] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            ops.append(DiffOp("equal", "".join(ta[i1:i2])))
            continue
        if i2 > i1:
            ops.append(DiffOp("delete", "".join(ta[i1:i2])))
        if j2 > j1:
            ops.append(DiffOp("insert", "".join(tb[j1:j2])))
    return ops


def similarity(a: str, b: str) -> float:
    """Share of words in common, 0..1 (whitespace ignored)."""
    ta = [t for t in tokens(a) if not t.isspace()]
    tb = [t for t in tokens(b) if not t.isspace()]
    if not ta and not tb:
        return 1.0
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio()


def counts(ops: list[DiffOp]) -> dict[str, int]:
    out = {"equal": 0, "delete": 0, "insert": 0}
    for op in ops:
        out[op.tag] += sum(1 for t in tokens(op.text) if not t.isspace())
    return out


def escape_markdown(text: str) -> str:
    """Every Markdown-active character backslash-escaped; newlines become hard line breaks."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("\r\n", "\n").replace("\n", "  \n")


def _styled(word: str, tag: str) -> str:
    w = escape_markdown(word)
    return f":red-background[~~{w}~~]" if tag == "delete" else f":green-background[**{w}**]"


def to_markdown(ops: list[DiffOp]) -> str:
    """Unchanged text plain, deletions struck through on red, insertions bold on green.

    Styling is applied word by word so whitespace and newlines never sit inside markup.
    """
    out: list[str] = []
    for op in ops:
        if op.tag == "equal":
            out.append(escape_markdown(op.text))
            continue
        for t in re.split(r"(\s+)", op.text):
            if not t:
                continue
            out.append(escape_markdown(t) if t.isspace() else _styled(t, op.tag))
    return "".join(out)
