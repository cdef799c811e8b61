"""Presets in the sidebar: pick and load one; save the current settings, rename, delete,
import and export user presets. Bad preset files are listed with the file and field at fault."""
from __future__ import annotations

import streamlit as st

from components.common import params_panel
from components.common import state
from paramlab.request import presets

PICK = "w.preset"
FLASH = "pl.preset_flash"  # (kind, message) shown once after an action


def _flash(kind: str, msg: str) -> None:
    st.session_state[FLASH] = (kind, msg)


def _load(name: str) -> None:
    p = presets.load_all().get(name)
    if p is None:
        _flash("error", f"preset: {name!r} is gone (deleted or renamed in another tab)")
        return
    st.session_state[state.PARAMS] = p.apply()
    params_panel.seed_widgets(st.session_state[state.PARAMS])  # the controls move
    _flash("success", f"Loaded preset “{p.name}”.")


def _save() -> None:
    name, desc = st.session_state.get("w.preset.new", ""), st.session_state.get("w.preset.desc", "")
    try:
        p = presets.save(name, desc, st.session_state[state.PARAMS],
                         overwrite=st.session_state.get("w.preset.overwrite", False))
    except presets.PresetInvalid as e:
        _flash("error", f"Not saved — {e}")
        return
    st.session_state[PICK] = p.name
    _flash("success", f"Saved preset “{p.name}” to {p.path}.")


def _rename(old: str) -> None:
    try:
        p = presets.rename(old, st.session_state.get("w.preset.rename", ""))
    except presets.PresetInvalid as e:
        _flash("error", f"Not renamed — {e}")
        return
    st.session_state[PICK] = p.name
    _flash("success", f"Renamed “{old}” to “{p.name}”.")


def _delete(name: str) -> None:
    try:
        presets.delete(name)
    except presets.PresetInvalid as e:
        _flash("error", f"Not deleted — {e}")
        return
    st.session_state.pop(PICK, None)
    _flash("success", f"Deleted preset “{name}”.")


def _import() -> None:
    f = st.session_state.get("w.preset.upload")
    if f is None:
        return
    try:
        p = presets.import_bytes(f.getvalue(), f.name)
    except presets.PresetInvalid as e:
        _flash("error", f"Not imported — {e}")
        return
    st.session_state[PICK] = p.name
    _flash("success", f"Imported preset “{p.name}”.")


def render() -> None:
    loaded = presets.load_all()
    st.subheader("Presets")
    flash, slot = st.session_state.pop(FLASH, None), st.empty()  # one fixed slot: the layout below stays put
    if flash:
        getattr(slot, flash[0])(flash[1])
    for err in loaded.errors:
        st.warning(f"Preset not loaded — {err}", icon="⚠️")
    names = [p.name for p in loaded.presets]
    if not names:
        st.caption("No presets found.")
        return
    if st.session_state.get(PICK) not in names:
        st.session_state[PICK] = names[0]
    name = st.selectbox("Preset", names, key=PICK,
                        format_func=lambda n: n + ("" if loaded.get(n).builtin else "  (yours)"))
    chosen = loaded.get(name)
    st.caption(chosen.description)
    st.button("Load preset", key="preset.load", on_click=_load, args=(name,), use_container_width=True,
              help="Replaces every parameter: the preset's values are set, the rest are unset.")
    with st.expander("Manage presets", key="presets-manage"):
        st.text_input("Save current settings as", key="w.preset.new", placeholder="preset name")
        st.text_input("Description", key="w.preset.desc", placeholder="what it is for")
        st.checkbox("Overwrite a user preset with the same name", key="w.preset.overwrite")
        st.button("Save preset", key="preset.save", on_click=_save)
        file_name, text = presets.export(chosen)
        st.download_button("Export selected (YAML)", text, file_name=file_name, mime="application/x-yaml",
                           key="preset.export")
        st.file_uploader("Import a preset (YAML)", type=["yaml", "yml"], key="w.preset.upload", on_change=_import)
        if chosen.builtin:
            st.caption("Built-in presets cannot be renamed or deleted; save a copy to change it.")
        else:
            st.text_input("Rename selected to", key="w.preset.rename")
            c1, c2 = st.columns(2)
            c1.button("Rename", key="preset.rename", on_click=_rename, args=(name,))
            c2.button("Delete", key="preset.delete", on_click=_delete, args=(name,))
