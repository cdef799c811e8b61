"""Where ParamLab keeps user data (presets, sessions, the ledger, logs): never in the repo.
The folder itself comes from paramlab.settings (CHAT_DATA_DIR is read there, with the others)."""
from __future__ import annotations

from pathlib import Path

import platformdirs


def platform_data_dir() -> Path:
    """The platform's user data directory (e.g. ~/.local/share/paramlab)."""
    return Path(platformdirs.user_data_dir("paramlab", appauthor=False))


def ensure(d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    return d
