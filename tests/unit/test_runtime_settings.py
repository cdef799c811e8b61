"""Every CHAT_* variable is read in paramlab/settings.py, once per environment, into one object;
no other module reads the environment for configuration."""
from __future__ import annotations

import re
from pathlib import Path

from paramlab import settings

ROOT = Path(__file__).resolve().parents[2]


def test_runtime_reads_every_variable_with_errors_naming_them(tmp_path):
    rt = settings.runtime({"CHAT_DATA_DIR": str(tmp_path), "CHAT_ALLOW_PRIVATE": "0",
                           "CHAT_DATABASE_URL": "postgresql+psycopg://u@h/db", "CHAT_LEDGER_STORE_TEXT": "off",
                           "CHAT_BUDGET_DAILY": "0.5", "CHAT_LOG_DIR": str(tmp_path / "l"),
                           "CHAT_LOG_MAX_BYTES": "lots", "CHAT_LOG_BACKUPS": "3"})
    assert rt.data_dir == tmp_path and rt.allow_private is False and rt.ledger_store_text is False
    assert rt.database_url.startswith("postgresql") and rt.budget_daily == "0.5" and rt.budget_monthly is None
    assert rt.log_dir == tmp_path / "l" and rt.log_max_bytes is None and rt.log_backups == 3
    assert rt.errors == ("CHAT_LOG_MAX_BYTES: must be a whole number, got 'lots'; the default applies",)
    unreadable = settings.runtime({"CHAT_ALLOW_PRIVATE": "maybe"})
    assert unreadable.allow_private is False and unreadable.errors[0].startswith("CHAT_ALLOW_PRIVATE")


def test_current_is_read_once_per_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path / "a"))
    first = settings.current()
    assert settings.current() is first  # cached: not read again
    monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path / "b"))
    assert settings.current().data_dir == tmp_path / "b" and settings.data_dir().is_dir()


def test_no_other_module_reads_configuration_from_the_environment():
    readers = []
    for path in [*ROOT.glob("paramlab/**/*.py"), *ROOT.glob("components/**/*.py"), *ROOT.glob("pages/*.py"),
                 ROOT / "playground.py"]:
        rel = path.relative_to(ROOT).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"os\.environ|getenv", line) and re.search(r"CHAT_|OPENAI_|os\.environ if env", line):
                readers.append(f"{rel}:{n}")
    # settings.py reads them; urls.allow_private(env) is the parser settings calls (its os.environ
    # default only serves direct callers in tests)
    assert {r.split(":")[0] for r in readers} <= {"paramlab/settings.py", "paramlab/safety/urls.py"}, readers
