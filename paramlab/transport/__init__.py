"""One HTTP transport for every call ParamLab makes (see ARCHITECTURE.md).

    from paramlab.transport import Transport
    t = Transport(endpoint)
    t.get_json("/models")                                  # under the base URL
    t.get_json("/props", root=True)                         # server root (base URL minus /v1)
    t.post_json("/tokenize", {"content": "hi"}, root=True, timeout=5)
    t.fetch("GET", "/models")                               # Reply(status, headers, data)

Calls raise ChatError subclasses only (paramlab.errors; UnsafeURLError for a refused URL).
Streaming callers (the chat client) use `send`, `status_error`, `iter_body` and `Watchdog`.
"""
from paramlab.transport.body import iter_body, read_body
from paramlab.transport.decoding import ACCEPT_ENCODING, UnsupportedEncoding
from paramlab.transport.http import Reply, Timeouts, Transport, request_id
from paramlab.transport.watchdog import Watchdog
from paramlab.transport.describe import describe

__all__ = ["ACCEPT_ENCODING", "Reply", "Timeouts", "Transport", "UnsupportedEncoding", "Watchdog",
           "describe", "iter_body", "read_body", "request_id"]
