"""Presets in the sidebar: pick and load one; save the current settings, rename, delete,
import and export user presets. Bad preset files are listed with the file and field at fault."""
from __future__ import annotations

import streamlit as st

from components.common import params_panel, section
from components.common import state
from paramlab.request import presets

PICK = "w.preset"
FLASH = "pl.preset_flash"  # (kind, message) shown once after an action
STATUS_SLOT = "pl.preset_status_slot"  # (st.empty() of the last full run, preset picked)
LOADED = "pl.preset_loaded"  # (name, params as loaded, system as loaded or None)


def _flash(kind: str, msg: str) -> None:
    st.session_state[FLASH] = (kind, msg)


# The buttons act on the preset picked now, read from its widget: a callback argument would be
# the one picked when the page was last drawn, and a quick pick-then-click would load, rename
# or delete the previous preset.
def _load() -> None:
    name = st.session_state.get(PICK)
    p = presets.load_all().get(name)
    if p is None:
        _flash("error", f"preset: {name!r} is gone (deleted or renamed in another tab)")
        return
    st.session_state[state.PARAMS] = p.apply()
    params_panel.seed_widgets(st.session_state[state.PARAMS])  # the controls move
    if p.system is not None:
        st.session_state[state.SYSTEM] = p.system
        st.session_state["w.system"] = p.system
    st.session_state[LOADED] = (p.name, dict(st.session_state[state.PARAMS]), p.system)
    _flash("success", f"Loaded preset “{p.name}”" + (" with its system prompt." if p.system is not None else "."))


def _save() -> None:
    name, desc = st.session_state.get("w.preset.new", ""), st.session_state.get("w.preset.desc", "")
    try:
        p = presets.save(name, desc, st.session_state[state.PARAMS],
                         overwrite=st.session_state.get("w.preset.overwrite", False),
                         system=st.session_state[state.SYSTEM] if st.session_state.get("w.preset.system") else None)
    except presets.PresetInvalid as e:
        _flash("error", f"Not saved — {e}")
        return
    st.session_state[PICK] = p.name
    _flash("success", f"Saved preset “{p.name}” to {p.path}.")


def _rename() -> None:
    old = st.session_state.get(PICK)
    try:
        p = presets.rename(old, st.session_state.get("w.preset.rename", ""))
    except presets.PresetInvalid as e:
        _flash("error", f"Not renamed — {e}")
        return
    st.session_state[PICK] = p.name
    _flash("success", f"Renamed “{old}” to “{p.name}”.")


def _delete() -> None:
    name = st.session_state.get(PICK)
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


def show_status() -> None:
    """Call after the parameter panel has read its controls, so a change shows on the same rerun.
    A fragment: it fills the slot render() made in the last full run (kept, so its reruns can)."""
    slot = st.session_state.get(STATUS_SLOT)
    if slot is not None:
        with slot[0]:
            status(slot[1])


def status_view() -> tuple:
    """What the status line says: which preset is in use and whether it was changed since."""
    loaded = st.session_state.get(LOADED)
    return None if loaded is None else (loaded[0], _same(loaded))


def _same(loaded: tuple) -> bool:
    _, params, system = loaded
    return _set(params) == _set(st.session_state[state.PARAMS]) and (system is None or system == st.session_state[state.SYSTEM])


def _set(params: dict) -> dict:
    return {k: v for k, v in params.items() if v is not None}


def status(picked: str | None) -> None:
    """Whether the settings in use are a preset's: loaded as is, loaded then changed, or not loaded."""
    loaded = st.session_state.get(LOADED)
    if loaded is None:
        st.caption("No preset loaded" + (": press Load preset to apply it." if picked else "."))
        return
    name, same = loaded[0], _same(loaded)
    st.caption(f"In use: “{name}”" + ("" if same else ", then changed") +
               (f" · “{picked}” is selected, not loaded." if picked and picked != name else "."))


def render() -> None:
    loaded = presets.load_all()
    st.session_state.pop(STATUS_SLOT, None)  # a slot of an earlier run is not on the page any more
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
        st.session_state[PICK] = None  # nothing is picked until the user picks: no preset looks applied
    name = st.session_state[PICK]
    # Folded to one line: a drop-down costs the browser as much as five buttons on every rerun.
    with section.lazy("📚 Presets", "presets") as shown:
        if shown:
            name = _pick(loaded, names)
    st.session_state[STATUS_SLOT] = (st.empty(), name)  # filled by show_status()


def _pick(loaded, names: list[str]) -> str | None:
    """Choose and load a preset; manage the saved ones (the Presets section's body)."""
    name = st.selectbox("Preset", names, key=PICK, placeholder="Choose a preset…", persist_state=section.KEEP,
                        format_func=lambda n: n + ("" if loaded.get(n).builtin else "  (yours)"))
    chosen = loaded.get(name) if name is not None else None
    if chosen is not None:
        st.caption(chosen.description + (" Sets the system prompt too." if chosen.system is not None else ""))
        st.button("Load preset", key="preset.load", on_click=_load, use_container_width=True,
                  help="Replaces every parameter: the preset's values are set, the rest are unset.")
    _manage(name, chosen)
    return name


def _manage(name: str | None, chosen) -> None:
    keep = section.KEEP
    with section.lazy("Manage presets", "presets-manage") as shown:
        if not shown:
            return
        st.text_input("Save current settings as", key="w.preset.new", placeholder="preset name", persist_state=keep)
        st.text_input("Description", key="w.preset.desc", placeholder="what it is for", persist_state=keep)
        st.checkbox("Include the system prompt", key="w.preset.system", persist_state=keep,
                    help="Loading the preset will then set the system prompt too.")
        st.checkbox("Overwrite a user preset with the same name", key="w.preset.overwrite", persist_state=keep)
        st.button("Save preset", key="preset.save", on_click=_save)
        st.file_uploader("Import a preset (YAML)", type=["yaml", "yml"], key="w.preset.upload", on_change=_import)
        if chosen is None:
            return
        file_name, text = presets.export(chosen)
        st.download_button("Export selected (YAML)", text, file_name=file_name, mime="application/x-yaml",
                           key="preset.export")
        if chosen.builtin:
            st.caption("Built-in presets cannot be renamed or deleted; save a copy to change it.")
        else:
            st.text_input("Rename selected to", key="w.preset.rename", persist_state=keep)
            c1, c2 = st.columns(2)
            c1.button("Rename", key="preset.rename", on_click=_rename)
            c2.button("Delete", key="preset.delete", on_click=_delete)
