"""Who may use the relay: relay keys (compared in constant time), or local clients only when no key
is configured and the app listens on loopback alone. Budgets per key are checked from the ledger."""
from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from typing import Callable, Sequence

from paramlab.relay.wire import RelayError
from paramlab.settings import RelayKey

LOCAL_LABEL = "local"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Caller:
    label: str          # the relay key's label ("local" in local-only mode)
    address: str        # the client's IP address
    key: RelayKey | None = None


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%")[0]).is_loopback
    except ValueError:
        return False


def bound_to_loopback(server_address: str | None) -> bool:
    """Whether the app listens on loopback only (an empty address means every interface)."""
    return bool(server_address) and (server_address in LOOPBACK_NAMES or is_loopback(server_address))


def bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


class Gate:
    def __init__(self, keys: Sequence[RelayKey], local_only: bool):
        self.keys = tuple(keys)
        self.local_only = local_only

    @property
    def mode(self) -> str:
        """keys: a relay key is required | local: open to local clients | off."""
        if self.keys:
            return "keys"
        return "local" if self.local_only else "off"

    def admit(self, authorization: str | None, address: str, api_key_header: str | None = None) -> Caller:
        mode = self.mode
        if mode == "off":
            raise RelayError(403, "The relay is off: set CHAT_RELAY_KEY (or relay.keys in the config file), "
                                  "or run the app on 127.0.0.1 only to open it to local clients.",
                             type="permission_denied", code="relay_off")
        if mode == "local":
            if not is_loopback(address):
                raise RelayError(403, "The relay is open to local clients only (no relay key is configured).",
                                 type="permission_denied", code="relay_local_only")
            return Caller(LOCAL_LABEL, address)
        token = bearer(authorization) or (api_key_header or "").strip() or None
        if token is None:
            raise RelayError(401, "Missing relay key: send it as 'Authorization: Bearer <relay key>'.",
                             type="invalid_request_error", code="invalid_api_key")
        found = None
        for k in self.keys:  # every key compared, so timing tells nothing about which one matched
            if hmac.compare_digest(token.encode(), k.key.reveal().encode()) and found is None:
                found = k
        if found is not None:
            return Caller(found.label, address, found)
        raise RelayError(401, "Incorrect relay key provided.", type="invalid_request_error", code="invalid_api_key")


def check_budget(caller: Caller, spent: Callable[[str], tuple[float, float] | None]) -> None:
    """429 insufficient_quota once a key's daily or monthly spend reaches its budget; fails closed
    when the ledger cannot say what was spent."""
    k = caller.key
    if k is None or (k.daily_budget is None and k.monthly_budget is None):
        return
    got = spent(k.label)
    if got is None:
        raise RelayError(503, "The relay key's budget cannot be checked: the usage ledger is not available.",
                         type="server_error", code="budget_unavailable")
    today, month = got
    for name, limit, value in (("daily", k.daily_budget, today), ("monthly", k.monthly_budget, month)):
        if limit is not None and value >= limit:
            raise RelayError(429, f"The relay key {k.label!r} has used its {name} budget of ${limit:.2f} "
                                  f"(${value:.4f} spent).", type="insufficient_quota", code="insufficient_quota")
