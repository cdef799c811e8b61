"""Creating the ledger's tables and upgrading an older database in place, one version step at a
time (the tables themselves are declared in schema.py)."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from paramlab.usage.ledger.rollups import backfill, build_days, build_total
from paramlab.usage.ledger.schema import (DAY_ROLLUPS, DURATION_DAY_ROLLUP, DURATION_ROLLUP, META, METADATA, REQUESTS,
                                          ROLLUPS, SCHEMA_VERSION, TEXTS, build_metadata)


def read_version(conn: Connection) -> int | None:
    """The stored schema version; None for an empty database."""
    names = set(inspect(conn).get_table_names())
    if "ledger_requests" not in names:
        return None
    if "ledger_meta" not in names:
        return 1
    v = conn.execute(select(META.c.value).where(META.c.key == "schema_version")).scalar()
    return int(v) if v is not None else 1


def _set_version(conn: Connection, v: int) -> None:
    conn.execute(META.delete().where(META.c.key == "schema_version"))
    conn.execute(META.insert().values(key="schema_version", value=str(v)))


def _upgrade_1_to_2(conn: Connection) -> None:
    for col in ("cached_tokens", "reasoning_tokens"):
        conn.execute(text(f"ALTER TABLE ledger_requests ADD COLUMN {col} INTEGER"))
    TEXTS.create(conn, checkfirst=True)
    for ix in REQUESTS.indexes:
        ix.create(conn, checkfirst=True)


def _upgrade_2_to_3(conn: Connection) -> None:
    """The v3 indexes and the duration rollup; the token rollups are built (in their v4 shape) and
    filled by the next step, which reads the v4 columns."""
    for ix in REQUESTS.indexes:
        ix.create(conn, checkfirst=True)
    DURATION_ROLLUP.create(conn, checkfirst=True)


def _upgrade_3_to_4(conn: Connection) -> None:
    """Add the v4 columns (old rows: NULL, their cost kept), then rebuild the rollups with the new
    keys and measures from the raw rows (nothing is lost: the rollups are derived data)."""
    have = {c["name"] for c in inspect(conn).get_columns("ledger_requests")}
    v3_cols = {c.name for c in build_metadata(3)[1].columns}
    for col in REQUESTS.columns:
        if col.name not in v3_cols and col.name not in have:
            kind = col.type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE ledger_requests ADD COLUMN {col.name} {kind}"))
    for table in ROLLUPS.values():
        conn.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
        table.create(conn)
    for ix in ROLLUPS["ledger_rollup"].indexes:
        ix.create(conn, checkfirst=True)
    for table in (*DAY_ROLLUPS.values(), DURATION_DAY_ROLLUP):  # backfill fills today's day rollups too
        table.create(conn, checkfirst=True)
    backfill(conn)


def _upgrade_4_to_5(conn: Connection) -> None:
    """The thinking text beside the message text (old rows: NULL, nothing else changes). A ledger
    coming up from v1 already has it: step 1 -> 2 created ledger_texts in today's shape."""
    if "reasoning" not in {c["name"] for c in inspect(conn).get_columns("ledger_texts")}:
        conn.execute(text("ALTER TABLE ledger_texts ADD COLUMN reasoning TEXT"))


def _upgrade_5_to_6(conn: Connection) -> None:
    """The coarser rollups, summed from the hourly ones (not from the raw rows: a million-request
    ledger upgrades in seconds). Step 3 -> 4 may have built them already; they are rebuilt the same."""
    for table in (ROLLUPS["ledger_rollup_total"], *DAY_ROLLUPS.values(), DURATION_DAY_ROLLUP):
        table.create(conn, checkfirst=True)
    for ix in ROLLUPS["ledger_rollup_session"].indexes:
        ix.create(conn, checkfirst=True)
    build_total(conn)
    build_days(conn)


def _upgrade_6_to_7(conn: Connection) -> None:
    """The model and label indexes in their covering form (steps from v1 and v2 built them so already),
    and the finest rollup's label and model indexes."""
    for old in ("ix_ledger_model_ts", "ix_ledger_label_ts"):
        conn.execute(text(f"DROP INDEX IF EXISTS {old}"))
    for ix in (*REQUESTS.indexes, *ROLLUPS["ledger_rollup"].indexes):
        ix.create(conn, checkfirst=True)


UPGRADES: dict[int, Callable[[Connection], None]] = {  # from version -> step
    1: _upgrade_1_to_2, 2: _upgrade_2_to_3, 3: _upgrade_3_to_4, 4: _upgrade_4_to_5, 5: _upgrade_5_to_6,
    6: _upgrade_6_to_7}


MIGRATION_LOCK = 0x7061726C6162  # "parlab": the advisory lock id held while migrating on PostgreSQL


class NewerSchema(RuntimeError):
    pass


def ensure(conn: Connection) -> tuple[int | None, int]:
    """Create or upgrade the tables in place; returns (version found, version now)."""
    if conn.dialect.name == "postgresql":
        # Processes sharing one database (a team behind a load balancer) start together: one creates
        # or upgrades, the others wait for its transaction, then find the tables in place.
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
    found = read_version(conn)
    if found is None:
        METADATA.create_all(conn, checkfirst=True)
        _set_version(conn, SCHEMA_VERSION)
        return None, SCHEMA_VERSION
    if found > SCHEMA_VERSION:
        raise NewerSchema(f"the ledger database has schema version {found}, newer than this ParamLab "
                          f"understands ({SCHEMA_VERSION}); update ParamLab or use another CHAT_DATABASE_URL")
    META.create(conn, checkfirst=True)
    v = found
    while v < SCHEMA_VERSION:
        UPGRADES[v](conn)
        v += 1
    _set_version(conn, v)
    return found, v
