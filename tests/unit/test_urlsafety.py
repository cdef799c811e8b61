"""Base URL safety: refused schemes and addresses in every spelling, checked on resolved addresses,
the CHAT_ALLOW_PRIVATE switch, the embedded engine's exemption, and keys bound to their host."""
from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from paramlab import settings as config
from paramlab.safety import urls as urlsafety
from paramlab.client.chat import ChatClient
from paramlab.settings import Endpoint
from paramlab.safety.redaction import Secret
from paramlab.client.retry import RetryPolicy
from paramlab.safety.urls import HostLookupError, UnsafeURLError, check_url

BODY = {"model": "fault-model", "messages": [{"role": "user", "content": "hi"}]}
NO_RETRY = RetryPolicy(max_retries=0)

# Every spelling of the metadata service / link-local that a resolver accepts.
METADATA_FORMS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",                      # decimal
    "http://0251.0376.0251.0376/",             # octal
    "http://0xa9fea9fe/",                      # hex
    "http://0xA9.0xFE.0xA9.0xFE/",             # hex per byte
    "http://0251.254.169.0376/",               # mixed
    "http://169.254.43518/",                   # short form a.b.c (last part 16 bits)
    "http://169.16689662/",                    # short form a.b (last part 24 bits)
    "http://169.254.169.254.:80/",             # trailing dot
    "http://[::ffff:169.254.169.254]/",        # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",              # IPv4-mapped, hex
    "http://[::169.254.169.254]/",             # IPv4-compatible IPv6
    "http://[64:ff9b::a9fe:a9fe]/",            # NAT64
    "http://[2002:a9fe:a9fe::1]/",             # 6to4
    "http://[fd00:ec2::254]/",                 # AWS metadata over IPv6
    "http://[fe80::1]/",                       # IPv6 link-local
    "http://169.254.0.1:8080/v1",              # anywhere in 169.254.0.0/16
    "https://100.100.100.200/",                # Alibaba Cloud metadata
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.Google.Internal./",
    "http://metadata.goog/",
    "http://x.metadata.google.internal/",
]


def no_dns(host: str, port: int):
    raise AssertionError(f"literal addresses must not need DNS ({host})")


@pytest.mark.parametrize("url", METADATA_FORMS)
def test_metadata_and_link_local_refused_in_every_form(url):
    for private_ok in (True, False):  # never allowed, whatever CHAT_ALLOW_PRIVATE says
        with pytest.raises(UnsafeURLError) as e:
            check_url(url, private_ok=private_ok, resolver=no_dns)
        assert str(e.value).startswith("base_url: ")
        assert e.value.param == "base_url"


@pytest.mark.parametrize("host", ["2852039166", "0251.0376.0251.0376", "0xa9fea9fe", "169.254.43518",
                                  "169.16689662"])
def test_the_odd_forms_really_reach_the_metadata_address(host):
    """Why they are refused: the system resolver turns each of them into 169.254.169.254."""
    assert {i[4][0] for i in socket.getaddrinfo(host, 80, type=socket.SOCK_STREAM)} == {"169.254.169.254"}
    assert str(urlsafety.parse_ipv4_loose(host)) == "169.254.169.254"


@pytest.mark.parametrize("url", ["ftp://api.example.com/v1", "file:///etc/passwd", "gopher://x/",
                                 "javascript:alert(1)", "api.example.com/v1", ""])
def test_only_http_and_https(url):
    with pytest.raises(UnsafeURLError, match=r"^base_url: must start with http:// or https://"):
        check_url(url, resolver=no_dns)


def test_the_field_name_is_the_callers():
    with pytest.raises(UnsafeURLError, match=r"^CHAT_BASE_URL: "):
        check_url("http://2852039166/", field="CHAT_BASE_URL")


def resolver_for(mapping: dict[str, list[str]]):
    def resolve(host: str, port: int):
        if host not in mapping:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return mapping[host]
    return resolve


@pytest.mark.parametrize("answers", [["169.254.169.254"], ["93.184.216.34", "169.254.169.254"],
                                     ["::ffff:169.254.169.254"], ["fd00:ec2::254"], ["fe80::1%eth0"]])
def test_a_friendly_name_resolving_to_metadata_is_refused(answers):
    resolve = resolver_for({"api.friendly.example": answers})
    with pytest.raises(UnsafeURLError, match=r"^base_url: api\.friendly\.example resolves to .*metadata"):
        check_url("https://api.friendly.example/v1", private_ok=True, resolver=resolve)


def test_public_names_pass_and_report_the_checked_addresses():
    resolve = resolver_for({"api.openai.example": ["162.159.140.245", "2606:4700::6812:1"]})
    assert check_url("https://api.openai.example/v1", private_ok=False, resolver=resolve) == [
        "162.159.140.245", "2606:4700::6812:1"]


