"""The editable conversation: every turn rendered safely, with edit, delete and insert; clear.

Turns live in st.session_state[state.MESSAGES] as {"role", "content", optional "result"}, plus
tool_calls (assistant), tool_call_id (tool) and image parts in content (user): see turns.py.
"""
from __future__ import annotations

import streamlit as st

from components.common import panes as replies
from components.common import reply_extras, section, state, thinking, words
from components.playground import actions, attach, turns
from paramlab.client.result import ChatResult
from paramlab.request.messages import images_of, text_of, user_content
from paramlab.safety.markdown import safe_markdown

EDITING = "pl.editing"  # index of the turn being edited
INSERT_DRAFT = "pl.insert_draft"  # the insert box's text, kept when the page is left
INSERT_IMAGES = attach.ImageBox("pl.insert_images", "w.insert.img")


def edit_images(i: int) -> attach.ImageBox:
    """The images of turn `i` while it is edited: a copy, written back by Save, dropped by Cancel."""
    return attach.ImageBox("pl.edit_images", f"w.edit.img.{i}", f"turn {i + 1}, image")


def _msgs() -> list[dict]:
    return st.session_state[state.MESSAGES]


def _start_edit(i: int) -> None:
    st.session_state[EDITING] = i
    st.session_state.pop("pl.edit_error", None)
    attach.load(edit_images(i), images_of(_msgs()[i]))
    _seed_form(i, overwrite=True)


def _seed_form(i: int, overwrite: bool = False) -> None:
    """The edit form's fields start from the turn; they keep what is typed in them, across a
    visit to another page too (persist_state), until Save or Cancel."""
    m, ss = _msgs()[i], st.session_state
    start = {f"w.edit.{i}": text_of(m), f"w.edit.role.{i}": m["role"] if m["role"] in turns.ROLES else turns.ROLES[0],
             **turns.edit_start(m, i)}
    for k, v in start.items():
        if overwrite or k not in ss:
            ss[k] = v


def _stop_edit(i: int) -> None:
    st.session_state.pop(EDITING, None)
    attach.clear(edit_images(i))
    for k in (f"w.edit.{i}", f"w.edit.role.{i}", f"w.edit.tcid.{i}", f"w.edit.tcs.{i}"):
        st.session_state.pop(k, None)  # the next edit starts from the turn as it is then


def _save_edit(i: int) -> None:
    m = _msgs()[i]
    error = turns.apply_edit(m, i, st.session_state[f"w.edit.{i}"], st.session_state[f"w.edit.role.{i}"],
                             attach.images(edit_images(i)))
    if error:
        st.session_state["pl.edit_error"] = error
        return
    st.session_state.pop("pl.edit_error", None)
    m.pop("result", None)  # edited text is no longer what the model said
    _stop_edit(i)


def _delete(i: int) -> None:
    del _msgs()[i]
    st.session_state.pop(EDITING, None)


def _insert() -> None:
    text = st.session_state.get("w.insert.text", "")
    role = st.session_state.get("w.insert.role", "user")
    images = attach.images(INSERT_IMAGES)
    if images and role != "user":
        st.session_state["pl.insert_error"] = (f"content: only a user turn carries images — remove the "
                                               f"{words.count(len(images), 'image')} below, or choose the user role")
        return
    if not text.strip() and not images:
        st.session_state["pl.insert_error"] = ("content: type the text of the turn to insert"
                                               + (" (or add an image)" if role == "user" else ""))
        return
    pos = st.session_state.get("w.insert.pos", len(_msgs()) + 1)
    turn = {"role": role, "content": user_content(text, images) if role == "user" else text}
    if turn["role"] == "tool":
        turn["tool_call_id"] = st.session_state.get("w.insert.tcid", "").strip()
        if not turn["tool_call_id"]:
            st.session_state["pl.insert_error"] = "tool_call_id: a tool turn needs the id of the call it answers"
            return
    _msgs().insert(max(0, min(int(pos) - 1, len(_msgs()))), turn)
    st.session_state["w.insert.text"] = st.session_state[INSERT_DRAFT] = ""
    attach.clear(INSERT_IMAGES)
    st.session_state["w.insert.pos"] = len(_msgs()) + 1
    st.session_state.pop("pl.insert_error", None)


