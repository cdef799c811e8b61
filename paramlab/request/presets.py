"""Parameter presets: built-in ones from the repo's presets/*.yaml, user ones in the user data
directory. Every file is validated through paramlab.request.schema; a bad file yields an error naming
the file and the field, and the other presets still load.

File format (YAML):
    name: Deterministic
    description: Greedy decoding with a fixed seed ...
    params: {temperature: 0, seed: 42}
    system: You are a terse assistant.     # optional: loading the preset sets the system prompt
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from paramlab import settings, yamltext
from paramlab.request import schema

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "presets"
MAX_FILE_BYTES = 64 * 1024
TOP_LEVEL = ("name", "description", "params", "system")
MAX_SYSTEM_CHARS = 20_000


@dataclass
class Preset:
    name: str
    description: str
    params: dict[str, Any]
    builtin: bool = False
    path: Path | None = None
    system: str | None = None  # None: loading leaves the system prompt as it is

    def apply(self) -> dict[str, Any]:
        """A full parameter dict: the preset's values, everything else unset."""
        return {**schema.defaults(), **self.params}

    def to_yaml(self) -> str:
        return dump(self.name, self.description, self.params, self.system)


@dataclass
class PresetError:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class PresetInvalid(ValueError):
    def __init__(self, errors: list[PresetError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


@dataclass
class Loaded:
    presets: list[Preset] = field(default_factory=list)
    errors: list[PresetError] = field(default_factory=list)

    def get(self, name: str) -> Preset | None:
        return next((p for p in self.presets if p.name == name), None)


def user_dir() -> Path:
    return settings.data_sub("presets")


def dump(name: str, description: str, params: Mapping[str, Any], system: str | None = None) -> str:
    sent = schema.normalise({k: v for k, v in params.items() if k in schema.KNOWN_NAMES})
    if isinstance(sent.get("logit_bias"), dict):
        sent["logit_bias"] = {int(k): v for k, v in sent["logit_bias"].items()}
    doc = {"name": name, "description": description, "params": sent}
    if system is not None:
        doc["system"] = system
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def parse(text: str | bytes, file: str, builtin: bool = False, path: Path | None = None) -> Preset:
    """Read and validate one preset. Raises PresetInvalid naming the file and every bad field."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise PresetInvalid([PresetError(file, "(file)", f"larger than {MAX_FILE_BYTES // 1024} KiB")])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise PresetInvalid([PresetError(file, "(file)", "not UTF-8 text")]) from None
    try:
        data = yamltext.load(text)
    except yaml.YAMLError as e:
        raise PresetInvalid([PresetError(file, "(yaml)", f"not valid YAML{yamltext.where(e)}")]) from None
    errors: list[PresetError] = []
    if not isinstance(data, dict):
        raise PresetInvalid([PresetError(file, "(file)", "must be a mapping with name, description and params")])
    for key in data:
        if key not in TOP_LEVEL:
            errors.append(PresetError(file, str(key), f"unknown field; expected {', '.join(TOP_LEVEL)}"))
    name, description, params = data.get("name"), data.get("description"), data.get("params")
    system = data.get("system")
    if system is not None and not isinstance(system, str):
        errors.append(PresetError(file, "system", "must be text (the system prompt)"))
        system = None
    elif system is not None and len(system) > MAX_SYSTEM_CHARS:
        errors.append(PresetError(file, "system", f"at most {MAX_SYSTEM_CHARS:,} characters"))
    if not isinstance(name, str) or not name.strip():
        errors.append(PresetError(file, "name", "must be a non-empty string"))
    if not isinstance(description, str) or not description.strip():
        errors.append(PresetError(file, "description", "must be a non-empty string"))
    if not isinstance(params, dict):
        errors.append(PresetError(file, "params", "must be a mapping of parameter name to value"))
        params = {}
    for name_ in ("stream", "stream_options"):
        if name_ in params:
            errors.append(PresetError(file, f"params.{name_}", "is a transport setting, not a preset parameter"))
    params = {k: v for k, v in params.items() if k not in ("stream", "stream_options")}
    if isinstance(params.get("logit_bias"), dict):
        params["logit_bias"] = {(int(k) if str(k).strip().isdigit() else k): v for k, v in params["logit_bias"].items()}
    for fe in schema.validate_params(params):
        errors.append(PresetError(file, f"params.{fe.field}", fe.message))
    if errors:
        raise PresetInvalid(errors)
    return Preset(name.strip(), description.strip(), dict(params), builtin, path, system)


def _load_dir(folder: Path, builtin: bool, out: Loaded) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.y*ml")):
        label = path.name if not builtin else f"presets/{path.name}"
        try:
            out.presets.append(parse(path.read_bytes(), label, builtin, path))
        except PresetInvalid as e:
            out.errors += e.errors
        except OSError as e:
            out.errors.append(PresetError(label, "(file)", f"cannot read: {e.strerror}"))


def load_all(builtin_dir: Path = BUILTIN_DIR, user: Path | None = None) -> Loaded:
    """Built-in presets first, then user presets; a user preset with a built-in's name is kept
    under its own file name so neither hides the other."""
    out = Loaded()
    _load_dir(builtin_dir, True, out)
    _load_dir(user or user_dir(), False, out)
    seen: set[str] = set()
    for p in out.presets:
        if p.name in seen:
            p.name = f"{p.name} ({p.path.name if p.path else 'copy'})"
        seen.add(p.name)
    return out


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s[:60] or "preset"


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise PresetInvalid([PresetError("(new preset)", "name", "must not be empty")])
    if len(name) > 80:
        raise PresetInvalid([PresetError("(new preset)", "name", "at most 80 characters")])
    return name


def _user_path(name: str, folder: Path) -> Path:
    return folder / f"{slug(name)}.yaml"


def _find_user(name: str, folder: Path) -> Preset:
    loaded = Loaded()
    _load_dir(folder, False, loaded)
    p = loaded.get(name)
    if p is None or p.path is None:
        raise PresetInvalid([PresetError(name, "name", "no user preset with this name (built-in presets cannot be changed)")])
    return p


def save(name: str, description: str, params: Mapping[str, Any], user: Path | None = None,
         overwrite: bool = False, system: str | None = None) -> Preset:
    """Save the current settings (and, if given, the system prompt) as a user preset. Validated
    first; never overwrites by accident."""
    folder = user or user_dir()
    name = _check_name(name)
    text = dump(name, description.strip() or f"Saved from the Playground: {name}", params, system)
    preset = parse(text, f"{slug(name)}.yaml")
    path = _user_path(name, folder)
    if path.exists() and not overwrite:
        raise PresetInvalid([PresetError(path.name, "name", f"a user preset named {name!r} exists already")])
    path.write_text(text, encoding="utf-8")
    preset.path = path
    return preset


def rename(old: str, new: str, user: Path | None = None) -> Preset:
    folder = user or user_dir()
    p = _find_user(old, folder)
    new = _check_name(new)
    target = _user_path(new, folder)
    if target.exists() and target != p.path:
        raise PresetInvalid([PresetError(target.name, "name", f"a user preset named {new!r} exists already")])
    target.write_text(dump(new, p.description, p.params, p.system), encoding="utf-8")
    if p.path != target:
        p.path.unlink()
    return parse(target.read_bytes(), target.name, path=target)


def delete(name: str, user: Path | None = None) -> None:
    _find_user(name, user or user_dir()).path.unlink()


def import_bytes(data: bytes, filename: str, user: Path | None = None, overwrite: bool = False) -> Preset:
    """Validate an uploaded preset file and store it as a user preset."""
    p = parse(data, filename)
    return save(p.name, p.description, p.params, user, overwrite, p.system)


def export(preset: Preset) -> tuple[str, str]:
    """(file name, YAML text) for a download."""
    return f"{slug(preset.name)}.yaml", preset.to_yaml()
