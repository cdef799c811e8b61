"""The usage ledger: every request recorded in a real database (see store.py, queries.py)."""
from paramlab.usage.ledger.queries import Filters
from paramlab.usage.ledger.schema import SCHEMA_VERSION
from paramlab.usage.ledger.store import Ledger, LedgerError, default_url, explain, safe_url

__all__ = ["Filters", "Ledger", "LedgerError", "SCHEMA_VERSION", "default_url", "explain", "safe_url"]
