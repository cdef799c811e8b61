"""When to retry a failed request, and how long to wait first.

Mirrors openai-python: 408, 409, 429, 5xx and connection errors are retried with
exponential backoff, min(0.5·2^attempt, 8 s) less up to 25 % jitter; a server's
`retry-after-ms` or `retry-after` (seconds or an HTTP date; LiteLLM's `llm_provider-` copies too) takes precedence when it is
within the cap; `x-should-retry` overrides the status rule. Never 400/401/403/404/422,
never 429 insufficient_quota, never a 429 for a request larger than the whole per-minute limit.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Mapping

from paramlab import errors

RETRY_STATUSES = frozenset({408, 409, 429})
NEVER_STATUSES = frozenset({400, 401, 403, 404, 422})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0  # a server asking for longer than this is not waited on
    jitter: float = 0.25

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Delay before retry number `attempt` (0-based), without a server hint."""
        base = min(self.initial_delay * 2 ** attempt, self.max_delay)
        return base * (1 - self.jitter * (rng or random).random())


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait, or None. Handles ms, seconds and HTTP dates."""
    lower = {k.lower(): v for k, v in headers.items()}
    ms = lower.get("retry-after-ms") or lower.get("llm_provider-retry-after-ms")
    if ms is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    # LiteLLM passes the upstream provider's header on as llm_provider-retry-after
    ra = lower.get("retry-after") or lower.get("llm_provider-retry-after")
    if ra is None:
        return None
    ra = ra.strip()
    try:
        return max(float(ra), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(ra)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def should_retry_status(status: int, headers: Mapping[str, str], error: errors.ChatError | None) -> bool:
    lower = {k.lower(): v for k, v in headers.items()}
    hint = lower.get("x-should-retry", "").strip().lower()
    if isinstance(error, (errors.InsufficientQuotaError, errors.RequestTooLargeError)):
        return False  # waiting cannot help: no quota left, or one request above the whole limit
    if hint == "true":
        return True
    if hint == "false":
        return False
    if status in NEVER_STATUSES:
        return False
    return status in RETRY_STATUSES or status >= 500


def delay_for(policy: RetryPolicy, attempt: int, headers: Mapping[str, str] | None,
              rng: random.Random | None = None) -> float:
    hinted = parse_retry_after(headers or {})
    if hinted is not None and 0 <= hinted <= policy.max_retry_after:
        return hinted
    return policy.backoff(attempt, rng)
