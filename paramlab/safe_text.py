"""Model text is untrusted: render it as Markdown without raw HTML, without fetching remote
images, and without live `javascript:` (or other script-capable) links."""
from __future__ import annotations

import html
import re

_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_IMAGE = re.compile(r"!\[([^\]]*)\]\[([^\]]*)\]")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_DEF = re.compile(r"^\s{0,3}\[([^\]]+)\]:\s*(\S+)", re.M)
_AUTOLINK = re.compile(r"<((?:javascript|vbscript|data|file):[^>]*)>", re.I)
_SAFE_SCHEMES = ("http://", "https://", "mailto:", "#", "/")


def _safe_url(url: str) -> bool:
    u = html.unescape(url).strip().lower()
    u = re.sub(r"[\x00-\x20]", "", u)
    return u.startswith(_SAFE_SCHEMES) or ":" not in u.split("/")[0]


def safe_markdown(text: str) -> str:
    """Markdown that is safe to hand to st.markdown(unsafe_allow_html=False)."""
    # Images become plain text naming the URL: nothing is fetched.
    text = _IMAGE.sub(lambda m: f"[image: {m.group(1) or 'untitled'} — {m.group(2)}]".replace("](", "] ("), text)
    text = _REF_IMAGE.sub(lambda m: f"[image: {m.group(1) or 'untitled'}]", text)
    text = _LINK.sub(lambda m: m.group(0) if _safe_url(m.group(2)) else f"{m.group(1)} (unsafe link removed)", text)
    text = _REF_DEF.sub(lambda m: m.group(0) if _safe_url(m.group(2)) else f"[{m.group(1)}]: #unsafe-link-removed", text)
    text = _AUTOLINK.sub("(unsafe link removed)", text)
    # Raw HTML is shown as text, never interpreted.
    return text.replace("<", "&lt;").replace(">", "&gt;")
