"""nginx in front of the embedded engine, as teams deploy it: `gzip on` for application/json
and text/event-stream, with and without proxy_buffering (started here, on 127.0.0.1; the
package comes from `make nginx`). Through it, every kind of request must come out exactly as
it does directly: stream, non-stream, n=2, logprobs, and an error status."""
from __future__ import annotations

import dataclasses

import pytest
import requests

from paramlab.client.chat import ChatClient

from support.nginx_peer import NginxPeer


@pytest.fixture(scope="module", params=[False, True], ids=["proxy_buffering-off", "proxy_buffering-on"])
def nginx(request, engine_endpoint):
    with NginxPeer(engine_endpoint.base_url.removesuffix("/v1"), buffering=request.param) as url:
        yield url


@pytest.fixture(scope="module")
def via_nginx(nginx, engine_endpoint):
    ep = dataclasses.replace(engine_endpoint, name="nginx", base_url=nginx + "/v1", embedded=False,
                             backend="llamacpp")
    return ChatClient(ep)


def body(**extra):
    return {"model": "smollm2-135m-instruct", "temperature": 0, "seed": 7, "max_tokens": 24,
            "messages": [{"role": "user", "content": "Name three colours."}], **extra}


def test_nginx_really_compresses_both_kinds(nginx):
    """The set-up under test: nginx gzips JSON replies and event streams alike."""
    for stream in (False, True):
        r = requests.post(nginx + "/v1/chat/completions", json=body(stream=stream), timeout=60, stream=True,
                          headers={"Accept-Encoding": "gzip"})
        assert r.status_code == 200 and r.headers.get("Content-Encoding") == "gzip"
        r.close()


def test_stream_through_gzip(via_nginx, engine_client):
    seen = []
    usage = {"stream_options": {"include_usage": True}}
    res = via_nginx.run(body(stream=True, **usage), on_delta=lambda d: seen.append(d.text))
    direct = engine_client.run(body(stream=True, **usage))
    assert res.status == "ok", res.error
    assert res.texts() == direct.texts() and res.texts()[0]
    assert "".join(seen) == res.texts()[0] and len([s for s in seen if s]) > 3  # token by token
    assert res.usage is not None and not res.usage.estimated
    assert res.finish_reasons == direct.finish_reasons


def test_non_stream_through_gzip(via_nginx, engine_client):
    res = via_nginx.run(body())
    assert res.status == "ok", res.error
    assert res.texts() == engine_client.run(body()).texts()
    assert res.usage.completion_tokens > 0 and not res.usage.estimated


@pytest.mark.parametrize("stream", [False, True])
def test_two_choices(via_nginx, stream):
    res = via_nginx.run(body(n=2, temperature=0.9, seed=None, stream=stream))
    assert res.status == "ok", res.error
    assert [c.index for c in res.choices] == [0, 1] and all(res.texts())


@pytest.mark.parametrize("stream", [False, True])
def test_logprobs(via_nginx, stream):
    res = via_nginx.run(body(logprobs=True, top_logprobs=3, stream=stream))
    assert res.status == "ok", res.error
    lp = res.choices[0].logprobs
    assert lp and all("token" in t and "logprob" in t for t in lp)
    assert "".join(t["token"] for t in lp) == res.texts()[0]


@pytest.mark.parametrize("stream", [False, True])
def test_error_status_through_gzip(via_nginx, stream):
    res = via_nginx.run(body(stream=stream, response_format={"type": "nonsense"}))
    assert res.status == "error"
    assert res.error == ('HTTP 400: response_format type must be one of "text" or "json_object", '
                         'but got: nonsense')


def test_gzipped_404_through_the_transport(nginx, via_nginx):
    """nginx compresses 404 bodies too: the message must come out as words, not binary."""
    from paramlab import errors
    from paramlab.transport import Transport
    raw = requests.get(nginx + "/v1/no-such-endpoint", headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
    assert raw.status_code == 404 and raw.headers.get("Content-Encoding") == "gzip"
    raw.close()
    with pytest.raises(errors.NotFoundError) as e:
        Transport(via_nginx.endpoint).get_json("/no-such-endpoint")
    assert e.value.status == 404 and "\x1f\x8b" not in e.value.message and "not found" in e.value.message.lower()


def test_llamacpp_api_through_nginx(via_nginx):
    """/tokenize, /apply-template, /props and /models go through the same transport."""
    from paramlab.backends import llamacpp
    ep = via_nginx.endpoint
    assert [m["id"] for m in llamacpp.models(ep)] == ["smollm2-135m-instruct"]
    assert llamacpp.tokenize(ep, "Hello world")
    assert "Hello" in llamacpp.apply_template(ep, [{"role": "user", "content": "Hello"}])
    assert "default_generation_settings" in llamacpp.props(ep)
