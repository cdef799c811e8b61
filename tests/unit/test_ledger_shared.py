"""Processes that share one PostgreSQL ledger start at the same time: each one opens it (the first
creates the tables, the others wait for it) and none is left not recording."""
from __future__ import annotations

import threading

import pytest
from support.ledger_support import fresh_postgres_db

from paramlab.usage.ledger import Ledger

pytestmark = pytest.mark.postgres


def test_simultaneous_first_opens_of_one_postgresql_ledger_all_succeed():
    url, drop = fresh_postgres_db()
    opened, failed = [], []
    start = threading.Barrier(6)

    def open_it() -> None:
        start.wait()
        try:
            opened.append(Ledger.open(url))
        except Exception as e:  # noqa: BLE001 - collected and asserted on
            failed.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert failed == [] and len(opened) == 6
        assert sum(1 for led in opened if led.upgraded_from is None) >= 1
    finally:
        for led in opened:
            led.close()
        drop()
