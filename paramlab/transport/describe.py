"""Transport failures in plain words: no library class names, no object reprs, no cut-off
parentheses ("HTTPConnectionPool(host=..., port=...): Read timed out. (read timeout=5)")."""
from __future__ import annotations

import re
import socket
import ssl

import requests
import urllib3

_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>:?\s*")
_POOL = re.compile(r"\w+ConnectionPool\(host=[^)]*\):\s*")
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")


def _chain(e: BaseException) -> list[BaseException]:
    out, seen = [], set()
    stack: list[BaseException | None] = [e]
    while stack:
        x = stack.pop()
        if x is None or id(x) in seen:
            continue
        seen.add(id(x))
        out.append(x)
        stack += [getattr(x, "reason", None), x.__cause__, x.__context__]
        stack += [a for a in getattr(x, "args", ()) if isinstance(a, BaseException)]
    return out


def describe(e: BaseException, where: str) -> str:
    """One sentence for a connection-level failure talking to `where` (host or host:port)."""
    chain = _chain(e)
    if any(isinstance(x, (requests.exceptions.SSLError, ssl.SSLError, urllib3.exceptions.SSLError)) for x in chain):
        why = next((str(getattr(x, "reason", "") or x.args[-1] if x.args else "")
                    for x in chain if isinstance(x, ssl.SSLCertVerificationError)), "")
        return f"the TLS connection to {where} failed" + (f": {_clean(why)}" if why else
                                                          ": check the CA bundle or the https URL")
    if any(isinstance(x, (requests.exceptions.ProxyError, urllib3.exceptions.ProxyError)) for x in chain):
        return f"the proxy could not reach {where}"
    if any(isinstance(x, (urllib3.exceptions.NameResolutionError, socket.gaierror)) for x in chain):
        return f"the host name in {where} could not be resolved"
    if any(isinstance(x, ConnectionRefusedError) for x in chain):
        return f"connection refused: nothing is listening at {where}"
    if any(isinstance(x, ConnectionResetError) for x in chain):
        return f"{where} reset the connection"
    if any(isinstance(x, (urllib3.exceptions.IncompleteRead, urllib3.exceptions.ProtocolError)) for x in chain):
        return f"{where} closed the connection before the reply was complete"
    text = _clean(str(e))
    return f"{where}: {text}" if text else f"the connection to {where} failed"


def _clean(text: str) -> str:
    text = _POOL.sub("", _REPR.sub("", text))
    text = _ERRNO.sub("", text)
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    text = text.strip("()'\" .")
    text = re.sub(r"^\w+Error\(['\"]?", "", text).strip("()'\" .")
    if text.count("(") != text.count(")"):
        text = text.replace("(", "").replace(")", "")
    return text[:200]
