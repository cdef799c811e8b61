"""YAML as ParamLab reads it: safe loading with libyaml's C parser where PyYAML was built with it
(the wheels are), else PyYAML's own. The C parser reads the presets about five times faster, and
the Playground reads every preset on each full run."""
from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str | bytes) -> Any:
    """yaml.safe_load's result and errors (yaml.YAMLError, with problem_mark), faster."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


def where(e: yaml.YAMLError) -> str:
    """The words " at line N" for a parse error that knows its line, else "" (for a user's message)."""
    mark = getattr(e, "problem_mark", None)
    return f" at line {mark.line + 1}" if mark else ""
