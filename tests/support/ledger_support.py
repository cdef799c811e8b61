"""Ledger test databases: a SQLite file always, and the real PostgreSQL that tests/support/postgres.sh
started (URL in tests/.postgres_url). Under CI a missing PostgreSQL fails instead of skipping."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from paramlab.usage.ledger import schema

PG_URL_FILE = Path(__file__).resolve().parents[1] / ".postgres_url"


def postgres_server_url() -> str:
    if PG_URL_FILE.exists() and PG_URL_FILE.read_text().strip():
        return PG_URL_FILE.read_text().strip()
    if os.environ.get("CI"):
        pytest.fail("tests/.postgres_url is missing: `make test` (as root) starts PostgreSQL via tests/support/postgres.sh")
    pytest.skip("no PostgreSQL: run `bash tests/support/postgres.sh` as root to test the ledger on it")


def fresh_postgres_db() -> tuple[str, callable]:
    """A new empty database on the test server, and a function that drops it."""
    server = make_url(postgres_server_url())
    name = f"ledger_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite'}"
        return
    url, drop = fresh_postgres_db()
    yield url
    drop()


# -- ledgers written by older versions, to upgrade ----------------------------------------------
def old_ledger(url: str, version: int):
    """An empty ledger at schema `version`, as that version created it: (engine, metadata, requests
    table, texts table) of that version, for the caller to fill."""
    md, requests, texts, meta = schema.build_metadata(version)
    eng = create_engine(url)
    with eng.begin() as c:
        md.create_all(c)
        c.execute(insert(meta).values(key="schema_version", value=str(version)))
    return eng, md, requests, texts


def old_file_url(db_url: str, tmp_path: Path, name: str) -> str:
    """Where to write the old ledger: its own file on SQLite (so the upgrade can run on a copy)."""
    return f"sqlite:///{tmp_path / name}" if db_url.startswith("sqlite") else db_url


def copy_to_upgrade(db_url: str, tmp_path: Path, name: str) -> str:
    """The URL to upgrade: on SQLite a copy of the old file, as a user's file would be."""
    if not db_url.startswith("sqlite"):
        return db_url
    shutil.copy(tmp_path / name, tmp_path / "copy.sqlite")
    return f"sqlite:///{tmp_path / 'copy.sqlite'}"
