"""Conversation messages beyond plain text: the `developer` role, user turns with image parts,
assistant turns carrying `tool_calls`, and `tool` turns answering them. Validation names the
field (`messages[2].content[1].image_url.url`); `to_api` gives the message exactly as sent.

In the app a turn is a dict with role and content (text, or a list of parts for a user turn
with images), optional name / tool_calls / tool_call_id, and UI-only keys (`result`) that
`to_api` drops.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any, Sequence

from paramlab.request.fields import FieldError, ValidationError

ROLES = ("developer", "system", "user", "assistant", "tool")
DETAILS = ("auto", "low", "high")
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # OpenAI's per-image limit
_DATA_URL = re.compile(r"^data:(image/[a-z0-9.+-]+);base64,(.*)$", re.S | re.I)
API_KEYS = ("role", "content", "name", "tool_calls", "tool_call_id", "refusal")


def text_of(m: dict) -> str:
    """The text of a turn (the text parts of a multi-part one), for display and counting."""
    c = m.get("content")
    if isinstance(c, str):
        return c
    if isinstance(c, list):
        return "\n".join(p.get("text", "") for p in c if isinstance(p, dict) and p.get("type") == "text")
    return ""


def images_of(m: dict) -> list[dict]:
    c = m.get("content")
    return [p["image_url"] for p in c if isinstance(p, dict) and p.get("type") == "image_url"
            and isinstance(p.get("image_url"), dict)] if isinstance(c, list) else []


def to_api(m: dict) -> dict:
    """The message as the request carries it: API keys only, empty extras left out."""
    out: dict[str, Any] = {"role": m["role"], "content": m.get("content")}
    for k in ("name", "tool_calls", "tool_call_id", "refusal"):
        if m.get(k):
            out[k] = m[k]
    return out


def other_parts(m: dict) -> list[dict]:
    """The parts of a turn that are neither its text nor its images (audio, files, refusals):
    the editor edits text and images and keeps these as they are."""
    c = m.get("content")
    return [p for p in c if not (isinstance(p, dict) and p.get("type") in ("text", "image_url"))] \
        if isinstance(c, list) else []


def user_content(text: str, images: list[dict], others: list[dict] = ()) -> str | list[dict]:
    """Plain text when there is no image or other part (what every backend accepts), else parts."""
    if not images and not others:
        return text
    parts: list[dict] = [{"type": "text", "text": text}] if text else []
    return parts + [{"type": "image_url", "image_url": img} for img in images] + list(others)


def describe_part(p: Any) -> str:
    """One line for a part the page does not draw (an audio clip, a file, a refusal)."""
    kind = p.get("type") if isinstance(p, dict) else None
    if kind == "input_audio":
        a = p.get("input_audio") or {}
        return f"🔊 audio ({a.get('format', '?')}, {len(a.get('data') or '') * 3 // 4:,} bytes)"
    if kind == "file":
        f = p.get("file") or {}
        return f"📄 file {f.get('filename') or f.get('file_id') or '(unnamed)'}"
    if kind == "refusal":
        return f"⛔ refusal: {p.get('refusal', '')}"
    return f"part of type {kind!r}"


# -- images -----------------------------------------------------------------------------------
def image_data_url(data: bytes, field: str = "image") -> str:
    """An uploaded file as a data URL. Raises ValidationError when it is too big or not an image."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError([FieldError(field, f"{len(data) / 2**20:.1f} MiB is over the "
                                                 f"{MAX_IMAGE_BYTES // 2**20} MiB limit per image")])
    mime = sniff_image(data)
    if mime is None:
        raise ValidationError([FieldError(field, "is not a PNG, JPEG, GIF or WebP image")])
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def sniff_image(data: bytes) -> str | None:
    """The MIME type of an image file Pillow can open (PNG, JPEG, GIF, WebP), else None."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as im:
            im.verify()
            return IMAGE_TYPES.get(im.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def image_part(url: str, detail: str = "auto") -> dict:
    return {"url": url, "detail": detail}


def check_image(img: Any, where: str, errors: list[FieldError]) -> None:
    if not isinstance(img, dict) or not isinstance(img.get("url"), str):
        errors.append(FieldError(f"{where}.image_url", "needs a url (a link or a data URL)"))
        return
    url = img["url"]
    m = _DATA_URL.match(url)
    if url.startswith("data:"):
        if not m:
            errors.append(FieldError(f"{where}.image_url.url", "a data URL must be data:image/…;base64,…"))
        else:
            try:
                raw = base64.b64decode(m.group(2), validate=True)
            except (binascii.Error, ValueError):
                errors.append(FieldError(f"{where}.image_url.url", "the data URL is not valid base64"))
            else:
                if len(raw) > MAX_IMAGE_BYTES:
                    errors.append(FieldError(f"{where}.image_url.url", f"image over the {MAX_IMAGE_BYTES // 2**20} MiB limit"))
                elif sniff_image(raw) is None:
                    errors.append(FieldError(f"{where}.image_url.url", "the data is not a PNG, JPEG, GIF or WebP image"))
    elif not re.match(r"^https?://[^\s/]+", url):
        errors.append(FieldError(f"{where}.image_url.url", "must be an http(s) link or a data URL"))
    if img.get("detail", "auto") not in DETAILS:
        errors.append(FieldError(f"{where}.image_url.detail", f"must be auto, low or high, got {img.get('detail')!r}"))


# The content parts each role may send (the Chat Completions reference).
PARTS = {"user": ("text", "image_url", "input_audio", "file"), "system": ("text",), "developer": ("text",),
         "assistant": ("text", "refusal"), "tool": ("text",)}
AUDIO_FORMATS = ("wav", "mp3")


def _check_parts(parts: list, where: str, errors: list[FieldError], allowed: tuple[str, ...]) -> None:
    if not parts:
        errors.append(FieldError(where, "needs at least one part"))
    for j, p in enumerate(parts):
        pw = f"{where}[{j}]"
        kind = p.get("type") if isinstance(p, dict) else None
        if kind not in allowed:
            errors.append(FieldError(f"{pw}.type", f"must be {' or '.join(allowed)}, got {kind!r}"))
        elif kind in ("text", "refusal"):
            if not isinstance(p.get(kind), str):
                errors.append(FieldError(f"{pw}.{kind}", "must be text"))
        elif kind == "image_url":
            check_image(p.get("image_url"), pw, errors)
        elif kind == "input_audio":
            _check_audio(p.get("input_audio"), f"{pw}.input_audio", errors)
        else:
            _check_file(p.get("file"), f"{pw}.file", errors)


def _check_audio(a: Any, where: str, errors: list[FieldError]) -> None:
    if not isinstance(a, dict):
        errors.append(FieldError(where, "needs {data, format}"))
        return
    if a.get("format") not in AUDIO_FORMATS:
        errors.append(FieldError(f"{where}.format", f"must be wav or mp3, got {a.get('format')!r}"))
    try:
        base64.b64decode(a.get("data") or "", validate=True)
        ok = bool(a.get("data"))
    except (binascii.Error, ValueError, TypeError):
        ok = False
    if not ok:
        errors.append(FieldError(f"{where}.data", "must be the audio as base64"))


def _check_file(f: Any, where: str, errors: list[FieldError]) -> None:
    if not isinstance(f, dict) or not (isinstance(f.get("file_id"), str) or isinstance(f.get("file_data"), str)):
        errors.append(FieldError(where, "needs a file_id or file_data (base64)"))
    elif f.get("filename") is not None and not isinstance(f["filename"], str):
        errors.append(FieldError(f"{where}.filename", "must be text"))


def _check_tool_calls(calls: Any, where: str, errors: list[FieldError]) -> list[str]:
    from paramlab.request.tools import NAME_RE
    if not isinstance(calls, list) or not calls:
        errors.append(FieldError(f"{where}.tool_calls", "must be a non-empty list"))
        return []
    ids = []
    for k, tc in enumerate(calls):
        cw = f"{where}.tool_calls[{k}]"
        fn = tc.get("function") if isinstance(tc, dict) else None
        if not isinstance(tc, dict) or not isinstance(tc.get("id"), str) or not tc["id"]:
            errors.append(FieldError(f"{cw}.id", "needs an id"))
        else:
            ids.append(tc["id"])
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not NAME_RE.match(fn["name"]):
            errors.append(FieldError(f"{cw}.function.name", "needs a valid function name"))
        elif not isinstance(fn.get("arguments"), str):
            errors.append(FieldError(f"{cw}.function.arguments", "must be a JSON string"))
    return ids


def validate(messages: Any) -> list[FieldError]:
    """Every problem with the conversation, each naming its field."""
    if not isinstance(messages, list) or not messages:
        return [FieldError("messages", "at least one message is needed")]
    errors: list[FieldError] = []
    open_calls: set[str] = set()
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            errors.append(FieldError(where, "must be an object with role and content"))
            continue
        role, content = m.get("role"), m.get("content")
        if role not in ROLES:
            errors.append(FieldError(f"{where}.role", f"must be one of {', '.join(ROLES)}, got {role!r}"))
            continue
        if role == "assistant" and m.get("tool_calls") is not None:
            open_calls |= set(_check_tool_calls(m["tool_calls"], where, errors))
            if content is None:
                content = ""  # an assistant turn that only calls tools has no content
        elif role == "tool":
            cid = m.get("tool_call_id")
            if not isinstance(cid, str) or not cid:
                errors.append(FieldError(f"{where}.tool_call_id", "a tool turn needs the id of the call it answers"))
            elif cid not in open_calls:
                errors.append(FieldError(f"{where}.tool_call_id", f"{cid!r} answers no tool call of an earlier assistant turn"))
        if isinstance(content, list):
            _check_parts(content, f"{where}.content", errors, PARTS[role])
        elif not isinstance(content, str):
            errors.append(FieldError(f"{where}.content", "must be text (the tool's result)" if role == "tool"
                                     else "must be text or a list of content parts"))
        if m.get("name") is not None and (not isinstance(m["name"], str) or not re.match(r"^[a-zA-Z0-9_-]{1,64}$", m["name"])):
            errors.append(FieldError(f"{where}.name", "letters, digits, _ and -, up to 64 characters"))
    return errors


def clean_saved(m: Any, i: int, warnings: list[str]) -> dict | None:
    """A turn read from a session file: kept when it validates on its own (tool ids are checked
    against the whole conversation at send time), else skipped with a warning."""
    if not isinstance(m, dict):
        warnings.append(f"messages[{i}]: not an object; skipped")
        return None
    msg = {k: m[k] for k in API_KEYS if k in m}
    probe = [msg] if msg.get("role") != "tool" else [
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": msg.get("tool_call_id") or "x", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, msg]
    errs = validate(probe)
    if errs:
        warnings.append(f"messages[{i}]: {errs[0].field.split('.', 1)[-1]} {errs[0].message}; skipped")
        return None
    return msg


def with_system(messages: Sequence[dict], system: str | None) -> list[dict]:
    """The conversation with its system prompt replaced by `system` (None: left as it is; an empty
    or blank one: no system prompt). A developer turn at the start stands for a system prompt."""
    out = list(messages)
    if system is None:
        return out
    if out and out[0].get("role") in ("system", "developer"):
        out.pop(0)
    return ([{"role": "system", "content": system}] if system.strip() else []) + out


def system_label(system: str | None, width: int = 24) -> str:
    """A system prompt in a title: “its first words…”, none, or the Playground's (None: the
    conversation's own)."""
    if system is None:
        return "Playground's"
    text = " ".join(system.split())
    if not text:
        return "none"
    if len(text) > width:
        cut = text[:width - 1]
        if " " in cut[width // 2:]:  # end on a whole word when one ends late enough
            cut = cut[:cut.rindex(" ")]
        text = cut.rstrip() + "…"
    return "“" + text + "”"
