"""The one transport, for every call and not only chat: llama.cpp's /tokenize, /apply-template,
/props and /models never read ~/.netrc, use the configured proxy (and HTTP_PROXY with NO_PROXY),
carry the key only to its own host, and the context count sends the key like chat does."""
from __future__ import annotations

import dataclasses

import pytest

from paramlab.backends import llamacpp
from paramlab.request import context
from paramlab.safety import urls as urlsafety
from paramlab.safety.redaction import Secret
from paramlab.settings import Endpoint
from paramlab.transport import ACCEPT_ENCODING, Transport
from paramlab.transport.connection import make_session

from support.fault_server import FaultServer, Reply

KEY = "sk-transport-0123456789abcdef"
TOKENS = {"tokens": [{"id": 1, "piece": "Hi"}, {"id": 2, "piece": "!"}], "prompt": "<|user|>Hi"}


@pytest.fixture
def fs():
    with FaultServer(default=Reply(200, TOKENS)) as server:
        yield server


def ep(base_url: str, **kw) -> Endpoint:
    return Endpoint(name="llama", base_url=base_url, backend="llamacpp", **kw)


def test_netrc_is_never_read(fs, tmp_path, monkeypatch):
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login netrc-user password netrc-secret\n")
    (tmp_path / ".netrc").chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
    assert llamacpp.tokenize(ep(fs.base_url), "Hi") == [(1, "Hi"), (2, "!")]
    llamacpp.props(ep(fs.base_url))
    assert [r.path for r in fs.requests] == ["/tokenize", "/props"]
    assert all("Authorization" not in r.headers for r in fs.requests)


def test_llamacpp_calls_go_through_the_configured_proxy(fs):
    """The fault server plays the proxy for a host where nothing listens."""
    e = ep("http://localhost:9/v1", proxy=fs.root, api_key=Secret(KEY))
    llamacpp.tokenize(e, "Hi")
    (req,) = fs.requests
    assert req.path == "http://localhost:9/tokenize"
    assert req.headers["Authorization"] == f"Bearer {KEY}"
    assert req.headers["Accept-Encoding"] == ACCEPT_ENCODING


def test_environment_proxy_and_no_proxy(fs, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", fs.root)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    llamacpp.apply_template(ep("http://localhost:9/v1"), [{"role": "user", "content": "Hi"}])
    assert fs.requests[-1].path == "http://localhost:9/apply-template"
    # NO_PROXY: straight to the server, the proxy (a closed port) never asked
    with FaultServer(default=Reply(200, TOKENS)) as direct:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert llamacpp.tokenize(ep(direct.base_url), "Hi")
        assert direct.requests[0].path == "/tokenize"


def test_the_key_goes_only_to_its_own_host(fs):
    e = ep(fs.base_url, api_key=Secret(KEY))
    moved = dataclasses.replace(e, base_url=fs.base_url.replace("127.0.0.1", "localhost"))
    with pytest.raises(urlsafety.UnsafeURLError, match="not sent to another host"):
        llamacpp.tokenize(moved, "Hi")
    assert fs.count == 0
    assert "Authorization" not in Transport(moved).auth_headers(moved.base_url)


def test_context_count_sends_the_key(fs):
    counted = context.count([{"role": "user", "content": "Hi"}], ep(fs.base_url, api_key=Secret(KEY)), None)
    assert counted.exact and counted.prompt_tokens == 2
    assert [r.path for r in fs.requests] == ["/apply-template", "/tokenize"]
    assert all(r.headers["Authorization"] == f"Bearer {KEY}" for r in fs.requests)


def test_models_and_props_shapes(fs):
    fs.script(Reply(200, {"object": "list", "data": [{"id": "a"}, {"id": "b"}]}), Reply(200, {"models": [{"name": "x"}]}),
              Reply(200, [1, 2]))
    assert [m["id"] for m in llamacpp.models(ep(fs.base_url))] == ["a", "b"]
    assert llamacpp.models(ep(fs.base_url)) == [{"name": "x"}]
    from paramlab.errors import InvalidResponseError
    with pytest.raises(InvalidResponseError, match="/props did not answer with a JSON object"):
        llamacpp.props(ep(fs.base_url))
    assert [r.path for r in fs.requests] == ["/v1/models", "/v1/models", "/props"]


def test_ca_bundle_from_the_endpoint_or_the_environment(monkeypatch, tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    s = make_session()
    assert s.verify == str(bundle) and s.trust_env is False
    assert make_session(ca_bundle="/etc/ssl/own.pem").verify == "/etc/ssl/own.pem"
    assert make_session(verify_tls=False).verify is False
