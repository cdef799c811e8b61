"""Ledger test databases: a SQLite file always, and the real PostgreSQL that tests/support/postgres.sh
started (URL in tests/.postgres_url). Under CI a missing PostgreSQL fails instead of skipping."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
