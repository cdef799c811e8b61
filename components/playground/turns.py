"""The parts of a conversation turn beyond its text: images of a user turn, the tool calls of an
assistant turn, the call id a tool turn answers; shown, and edited, by the conversation editor."""
from __future__ import annotations

import base64
import json

import streamlit as st

from components.common import reply_extras, words
from paramlab.request import messages, reply_audio, structured
from paramlab.request import tools as toolslib

ROLES = ("user", "assistant", "developer", "system", "tool")
AVATARS = {"developer": "🧑‍💻", "tool": "🛠️", "system": "⚙️"}


def avatar(role: str) -> str | None:
    return AVATARS.get(role)


def show(m: dict, i: int) -> None:
    """Images, tool calls and tool ids of turn `i` (its text is drawn by the editor)."""
    if m.get("role") == "tool":
        st.caption(f"Result of tool call `{m.get('tool_call_id') or '?'}`")
    for j, img in enumerate(messages.images_of(m)):
        preview(img, width=160, caption=f"image {j + 1} · detail {img.get('detail', 'auto')}")
    for part in messages.other_parts(m):
        st.caption(messages.describe_part(part))
    for tc in m.get("tool_calls") or ():
        cid, name, args = toolslib.call_parts(tc)
        st.markdown(f"🛠️ calls **{name}** `{cid}`")
        st.code(args or "{}", language="json")
    request = getattr(m.get("result"), "request", None) or {}
    fmt = reply_audio.requested_format(request) if isinstance(request, dict) else None
    choices = getattr(m.get("result"), "choices", None) or []
    if m.get("role") == "assistant" and fmt and choices and choices[0].audio:
        reply_extras.audio_player(reply_audio.of_choice(choices[0].audio, fmt), transcript=False)
    if m.get("role") == "assistant" and isinstance(request, dict):
        reply_extras.verdict_badge(structured.check_reply(messages.text_of(m), request.get("response_format")))
    if m.get("role") == "assistant" and choices:
        reply_extras.cited(choices[0].extra_parts)  # the pages the reply's [1], [2] refer to


def tool_result(m: dict) -> None:
    """A tool turn's result: pretty JSON when it is JSON, else text."""
    text = messages.text_of(m)
    try:
        st.code(json.dumps(json.loads(text), indent=2, ensure_ascii=False), language="json")
    except json.JSONDecodeError:
        st.code(text or "(empty)", language=None)


def preview(img: dict, width: int = 160, caption: str | None = None) -> None:
    """A data-URL image shown from its bytes; a link is shown as text (remote images are never
    loaded by the page)."""
    url = img.get("url", "")
    if url.startswith("data:") and "," in url:
        try:
            st.image(base64.b64decode(url.split(",", 1)[1]), width=width, caption=caption)
            return
        except (ValueError, TypeError):
            pass
    st.caption(f"🔗 {url[:120]}" + (f" — {caption}" if caption else ""))


def edit_start(m: dict, i: int) -> dict[str, str]:
    """Where edit_fields' inputs start for turn `m` (by widget key)."""
    out = {}
    if m.get("role") == "tool" or m.get("tool_call_id"):
        out[f"w.edit.tcid.{i}"] = m.get("tool_call_id") or ""
    if m.get("role") == "assistant" or m.get("tool_calls"):
        out[f"w.edit.tcs.{i}"] = json.dumps(m["tool_calls"], indent=2) if m.get("tool_calls") else ""
    return out


def edit_fields(m: dict, i: int) -> None:
    """Extra inputs in the edit form for tool turns and assistant turns with tool calls (seeded
    from edit_start)."""
    if m.get("role") == "tool" or m.get("tool_call_id"):
        st.text_input("tool_call_id", key=f"w.edit.tcid.{i}", persist_state="session")
    if m.get("role") == "assistant" or m.get("tool_calls"):
        st.text_area("tool_calls (JSON, empty for none)", key=f"w.edit.tcs.{i}", height=120, persist_state="session",
                     placeholder='[{"id": "call_1", "type": "function", "function": {"name": "…", "arguments": "{}"}}]')


def apply_edit(m: dict, i: int, text: str, role: str, images: list[dict]) -> str | None:
    """Write the edit form (with the turn's images as edited) into turn `m`; returns an error
    naming the field, or None (then `m` is unchanged)."""
    if images and role != "user":
        return (f"messages[{i}].content: only a user turn carries images — remove the "
                f"{words.count(len(images), 'image')}, or keep the role user")
    calls = m.get("tool_calls")
    if f"w.edit.tcs.{i}" in st.session_state:
        calls_text = st.session_state[f"w.edit.tcs.{i}"].strip()
        try:
            calls = json.loads(calls_text) if calls_text else None
        except json.JSONDecodeError as e:
            return f"messages[{i}].tool_calls: not valid JSON ({e.msg})"
    m["role"] = role
    m["content"] = messages.user_content(text, images, messages.other_parts(m)) if role == "user" else (
        text if text or not calls else None)
    if calls and role == "assistant":
        m["tool_calls"] = calls
    else:
        m.pop("tool_calls", None)
    tcid = st.session_state.get(f"w.edit.tcid.{i}", "").strip()
    if role == "tool":
        m["tool_call_id"] = tcid
    else:
        m.pop("tool_call_id", None)
    return None
