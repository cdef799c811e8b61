"""The usage ledger: one row per request in SQLite (WAL) or any SQLAlchemy URL (PostgreSQL for teams).

Writes never raise into the request path: a record that cannot be written (database locked,
disk full, server down) is kept in memory and written with the next one, and `status` says why.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from paramlab import settings
from paramlab.usage.ledger import queries, records, rollups
from paramlab.usage.ledger.migrations import NewerSchema, ensure
from paramlab.usage.ledger.schema import REQUESTS, TEXTS

log = logging.getLogger("paramlab.usage.ledger")
FILE = "ledger.sqlite"
SQLITE_BUSY_S = 5.0      # wait this long for another writer before keeping the record for later
MAX_PENDING = 10_000     # records held in memory while the database is unavailable


class LedgerError(RuntimeError):
    """The ledger cannot be used; the message says why and what to do, and never holds a password."""


def default_url() -> str:
    return f"sqlite:///{settings.data_dir() / FILE}"


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def explain(exc: BaseException, url: str) -> str:
    """A clear sentence for a database failure, naming the database (password hidden)."""
    where = safe_url(url)
    raw = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
    low = raw.lower()
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        why = ("the database file is corrupt or not a SQLite database. Move it away (ParamLab then starts "
               "a new one) or point CHAT_DATABASE_URL elsewhere")
    elif "locked" in low or "busy" in low:
        why = "the database is locked by another program; records are kept and written once it is free"
    elif "unable to open" in low or "permission denied" in low or "readonly" in low or "read-only" in low:
        why = "the database file cannot be opened or written (check the folder exists and is writable)"
    elif "connection refused" in low or "could not connect" in low or "timeout" in low or "timed out" in low:
        why = "the database server cannot be reached"
    else:
        why = raw
    return f"Usage ledger not recording ({where}): {why}. Requests still work. [{raw[:200]}]"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer; survives crashes
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a commit costs no fsync
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MB of page cache: the Usage page scans a month of rows
    cur.execute("PRAGMA mmap_size=268435456")
    cur.close()


class Ledger:
    def __init__(self, engine: Engine, url: str, store_text: bool = True):
        self.engine, self.url, self.store_text = engine, url, store_text
        self.dialect = engine.dialect.name
        self._pending: list[tuple[dict, dict | None]] = []
        self._lock = threading.Lock()
        self.status: str | None = None  # why the last write failed; None once writes succeed again
        self.upgraded_from: int | None = None

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str | None = None, store_text: bool = True) -> "Ledger":
        url = url or default_url()
        try:
            u = make_url(url)
        except ArgumentError:
            raise LedgerError(f"CHAT_DATABASE_URL: is not a database URL (e.g. sqlite:///path/ledger.sqlite "
                              f"or postgresql+psycopg://user@host/db): {safe_url(url)}") from None
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if u.get_backend_name() == "sqlite":
            if u.database and u.database != ":memory:":
                try:
                    Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise LedgerError(explain(e, url)) from None
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_S, "check_same_thread": False}
        elif u.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 5}
            kwargs["pool_size"], kwargs["max_overflow"] = 5, 10
        try:
            engine = create_engine(u, **kwargs)
        except (NoSuchModuleError, ImportError, ArgumentError) as e:
            raise LedgerError(f"CHAT_DATABASE_URL: no driver for {u.drivername!r} ({e})") from None
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        led = cls(engine, url, store_text)
        try:
            with engine.begin() as conn:
                found, _ = ensure(conn)
            led.upgraded_from = found
        except NewerSchema as e:
            engine.dispose()
            raise LedgerError(f"Usage ledger not recording ({safe_url(url)}): {e}.") from None
        except (SQLAlchemyError, OSError) as e:
            engine.dispose()
            raise LedgerError(explain(e, url)) from None
        return led

    def close(self) -> None:
        self.flush()
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------
    def record(self, endpoint: Any, result: Any, context: Mapping[str, Any] | None = None) -> bool:
        """Record a finished request (the observer). Never raises; False when it was kept for later."""
        try:
            row, texts = records.from_result(endpoint, result, context, self.store_text)
        except Exception as e:  # noqa: BLE001 - a strange result must not break the request
            self.status = f"Usage ledger could not record a request: {type(e).__name__}: {e}"
            return False
        return self.append(row, texts)

    def append(self, row: dict[str, Any], texts: dict[str, Any] | None = None) -> bool:
        with self._lock:
            self._pending.append((row, texts))
            batch, self._pending = self._pending, []
        try:
            self._write(batch)
        except (SQLAlchemyError, OSError) as e:
            with self._lock:  # keep them, oldest first, to be written with the next record
                self._pending = (batch + self._pending)[-MAX_PENDING:]
                waiting = len(self._pending)
            self.status = f"{explain(e, self.url)} {waiting} record(s) waiting."
            log.warning("ledger write failed: %s", type(e).__name__)
            return False
        self.status = None
        return True

    def flush(self) -> bool:
        with self._lock:
            if not self._pending:
                return True
            row, texts = self._pending.pop()
        return self.append(row, texts)

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _write(self, batch: list[tuple[dict, dict | None]]) -> None:
        """The rows, their text and their rollup counts in one transaction: all or nothing."""
        with self.engine.begin() as conn:
            if len(batch) == 1 and batch[0][1] is None:
                conn.execute(REQUESTS.insert(), [batch[0][0]])
            else:
                for row, texts in batch:
                    rid = conn.execute(REQUESTS.insert(), row).inserted_primary_key[0]  # cached statements
                    if texts is not None:
                        conn.execute(TEXTS.insert(), {"request_id": rid, **texts})
            rollups.add_rows(conn, [row for row, _ in batch])

    def append_many(self, rows: list[dict[str, Any]]) -> None:
        """Bulk insert without text (imports, benchmarks): one executemany per call."""
        with self.engine.begin() as conn:
            conn.execute(REQUESTS.insert(), rows)
            rollups.add_rows(conn, rows)

    # -- reading -------------------------------------------------------------------------
    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(REQUESTS)).scalar_one()

    def spend_since(self, since_s: float) -> float:
        """Dollars spent since a unix time (requests with a known cost)."""
        with self.engine.connect() as conn:
            return queries.cost_since(conn, int(since_s * 1000))

    def request(self, request_id: int) -> dict[str, Any] | None:
        """One request with its stored text (messages, replies, their thinking) for the drill-down."""
        q = (select(REQUESTS, TEXTS.c.messages, TEXTS.c.replies, TEXTS.c.reasoning)
             .join(TEXTS, TEXTS.c.request_id == REQUESTS.c.id, isouter=True)
             .where(REQUESTS.c.id == int(request_id)))
        with self.engine.connect() as conn:
            r = conn.execute(q).mappings().first()
        return dict(r) if r else None
