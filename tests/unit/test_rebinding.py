"""DNS rebinding: the name passes the safety check with one answer, then the connection lands
on another address. The client checks the connected peer before sending anything."""
from __future__ import annotations

from support.fault_server import Reply, completion
from paramlab.safety import urls as urlsafety
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint
from paramlab.safety.redaction import Secret

KEY = "sk-rebinding-test-4c1e8a7f"
BODY = {"model": "fault-model", "messages": [{"role": "user", "content": "hi"}]}


FAULT_DEFAULT = Reply(200, completion("fine"))  # for the shared `fs` fixture (tests/conftest.py)


def _endpoint(fs) -> Endpoint:
    # "localhost" so that the pre-check resolves a name (which the test makes lie)
    return Endpoint(name="rebind", base_url=f"http://localhost:{fs.port}/v1", api_key=Secret(KEY))


def test_connection_to_a_refused_address_sends_nothing(fs, monkeypatch):
    monkeypatch.setenv(urlsafety.ALLOW_PRIVATE_VAR, "0")
    # first DNS answer: a public address, so check_url() lets the name through
    monkeypatch.setattr(urlsafety, "system_resolver", lambda host, port: ["93.184.216.34"])
    result = ChatClient(_endpoint(fs)).run(BODY)
    assert result.status == "error"
    assert result.error_class == "UnsafeURLError"
    assert "nothing was sent" in result.error and "base_url" in result.error
    assert fs.count == 0  # neither the request nor the key reached the server
    assert KEY not in result.error


def test_the_same_connection_is_fine_when_private_addresses_are_allowed(fs, monkeypatch):
    monkeypatch.setenv(urlsafety.ALLOW_PRIVATE_VAR, "1")
    monkeypatch.setattr(urlsafety, "system_resolver", lambda host, port: ["93.184.216.34"])
    result = ChatClient(_endpoint(fs)).run(BODY)
    assert result.status == "ok", result.error
    assert fs.count == 1 and fs.requests[0].headers["Authorization"] == f"Bearer {KEY}"
