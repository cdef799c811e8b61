"""Word-level diff between two replies, and a safe Markdown rendering of it.

difflib.SequenceMatcher aligns the words (each carries the whitespace after it, so both texts
can be rebuilt exactly from the ops). The rendering escapes every Markdown character of the model
text, so a reply can never inject links, images, HTML or formatting into the page. How similar two
replies are is similarity.similarity's to say.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$=&\"'^%@/])")


@dataclass(frozen=True)
class DiffOp:
    tag: str   # "equal" | "delete" (only in A) | "insert" (only in B)
    text: str


def diff(a: str, b: str) -> list[DiffOp]:
    """Ops that turn `a` into `b`; a replacement is a delete followed by an insert.

    Words are aligned on the words alone: were whitespace tokens aligned too, the single spaces
    two different sentences share would anchor the match and interleave their words one by one.
    A short run of shared words between two changes (a lone "the") joins them, as in
    diff-match-patch's semantic clean-up, so a rewritten clause reads as one struck phrase and one
    new phrase. Whitespace that differs inside shared text is a delete and an insert of it."""
    (lead_a, wa), (lead_b, wb) = _units(a), _units(b)
    ops: list[DiffOp] = []
    _space(ops, lead_a, lead_b)
    sm = difflib.SequenceMatcher(None, [w for w, _ in wa], [w for w, _ in wb], autojunk=False)
    for tag, i1, i2, j1, j2 in _fold_short_equals(sm.get_opcodes(), wa, wb):
        if tag == "equal":
            for (word, space_a), (_, space_b) in zip(wa[i1:i2], wb[j1:j2]):
                _add(ops, "equal", word)
                _space(ops, space_a, space_b)
            continue
        _add(ops, "delete", "".join(w + s for w, s in wa[i1:i2]))
        _add(ops, "insert", "".join(w + s for w, s in wb[j1:j2]))
    return ops


Unit = tuple[str, str]  # a word or punctuation mark, and the whitespace after it


def _units(text: str) -> tuple[str, list[Unit]]:
    lead = text[:len(text) - len(text.lstrip())]
    return lead, [(m[1], m[2]) for m in _UNIT.finditer(text, len(lead))]


_UNIT = re.compile(r"(\w+|[^\w\s])(\s*)")
_FOLD_WORDS = 2  # shared runs this short, between two changes, join them


def _fold_short_equals(opcodes: list[tuple], wa: list[Unit], wb: list[Unit]) -> list[tuple]:
    """The opcodes, with each shared run of at most _FOLD_WORDS words lying between two changes,
    and no longer in characters than either of them, folded into one replacement."""
    def size(op) -> int:  # a change's size: the longer of its two sides, in characters
        return max(sum(len(w) for w, _ in wa[op[1]:op[2]]), sum(len(w) for w, _ in wb[op[3]:op[4]]))

    out: list[tuple] = []
    for k, op in enumerate(opcodes):
        tag = op[0]
        if tag == "equal" and out and out[-1][0] != "equal" and k + 1 < len(opcodes) \
                and op[2] - op[1] <= _FOLD_WORDS and size(op) <= min(size(out[-1]), size(opcodes[k + 1])):
            tag = "replace"
        if tag != "equal" and out and out[-1][0] != "equal":
            out[-1] = ("replace", out[-1][1], op[2], out[-1][3], op[4])
        else:
            out.append((tag, *op[1:]))
    return out


def _space(ops: list[DiffOp], space_a: str, space_b: str) -> None:
    if space_a == space_b:
        _add(ops, "equal", space_a)
    else:
        _add(ops, "delete", space_a)
        _add(ops, "insert", space_b)


def _add(ops: list[DiffOp], tag: str, text: str) -> None:
    """Append, joining the previous op of the same kind; an empty text adds nothing."""
    if not text:
        return
    if ops and ops[-1].tag == tag:
        ops[-1] = DiffOp(tag, ops[-1].text + text)
    else:
        ops.append(DiffOp(tag, text))


def counts(ops: list[DiffOp]) -> dict[str, int]:
    out = {"equal": 0, "delete": 0, "insert": 0}
    for op in ops:
        out[op.tag] += len(_UNIT.findall(op.text))
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

    A change is styled as one span per line, so its words read as one phrase; whitespace at a
    span's edges and newlines stay outside the markup (Markdown ignores "~~ word~~"). A struck
    phrase and the new phrase after it are kept a space apart."""
    out: list[str] = []
    for k, op in enumerate(ops):
        if op.tag == "delete" and op.text.isspace():
            continue  # A's layout where it differs from B's: the text shown is laid out as B
        if op.tag == "equal":
            out.append(escape_markdown(op.text))
            continue
        for t in re.split(r"(\s*\n\s*|^\s+|\s+$)", op.text):
            if t:
                out.append(escape_markdown(t) if t.isspace() else _styled(t, op.tag))
        if op.tag == "delete" and k + 1 < len(ops) and ops[k + 1].tag == "insert" and not op.text[-1].isspace():
            out.append(" ")
    return "".join(out)
