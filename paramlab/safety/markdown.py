"""Model text is untrusted: render it as Markdown without raw HTML, without fetching remote
images, and without live `javascript:` (or other script-capable) links.

The output goes to st.markdown(unsafe_allow_html=False). Code (fenced/indented blocks and
inline spans, located with markdown-it, a CommonMark parser like the browser's) is left as it
is, because Markdown shows code literally. Everywhere else:
- every image opener `![` is escaped, so no form of image syntax (inline, reference, shortcut,
  nested brackets, angle-bracket URLs) can reach the renderer; common inline images are first
  replaced by a visible "[image: alt — url]" note;
- `<` becomes `&lt;`, so no tag is ever interpreted (the text shows it);
- links and reference definitions whose URL is not http(s)/mailto/relative are defused.
"""
from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

_MD = MarkdownIt("commonmark")

# An inline image with a URL that may hold one level of balanced parentheses, and a title.
_URL = r"<[^>\n]*>|(?:[^\s()]|\((?:[^\s()])*\))*"
_TITLE = r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?"""
_IMAGE = re.compile(r"!\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(" + _URL + r")" + _TITLE + r"\s*\)")
_LINK = re.compile(r"(?<!\\)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(" + _URL + r")" + _TITLE + r"\s*\)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(<[^>\n]*>|\S+)", re.M)
# A code span never crosses a blank line (a paragraph break).
_INLINE_CODE = re.compile(r"(?<![`\\])(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
UNSAFE_LINK = "(unsafe link removed)"


def safe_url(url: str) -> bool:
    """http(s), mailto, or relative/anchor URLs only; entity and whitespace tricks are undone first."""
    u = html.unescape(url.strip().strip("<>"))
    u = re.sub(r"[\x00-\x20\x7f]", "", u).lower()
    if u.startswith(_SAFE_SCHEMES):
        return True
    scheme_part = re.split(r"[/?#]", u, maxsplit=1)[0]
    return ":" not in scheme_part


def _image_note(m: re.Match) -> str:
    alt = re.sub(r"[\[\]`<]", "", m.group(1)).strip() or "untitled"
    url = m.group(2).strip("<>").replace("`", "")
    # the URL in a code span: shown in full, never turned into a link or an image
    return f"(image not loaded: {alt} — `{url}`)"


def _defuse_link(m: re.Match) -> str:
    return m.group(0) if safe_url(m.group(2)) else f"{m.group(1)} {UNSAFE_LINK}"


def _defuse_ref(m: re.Match) -> str:
    return m.group(0) if safe_url(m.group(2)) else f"{m.group(1)}#{UNSAFE_LINK.replace(' ', '-')[1:-1]}"


def _prose(text: str) -> str:
    """Make a stretch of non-code Markdown safe."""
    text = _IMAGE.sub(_image_note, text)
    text = text.replace("![", "!\\[")  # any other image syntax
    text = _LINK.sub(_defuse_link, text)
    text = _REF_DEF.sub(_defuse_ref, text)
    text = re.sub(r"<\s*(?:javascript|vbscript|data|file)\s*:[^>]*>", UNSAFE_LINK, text, flags=re.I)
    return text.replace("<", "&lt;")


def _prose_with_inline_code(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE_CODE.finditer(text):
        out.append(_prose(text[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_prose(text[pos:]))
    return "".join(out)


def _code_line_ranges(text: str) -> list[tuple[int, int]]:
    """Line ranges [start, end) of fenced and indented code blocks, nested ones included."""
    ranges = []
    for tok in _MD.parse(text):
        if tok.type in ("fence", "code_block") and tok.map:
            ranges.append(tuple(tok.map))
    return ranges


def _is_safe(md: str) -> bool:
    """Parse as CommonMark (with HTML on) and look for anything that could load or run."""
    stack = list(_MD.parse(md))
    while stack:
        tok = stack.pop()
        if tok.type in ("image", "html_inline", "html_block"):
            return False
        if tok.type == "link_open" and not safe_url(str(tok.attrGet("href") or "")):
            return False
        stack.extend(tok.children or ())
    return True


def _escape_all(text: str) -> str:
    """Last resort: every Markdown punctuation character escaped, so nothing is syntax."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~>:])", r"\\\1", text).replace("<", "&lt;")


def literal(text: str) -> str:
    """Untrusted plain text (a title, a name) shown exactly as itself inside Markdown."""
    return _escape_all(" ".join(text.split()))


def web_link(title: str, url: str) -> str:
    """A link to an http(s) page with an untrusted title; any other URL (or one with spaces or
    angle brackets, which would end the link early) is shown as text, never made a link."""
    u = url.strip()
    if not re.match(r"(?i)https?://[^\s<>]+$", u):
        return literal(f"{title} — {u}" if title else u)
    return f"[{literal(title or u)}](<{u}>)"


def safe_markdown(text: str) -> str:
    """Markdown that is safe to hand to st.markdown(unsafe_allow_html=False)."""
    if not text:
        return ""
    out = _keep_code(text)
    if _is_safe(out):
        return out
    out = _prose(text)  # the code split disagreed with the parser: sanitise code too
    return out if _is_safe(out) else _escape_all(text)


def _keep_code(text: str) -> str:
    lines = text.splitlines(keepends=True)
    code = _code_line_ranges(text)
    out, i = [], 0
    for start, end in code:
        if start > i:
            out.append(_prose_with_inline_code("".join(lines[i:start])))
        out.append("".join(lines[start:end]))
        i = max(i, end)
    out.append(_prose_with_inline_code("".join(lines[i:])))
    return "".join(out)
