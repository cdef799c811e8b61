"""Renaming a browser session's label after the fact (the Usage page's session editor).

The label is a key of two hourly rollups, so renaming moves the session's counts from the old
key to the new one in the same transaction as the raw rows: the session's rows under the old
label are taken out of those rollups and added back under the new label. The other rollups
(per model, durations) have no label and are untouched.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, select

from paramlab.usage.ledger import rollups
from paramlab.usage.ledger.schema import REQUESTS, ROLLUP_KEYS, ROLLUPS

MAX_LABEL = 200


def clean_label(label: str) -> str:
    return " ".join(str(label or "").split())[:MAX_LABEL]


def relabel_session(engine: Any, session_id: str, old_label: str, new_label: str) -> int:
    """Give every request of `session_id` recorded under `old_label` the label `new_label`.
    Returns how many requests changed."""
    new_label = clean_label(new_label)
    if new_label == old_label:
        return 0
    match = and_(REQUESTS.c.session_id == session_id, REQUESTS.c.label == old_label)
    with engine.begin() as conn:
        rows = [dict(r) for r in conn.execute(select(REQUESTS).where(match)).mappings()]
        if not rows:
            return 0
        conn.execute(REQUESTS.update().where(match).values(label=new_label))
        for name, keys in ROLLUP_KEYS.items():
            if "label" not in keys:
                continue
            table = ROLLUPS[name]
            conn.execute(table.delete().where(and_(table.c.session_id == session_id, table.c.label == old_label)))
            acc: dict[tuple, dict[str, Any]] = defaultdict(dict)
            for r in rows:
                r = {**r, "label": new_label}
                key = (int(r["ts_ms"]) // rollups.HOUR_MS, *(rollups._key_value(r, k) for k in keys))
                rollups._add(acc[key], rollups._measures(r))
            rollups._upsert(conn, table, ("hour", *keys), acc)
    return len(rows)