PRIVATE_FORMS = ["http://127.0.0.1:8080/v1", "http://127.1/", "http://0x7f000001/", "http://2130706433/",
                 "http://[::1]:8000/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:8000/", "http://10.1.2.3/",
                 "http://172.16.0.1/", "http://192.168.1.20:11434/v1", "http://100.64.0.1/", "http://[fc00::1]/",
                 "http://[fd12:3456::1]/"]


@pytest.mark.parametrize("url", PRIVATE_FORMS)
def test_private_and_loopback_follow_the_setting(url):
    with pytest.raises(UnsafeURLError, match="private or loopback.*CHAT_ALLOW_PRIVATE=1"):
        check_url(url, private_ok=False, resolver=no_dns)
    assert check_url(url, private_ok=True, resolver=no_dns)


def test_a_private_name_follows_the_setting():
    resolve = resolver_for({"llm.internal": ["10.0.0.7"]})
    with pytest.raises(UnsafeURLError, match="llm.internal resolves to 10.0.0.7 is a private"):
        check_url("http://llm.internal/v1", private_ok=False, resolver=resolve)
    assert check_url("http://llm.internal/v1", private_ok=True, resolver=resolve) == ["10.0.0.7"]


def test_real_resolver_localhost_is_checked_on_its_address():
    with pytest.raises(UnsafeURLError, match="localhost resolves to"):
        check_url("http://localhost:8080/v1", private_ok=False)
    assert "127.0.0.1" in check_url("http://localhost:8080/v1", private_ok=True)


def test_unresolvable_host_is_a_clear_lookup_error():
    with pytest.raises(HostLookupError, match=r"^base_url: the host 'nowhere\.invalid' could not be resolved"):
        check_url("http://nowhere.invalid/v1", resolver=resolver_for({}))


@pytest.mark.parametrize("raw, expected", [(None, True), ("", True), ("1", True), ("on", True), ("true", True),
                                           ("0", False), ("off", False), ("False", False), ("no", False)])
def test_allow_private_setting(raw, expected):
    env = {} if raw is None else {"CHAT_ALLOW_PRIVATE": raw}
    assert urlsafety.allow_private(env) is expected


def test_allow_private_bad_value_names_the_variable():
    with pytest.raises(UnsafeURLError, match="^CHAT_ALLOW_PRIVATE: must be 1 or 0"):
        urlsafety.allow_private({"CHAT_ALLOW_PRIVATE": "maybe"})


# -- configuration -------------------------------------------------------------------------
def test_settings_refuse_metadata_base_url(tmp_path):
    s = config.load_settings({"CHAT_BASE_URL": "http://0251.0376.0251.0376/v1", "CHAT_APIKEY": "sk-x"},
                             path=tmp_path / "none.yaml")
    assert any(e.startswith("CHAT_BASE_URL: ") and "metadata" in e for e in s.errors)
    assert config.ENV_ENDPOINT_NAME not in [e.name for e in s.endpoints]


def test_settings_refuse_loopback_when_private_is_off(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "0")
    s = config.load_settings({"CHAT_BASE_URL": "http://127.0.0.1:8080/v1"}, path=tmp_path / "none.yaml")
    assert any(e.startswith("CHAT_BASE_URL: ") and "CHAT_ALLOW_PRIVATE" in e for e in s.errors)
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "1")
    s = config.load_settings({"CHAT_BASE_URL": "http://127.0.0.1:8080/v1"}, path=tmp_path / "none.yaml")
    assert not s.errors and s.endpoints[0].base_url == "http://127.0.0.1:8080/v1"


def test_yaml_endpoint_with_metadata_url_is_reported(tmp_path):
    f = tmp_path / "paramlab.yaml"
    f.write_text("endpoints:\n  - name: sneaky\n    base_url: http://metadata.google.internal/v1\n")
    s = config.load_settings({}, path=f)
    assert any("endpoints[0].base_url: metadata.google.internal is a cloud metadata service" in e
               for e in s.errors)
    assert "sneaky" not in [e.name for e in s.endpoints]


# -- the client checks before every request ---------------------------------------------------
def test_client_refuses_loopback_when_private_is_off_and_sends_nothing(fs, monkeypatch):
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "0")
    fs.reset()
    for url in (fs.base_url, f"http://localhost:{fs.port}/v1"):  # literal, and a name resolved by the system
        res = ChatClient(Endpoint("t", url), retry=NO_RETRY).run(BODY)
        assert res.status == "error" and res.error_class == "UnsafeURLError"
        assert "private or loopback" in res.error
    assert fs.count == 0
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "1")
    assert ChatClient(Endpoint("t", fs.base_url), retry=NO_RETRY).run(BODY).status == "ok"
    assert fs.count == 1


def test_client_stream_refused_too(fs, monkeypatch):
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "0")
    fs.reset()
    res = ChatClient(Endpoint("t", fs.base_url), retry=NO_RETRY).run({**BODY, "stream": True})
    assert res.status == "error" and res.error_class == "UnsafeURLError" and fs.count == 0


