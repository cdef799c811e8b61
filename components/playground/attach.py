"""Images of a user turn: upload (sent as a data URL) or a link, each with its detail (auto, low,
high), previewed, removable. A file that is not an image, or is over the size limit, is refused
with a message naming it and is never sent.

One `ImageBox` is the images waiting for the next Send (the composer's "Attach images"); the
conversation editor opens one on the turn being edited and one on the turn being inserted.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from components.common import section
from components.playground import turns
from paramlab.request import messages
from paramlab.request.fields import FieldError, ValidationError


@dataclass(frozen=True)
class ImageBox:
    store: str          # session key of the list of image_url dicts
    ns: str             # prefix of its widget keys
    label: str = "image"  # how its messages name an image: "image 'a.png'", "turn 2, image 'a.png'"

    @property
    def errors_key(self) -> str:
        return f"{self.ns}.errors"


NEXT = ImageBox("pl.attach", "w.attach")   # the images of the next Send
PENDING = NEXT.store


def images(box: ImageBox = NEXT) -> list[dict]:
    return st.session_state.setdefault(box.store, [])


def clear(box: ImageBox = NEXT) -> None:
    st.session_state[box.store] = []
    st.session_state.pop(box.errors_key, None)


def load(box: ImageBox, imgs: list[dict]) -> None:
    """Start the box with copies of `imgs` (a turn's images when its editing starts)."""
    st.session_state[box.store] = [dict(img) for img in imgs]
    st.session_state.pop(box.errors_key, None)


def _detail(box: ImageBox) -> str:
    return st.session_state.get(f"{box.ns}.detail", "auto")


def _upload(box: ImageBox, gen: int) -> None:
    errors = []
    for f in st.session_state.get(f"{box.ns}.files.{gen}") or []:
        try:
            url = messages.image_data_url(f.getvalue(), field=f"{box.label} {f.name!r}")
        except ValidationError as e:
            errors += [str(x) for x in e.errors]
            continue
        images(box).append(messages.image_part(url, _detail(box)))
    st.session_state[box.errors_key] = errors
    st.session_state[f"{box.ns}.gen"] = gen + 1  # a new uploader: the files are taken, the box is empty


def _link(box: ImageBox) -> None:
    url = st.session_state.get(f"{box.ns}.link", "").strip()
    errors: list[FieldError] = []
    messages.check_image({"url": url, "detail": _detail(box)}, "link", errors)
    if errors:
        st.session_state[box.errors_key] = [f"{box.label} link: {e.message}" for e in errors]
        return
    images(box).append(messages.image_part(url, _detail(box)))
    st.session_state[f"{box.ns}.link"] = ""
    st.session_state[box.errors_key] = []


def _remove(box: ImageBox, j: int) -> None:
    del images(box)[j]


def draw(box: ImageBox) -> None:
    """Detail, uploader, link, the messages of what was refused, and each image with Remove."""
    st.radio("Detail", messages.DETAILS, key=f"{box.ns}.detail", horizontal=True, persist_state=section.KEEP,
             help="low: a 512 px view at a fixed small cost; high: tiles at full resolution; auto: the server decides.")
    gen = st.session_state.get(f"{box.ns}.gen", 0)
    st.file_uploader(f"Upload (PNG, JPEG, GIF, WebP; at most {messages.MAX_IMAGE_BYTES // 2**20} MiB each)",
                     type=["png", "jpg", "jpeg", "gif", "webp"], accept_multiple_files=True,
                     max_upload_size=messages.MAX_IMAGE_BYTES // 2**20,  # the browser refuses bigger files too
                     key=f"{box.ns}.files.{gen}", on_change=_upload, args=(box, gen))
    c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
    c1.text_input("…or an image link (https://…)", key=f"{box.ns}.link", persist_state=section.KEEP)
    c2.button("Add link", key=f"{box.ns}.add_link", on_click=_link, args=(box,))
    for e in st.session_state.get(box.errors_key) or []:
        st.error(e)
    for j, img in enumerate(images(box)):
        c1, c2 = st.columns([4, 1], vertical_alignment="center")
        with c1:
            turns.preview(img, width=120, caption=f"image {j + 1} · detail {img.get('detail', 'auto')}")
        c2.button("Remove", key=f"{box.ns}.rm.{j}", on_click=_remove, args=(box, j), type="tertiary",
                  icon=":material/close:", help=f"Remove image {j + 1}")


def render() -> None:
    """The composer's box: images for the next Send."""
    n = len(images())
    with section.lazy(f"Attach images ({n})" if n else "Attach images", "attach-box") as shown:
        if shown:
            draw(NEXT)
