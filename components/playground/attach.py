"""Images for the next user turn: upload (sent as a data URL) or a link, each with its detail
(auto, low, high), previewed before sending. A file that is not an image, or is over the size
limit, is refused with a message naming it and is never sent."""
from __future__ import annotations

import streamlit as st

from components.playground import turns
from paramlab.request import messages
from paramlab.request.fields import FieldError, ValidationError

PENDING = "pl.attach"          # image_url dicts waiting for the next Send
ERRORS = "pl.attach_errors"


def images() -> list[dict]:
    return st.session_state.setdefault(PENDING, [])


def clear() -> None:
    st.session_state[PENDING] = []
    st.session_state.pop(ERRORS, None)


def _detail() -> str:
    return st.session_state.get("w.attach.detail", "auto")


def _upload(gen: int) -> None:
    errors = []
    for f in st.session_state.get(f"w.attach.files.{gen}") or []:
        try:
            url = messages.image_data_url(f.getvalue(), field=f"image {f.name!r}")
        except ValidationError as e:
            errors += [str(x) for x in e.errors]
            continue
        images().append(messages.image_part(url, _detail()))
    st.session_state[ERRORS] = errors
    st.session_state["w.attach.gen"] = st.session_state.get("w.attach.gen", 0) + 1  # empty the uploader


def _link() -> None:
    url = st.session_state.get("w.attach.link", "").strip()
    errors: list[FieldError] = []
    messages._check_image({"url": url, "detail": _detail()}, "image link", errors)
    if errors:
        st.session_state[ERRORS] = [f"image link: {e.message}" for e in errors]
        return
    images().append(messages.image_part(url, _detail()))
    st.session_state["w.attach.link"] = ""
    st.session_state[ERRORS] = []


def _remove(j: int) -> None:
    del images()[j]


def render() -> None:
    n = len(images())
    with st.expander(f"Attach images ({n})" if n else "Attach images", key="attach-box"):
        st.radio("Detail", messages.DETAILS, key="w.attach.detail", horizontal=True,
                 help="low: a 512 px view at a fixed small cost; high: tiles at full resolution; auto: the server decides.")
        gen = st.session_state.get("w.attach.gen", 0)
        st.file_uploader(f"Upload (PNG, JPEG, GIF, WebP; at most {messages.MAX_IMAGE_BYTES // 2**20} MiB each)",
                         type=["png", "jpg", "jpeg", "gif", "webp"], accept_multiple_files=True,
                         key=f"w.attach.files.{gen}", on_change=_upload, args=(gen,))
        c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
        c1.text_input("…or an image link (https://…)", key="w.attach.link")
        c2.button("Add link", key="attach.link", on_click=_link)
        for e in st.session_state.get(ERRORS) or []:
            st.error(e)
        for j, img in enumerate(images()):
            c1, c2 = st.columns([4, 1], vertical_alignment="center")
            with c1:
                turns.preview(img, width=120, caption=f"detail {img['detail']}")
            c2.button("Remove", key=f"attach.rm.{j}", on_click=_remove, args=(j,), type="tertiary",
                      icon=":material/close:")