@pytest.mark.engine
def test_embedded_engine_is_exempt_but_only_by_its_own_url(engine_endpoint, fs, monkeypatch):
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "0")
    res = ChatClient(engine_endpoint).run({"model": engine_endpoint.models[0], "max_tokens": 4,
                                           "messages": [{"role": "user", "content": "Hi"}]})
    assert res.status == "ok" and res.choices[0].text
    # Flagging some other loopback endpoint as "embedded" does not get it through.
    fs.reset()
    fake = replace(engine_endpoint, base_url=fs.base_url)
    res = ChatClient(fake, retry=NO_RETRY).run(BODY)
    assert res.error_class == "UnsafeURLError" and fs.count == 0


def test_key_is_bound_to_the_host_it_was_entered_for(fs):
    fs.reset()
    ep = Endpoint("t", fs.base_url, api_key=Secret("sk-bound-key-123456"))
    assert ep.key_host == "127.0.0.1"
    assert ChatClient(ep, retry=NO_RETRY).run(BODY).status == "ok"
    assert fs.requests[-1].headers["Authorization"] == "Bearer sk-bound-key-123456"
    # Same server, another host name: the key stays home and nothing is sent.
    moved = replace(ep, base_url=f"http://localhost:{fs.port}/v1")
    assert moved.key_host == "127.0.0.1"
    client = ChatClient(moved, retry=NO_RETRY)
    assert "Authorization" not in client.headers()
    res = client.run({**BODY, "stream": True})
    assert res.status == "error" and res.error_class == "UnsafeURLError"
    assert res.error.startswith("base_url: the API key was entered for 127.0.0.1, not localhost")
    assert "sk-bound-key-123456" not in res.error and "Authorization" not in res.request_headers
    assert fs.count == 1
    # A key entered for the new host is sent there.
    fresh = Endpoint("t", f"http://localhost:{fs.port}/v1", api_key=Secret("sk-bound-key-123456"))
    assert ChatClient(fresh, retry=NO_RETRY).run(BODY).status == "ok" and fs.count == 2


def test_endpoint_without_key_has_no_key_host():
    assert Endpoint("t", "http://127.0.0.1:1/v1").key_host == ""


def test_trusted_embedded_url_survives_a_code_reload(fs, monkeypatch):
    """The app registers the engine's URL where Streamlit's module reloader cannot drop it."""
    import sys
    monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "0")
    flagged = Endpoint("Embedded", fs.base_url, embedded=True)
    assert not urlsafety.is_embedded(flagged)
    urlsafety.trust_embedded(fs.base_url + "/")
    try:
        assert urlsafety.is_embedded(flagged)
        assert not urlsafety.is_embedded(replace(flagged, embedded=False))  # the flag is needed too
        registry = sys.modules[urlsafety._REGISTRY]
        assert not getattr(registry, "__file__", None)  # no file: never reloaded
        fs.reset()
        assert ChatClient(flagged, retry=NO_RETRY).run(BODY).status == "ok" and fs.count == 1
    finally:
        urlsafety._embedded_urls().discard(fs.base_url)


def test_through_a_proxy_an_unresolvable_name_is_left_to_the_proxy():
    resolve = resolver_for({})
    assert check_url("https://api.internal-only.example/v1", resolver=resolve, proxied=True) == []
    with pytest.raises(UnsafeURLError):  # the static checks still apply
        check_url("http://metadata.google.internal/", resolver=resolve, proxied=True)
    with pytest.raises(UnsafeURLError):  # and a name that does resolve is still checked
        check_url("http://x.example/", resolver=resolver_for({"x.example": ["169.254.169.254"]}), proxied=True)


def test_llamacpp_side_endpoints_pass_the_same_url_check(monkeypatch):
    """/tokenize and /apply-template (context meter, logit_bias helper, usage recount) are refused
    exactly like chat requests: a name resolving to a metadata address gets nothing sent."""
    from support.fault_server import FaultServer, Reply

    from paramlab.request import context
    from paramlab.lab import tokenizer
    from paramlab.settings import Endpoint
    from paramlab.backends import llamacpp
    from paramlab.safety.redaction import Secret

    monkeypatch.setattr(urlsafety, "system_resolver", lambda host, port: ["169.254.169.254"])
    with FaultServer(default=Reply(200, {"tokens": [{"id": 1, "piece": "x"}], "prompt": "x"})) as fs:
        base = f"http://localhost:{fs.port}/v1"
        ep = Endpoint(name="l", base_url=base, backend="llamacpp", api_key=Secret("k" * 16))
        for call in (lambda: llamacpp.tokenize(ep, "x", 1.0), lambda: llamacpp.props(ep, 1.0),
                     lambda: llamacpp.models(ep, 1.0), lambda: llamacpp.apply_template(ep, [], 1.0)):
            with pytest.raises(urlsafety.UnsafeURLError, match="link-local"):
                call()
        counted = context.count([{"role": "user", "content": "hello there"}], ep, None)
        assert not counted.exact and "estimate" in counted.source
        with pytest.raises(tokenizer.TokenizerUnavailable, match="link-local"):
            tokenizer.tokenize_text(ep, None, "Paris")
        assert fs.count == 0
