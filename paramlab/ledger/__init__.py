"""The usage ledger: every request recorded in a real database (see store.py, queries.py)."""
from .queries import Filters
from .schema import SCHEMA_VERSION
from .store import Ledger, LedgerError, default_url, explain, safe_url

__all__ = ["Filters", "Ledger", "LedgerError", "SCHEMA_VERSION", "default_url", "explain", "safe_url"]