def render() -> None:
    msgs = _msgs()
    editing = st.session_state.get(EDITING)
    for i, m in enumerate(msgs):
        with st.chat_message(m["role"], avatar=turns.avatar(m["role"])):
            if editing == i:
                _seed_form(i)
                st.selectbox("Role", turns.ROLES, key=f"w.edit.role.{i}", persist_state="session")
                st.text_area("Text", key=f"w.edit.{i}", height=120, persist_state="session")
                turns.edit_fields(m, i)
                box = edit_images(i)
                if st.session_state.get(f"w.edit.role.{i}") == "user" or attach.images(box):
                    st.markdown(f"**Images** ({len(attach.images(box))})")
                    attach.draw(box)
                if st.session_state.get("pl.edit_error"):
                    st.error(st.session_state["pl.edit_error"])
                c1, c2 = st.columns(2)
                c1.button("Save", key=f"edit.save.{i}", on_click=_save_edit, args=(i,))
                c2.button("Cancel", key=f"edit.cancel.{i}", on_click=_stop_edit, args=(i,))
                continue
            res = m.get("result")
            thinking.render(res.choices[0].reasoning if isinstance(res, ChatResult) and res.choices else None)
            thinking.refusal(res.choices[0].refusal if isinstance(res, ChatResult) and res.choices else None)
            if isinstance(res, ChatResult) and res.choices and res.choices[0].logprobs \
                    and res.choices[0].text == m["content"]:
                replies.heatmap(res.choices[0].logprobs, f"conv.hm{i}")
            elif m["role"] == "tool":
                turns.tool_result(m)
            elif text_of(m) or not m.get("tool_calls"):
                st.markdown(safe_markdown(text_of(m)) or "_(empty)_")
            turns.show(m, i)
            if isinstance(res, ChatResult) and res.status in ("stopped", "truncated"):
                st.caption(f":orange[{res.error or res.status + ': the reply ended early'} — partial text kept]"
                           if "kept" not in (res.error or "") else f":orange[{res.error}]")
            if isinstance(res, ChatResult) and res.choices:
                c = res.choices[0]
                reply_extras.finish_caption([c.finish_reason], res.status)
                replies.metrics_row(res)
            c1, c2, c3, _ = st.columns([1, 1, 2, 4])
            c1.button("Edit", key=f"edit.{i}", help=f"Edit turn {i + 1} (text, role, images)", type="tertiary",
                      icon=":material/edit:", on_click=_start_edit, args=(i,))
            c2.button("Delete", key=f"del.{i}", help=f"Delete turn {i + 1}", type="tertiary",
                      icon=":material/delete:", on_click=_delete, args=(i,))
            if m["role"] == "user":
                c3.button("Resend from here", key=f"resend.{i}", type="tertiary", icon=":material/send:",
                          on_click=actions.resend_from, args=(i,),
                          help=f"Send the conversation up to turn {i + 1} again; turns after it "
                               f"({len(msgs) - i - 1}) are dropped (Undo brings them back).")
    keep = section.KEEP
    with section.lazy("Insert a turn" if msgs else "Add a turn by hand (any role)", "conv-insert") as shown:
        if shown:
            pos = st.session_state.get("w.insert.pos")
            if not isinstance(pos, int) or not 1 <= pos <= len(msgs) + 1:
                st.session_state["w.insert.pos"] = len(msgs) + 1  # default: append
            c1, c2 = st.columns([2, 1])
            c1.radio("Role", turns.ROLES, key="w.insert.role", horizontal=True, persist_state=keep)
            c2.number_input("Position", value=st.session_state["w.insert.pos"], min_value=1, max_value=len(msgs) + 1,
                            key="w.insert.pos", persist_state=keep,
                            help="1 inserts before the first turn; the last value appends.")
            if st.session_state.get("w.insert.role") == "tool":
                st.text_input("tool_call_id", key="w.insert.tcid", help="The id of the call this result answers.",
                              persist_state="session")
            # typed text outlives a visit to another page (kept in a plain key)
            st.text_area("Text of the turn", key="w.insert.text", height=80,
                         **state.bind("w.insert.text", INSERT_DRAFT))
            if st.session_state.get("w.insert.role") == "user" or attach.images(INSERT_IMAGES):
                st.markdown(f"**Images** ({len(attach.images(INSERT_IMAGES))})")
                attach.draw(INSERT_IMAGES)
            st.button("Insert turn", key="insert", on_click=_insert)
            if st.session_state.get("pl.insert_error"):
                st.error(st.session_state["pl.insert_error"])
    if msgs:
        st.button("Clear conversation", key="clear", on_click=actions.clear,
                  help="Removes every turn; Undo (under the replies) brings them back.")
