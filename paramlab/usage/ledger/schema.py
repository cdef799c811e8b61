"""The ledger's tables, their version, and the in-place upgrades between versions.

Version history
  1: ledger_requests without cached/reasoning tokens; no stored text.
  2: + cached_tokens, reasoning_tokens; message text and replies in ledger_texts (kept apart so
     the aggregation scans stay narrow); index on (model, ts_ms).
  3: + hourly rollups kept up to date on every insert (see rollups.py): the Usage page reads these,
     so its cost grows with hours × distinct keys, not with the number of requests; index on
     (label, ts_ms) for label-filtered latency/TTFT percentiles, which still read the raw rows.
  4: every billed part of a request: cache-write, audio in/out and accepted/rejected prediction
     tokens, the service tier served, the cost per part (cost_input ... cost_audio, summing to
     cost) and the price that made it (price_model, price_from, price_tier). Old rows keep their
     cost; their parts are NULL (not recorded then). The rollups gain backend and service_tier as
     keys and the new token and cost parts as measures, so what-if re-pricing reads them too.
  5: + ledger_texts.reasoning: each choice's thinking text (JSON list, in the order of replies; NULL
     when no choice had any), stored with the message text and only when text is recorded. Rows
     from before keep NULL (their thinking was not kept then).
  6: coarser rollups, so the Usage page's 30-day view reads hundreds of rows, not a hundred thousand:
     ledger_rollup_total (per hour, no keys: totals, spend over time, budgets, forecasts) and, per UTC
     day, ledger_rollup_total_day, ledger_rollup_model_day (the per-model keys) and
     ledger_rollup_duration_day, which answer the figures that are not drawn per hour (totals, per
     model, per status, filter options, percentiles) for the whole UTC days of a range. All are
     derived data, built by the upgrade from the hourly rollups and kept on every insert.
  7: the (model, ts_ms) and (label, ts_ms) indexes also hold latency_ms and ttft_ms, so latency and
     TTFT percentiles filtered by model or label (which read raw rows) read only the index, not a
     month of wide rows; the finest rollup gains (label, hour) and (model, hour) indexes for the
     figures filtered by label or model that only it can answer.
Times are unix milliseconds (ts_ms) and durations integer milliseconds, so bucketing by hour or
day is integer division, the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String,
                        Table, Text)

SCHEMA_VERSION = 7

# SQLite only auto-increments an INTEGER PRIMARY KEY; BigInteger elsewhere.
_ID = BigInteger().with_variant(Integer(), "sqlite")


def _request_columns(version: int) -> list[Column]:
    cols = [
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("ts_ms", BigInteger, nullable=False),       # when the request was sent
        Column("session_id", String(64), nullable=False, default=""),   # browser session
        Column("label", String(200), nullable=False, default=""),       # user's session/experiment label
        Column("page", String(64), nullable=False, default=""),
        Column("endpoint", String(200), nullable=False, default=""),    # endpoint name
        Column("host", String(255), nullable=False, default=""),        # base URL host only, never the key
        Column("backend", String(32), nullable=False, default=""),
        Column("model", String(200), nullable=False, default=""),       # model asked for
        Column("response_model", String(200)),                          # model the server named
        Column("params", Text),                                         # JSON: the body without messages
        Column("n", Integer),
        Column("stream", Boolean),
        Column("prompt_tokens", Integer),
        Column("completion_tokens", Integer),
        Column("total_tokens", Integer),
    ]
    if version >= 2:
        cols += [Column("cached_tokens", Integer), Column("reasoning_tokens", Integer)]
    cols += [
        Column("estimated", Boolean, nullable=False, default=False),  # counts estimated, not reported
        Column("cost", Float),                                        # dollars; NULL = unknown price
        Column("ttft_ms", Integer),
        Column("latency_ms", Integer),
        Column("status", String(16), nullable=False, default="ok"),   # ok | truncated | stopped | error
        Column("error_class", String(64)),
        Column("error", Text),
        Column("finish_reasons", Text),                               # JSON list
        Column("request_id", String(200)),                            # x-request-id header
        Column("response_id", String(200)),                           # the completion's id
    ]
    if version >= 4:
        cols += [
            Column("service_tier", String(32)),                     # as the response said; NULL = not said
            *[Column(c, Integer) for c in V4_TOKENS],
            *[Column(c, Float) for c in COST_COLUMNS],              # dollars per part; NULL = unknown
            Column("price_model", String(200)),                     # the price table's model name used
            Column("price_from", String(10)),                       # YYYY-MM-DD the price applied from
            Column("price_tier", String(16)),                       # the tier priced
        ]
    return cols


V4_TOKENS = ("cache_write_tokens", "audio_input_tokens", "audio_output_tokens", "accepted_prediction_tokens",
             "rejected_prediction_tokens")
# pricing.COST_PARTS as columns (paramlab.usage.pricing is above the ledger, so spelled out here)
COST_COLUMNS = ("cost_input", "cost_cached_input", "cost_cache_write", "cost_output", "cost_reasoning", "cost_audio")

# Hourly rollups, smallest first: a query reads the first one holding every column it filters or groups
# on. Each row sums the requests of one UTC hour (hour = ts_ms // 3,600,000) with the same key values.
# error_class is '' when there is none (key columns cannot be NULL on PostgreSQL).
ROLLUP_KEYS_V3: dict[str, tuple[str, ...]] = {
    "ledger_rollup_model": ("endpoint", "model", "page", "status", "error_class"),
    "ledger_rollup_session": ("label", "page", "session_id"),
    "ledger_rollup": ("endpoint", "model", "label", "page", "session_id", "status", "error_class"),
}
# v4: + backend (local backends cost 0 under any price table) and service_tier (priced per tier);
# both follow the endpoint and model, so they add few rows.
ROLLUP_KEYS_V4: dict[str, tuple[str, ...]] = {
    "ledger_rollup_model": ("endpoint", "backend", "model", "service_tier", "page", "status", "error_class"),
    "ledger_rollup_session": ("label", "page", "session_id"),
    "ledger_rollup": ("endpoint", "backend", "model", "service_tier", "label", "page", "session_id", "status",
                      "error_class"),
}
# v6: + a keyless hourly total, the smallest of all (read whenever nothing is filtered or grouped on).
ROLLUP_KEYS: dict[str, tuple[str, ...]] = {"ledger_rollup_total": (), **ROLLUP_KEYS_V4}
# v6: per UTC day (day = ts_ms // 86,400,000), smallest first, for figures not drawn per hour: a range's
# whole UTC days are read here, its other whole hours from the hourly rollups.
DAY_ROLLUP_KEYS: dict[str, tuple[str, ...]] = {"ledger_rollup_total_day": (),
                                               "ledger_rollup_model_day": ROLLUP_KEYS_V4["ledger_rollup_model"]}
# Summed on every insert, except first_ms / last_ms (min / max). cost sums the known costs only;
# cost_unknown counts the requests without a price, so "unknown" never reads as $0.
MEASURES_V3: tuple[str, ...] = ("requests", "prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
                                "reasoning_tokens", "estimated", "errors", "cost", "cost_unknown", "latency_sum",
                                "latency_n", "ttft_sum", "ttft_n", "first_ms", "last_ms")
MEASURES: tuple[str, ...] = (*MEASURES_V3, "cache_write_tokens", "audio_input_tokens", "audio_output_tokens",
                             *COST_COLUMNS)
FLOAT_MEASURES = frozenset({"cost", *COST_COLUMNS})
_KEY_LEN = {"endpoint": 200, "model": 200, "label": 200, "page": 64, "session_id": 64, "status": 16, "error_class": 64,
            "backend": 32, "service_tier": 32}


def _rollup(md: MetaData, name: str, keys: tuple[str, ...], measures: tuple[str, ...], period: str = "hour") -> Table:
    cols = [Column(period, BigInteger, primary_key=True, autoincrement=False)]
    cols += [Column(k, String(_KEY_LEN[k]), primary_key=True) for k in keys]
    cols += [Column(m, Float if m in FLOAT_MEASURES else BigInteger, nullable=False, default=0) for m in measures]
    return Table(name, md, *cols, sqlite_with_rowid=False)  # SQLite: rows stored in key (hour-first) order


def _covering(name: str, key: Column, ts: Column, version: int) -> tuple:
    """An index on (key, ts_ms); from v7 it also covers the durations (name ends in _dur)."""
    table = key.table
    return (name, key, ts) if version < 7 else (f"{name}_dur", key, ts, table.c.latency_ms, table.c.ttft_ms)


def build_metadata(version: int = SCHEMA_VERSION) -> tuple[MetaData, Table, Table | None, Table]:
    md = MetaData()
    meta = Table("ledger_meta", md, Column("key", String(64), primary_key=True), Column("value", String(200)))
    requests = Table("ledger_requests", md, *_request_columns(version))
    Index("ix_ledger_ts", requests.c.ts_ms)
    Index("ix_ledger_session", requests.c.session_id, requests.c.ts_ms)
    texts = None
    if version >= 2:
        Index(*_covering("ix_ledger_model_ts", requests.c.model, requests.c.ts_ms, version))
        text_cols = [Column("request_id", _ID, ForeignKey("ledger_requests.id", ondelete="CASCADE"), primary_key=True),
                     Column("messages", Text),  # JSON list of {role, content}
                     Column("replies", Text)]   # JSON list of choice texts
        if version >= 5:
            text_cols.append(Column("reasoning", Text))  # JSON list of choice thinking texts; NULL = none
        texts = Table("ledger_texts", md, *text_cols)
    if version >= 3:
        Index(*_covering("ix_ledger_label_ts", requests.c.label, requests.c.ts_ms, version))
        v4 = version >= 4
        keyed = ROLLUP_KEYS if version >= 6 else ROLLUP_KEYS_V4 if v4 else ROLLUP_KEYS_V3
        for name, keys in keyed.items():
            _rollup(md, name, keys, MEASURES if v4 else MEASURES_V3)
        fine = md.tables["ledger_rollup"]  # the sessions table looks up its 200 sessions' models here
        Index("ix_ledger_rollup_session", fine.c.session_id, fine.c.hour)
        if version >= 7:  # a label or model filter over a month reads its own rows, not the month's
            Index("ix_ledger_rollup_label", fine.c.label, fine.c.hour)
            Index("ix_ledger_rollup_model", fine.c.model, fine.c.hour)
        if version >= 6:  # ... and their totals here
            per_session = md.tables["ledger_rollup_session"]
            Index("ix_ledger_rollup_session_sid", per_session.c.session_id, per_session.c.hour)
        # Latency / TTFT counts per log-spaced bucket (lo = the bucket's lower bound in ms, see rollups.py)
        Table("ledger_rollup_duration", md, Column("hour", BigInteger, primary_key=True, autoincrement=False),
              Column("metric", String(8), primary_key=True),  # latency | ttft
              Column("lo", BigInteger, primary_key=True, autoincrement=False),
              Column("n", BigInteger, nullable=False, default=0), sqlite_with_rowid=False)
    if version >= 6:
        for name, keys in DAY_ROLLUP_KEYS.items():
            _rollup(md, name, keys, MEASURES, period="day")
        Table("ledger_rollup_duration_day", md, Column("day", BigInteger, primary_key=True, autoincrement=False),
              Column("metric", String(8), primary_key=True),
              Column("lo", BigInteger, primary_key=True, autoincrement=False),
              Column("n", BigInteger, nullable=False, default=0), sqlite_with_rowid=False)
    return md, requests, texts, meta


METADATA, REQUESTS, TEXTS, META = build_metadata()
ROLLUPS: dict[str, Table] = {name: METADATA.tables[name] for name in ROLLUP_KEYS}
DURATION_ROLLUP: Table = METADATA.tables["ledger_rollup_duration"]
DAY_ROLLUPS: dict[str, Table] = {name: METADATA.tables[name] for name in DAY_ROLLUP_KEYS}
DURATION_DAY_ROLLUP: Table = METADATA.tables["ledger_rollup_duration_day"]
