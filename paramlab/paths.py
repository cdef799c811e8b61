"""Where ParamLab keeps user data (presets, sessions, the ledger, logs): never in the repo."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """CHAT_DATA_DIR, else the platform's user data directory (e.g. ~/.local/share/paramlab)."""
    d = Path(os.environ.get("CHAT_DATA_DIR") or platformdirs.user_data_dir("paramlab", appauthor=False))
    d.mkdir(parents=True, exist_ok=True)
    return d


def sub(name: str) -> Path:
    d = data_dir() / name
    d.mkdir(parents=True, exist_ok=True)
    return d
