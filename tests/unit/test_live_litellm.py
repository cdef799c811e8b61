"""The LiteLLM proxy (PyPI, pinned to 1.108.7 in its own virtualenv by `make litellm`) started
on 127.0.0.1 in front of the embedded engine: stream, non-stream, include_usage (its final
`[{"index": 0, "delta": {}}]` chunk), a wrong proxy key, an unknown model, and its own
rate-limit 429 with `llm_provider-retry-after`."""
from __future__ import annotations

import re
import time

import pytest

from paramlab.client.chat import ChatClient, Timeouts
from paramlab.client.retry import RetryPolicy
from paramlab.safety.redaction import Secret
from paramlab.settings import Endpoint

from support.litellm_peer import LiteLLMPeer

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def litellm(engine_endpoint):
    with LiteLLMPeer(engine_endpoint.base_url, engine_endpoint.models[0]) as peer:
        yield peer


def client(peer: LiteLLMPeer, key: str | None = None, **kw) -> ChatClient:
    ep = Endpoint(name="litellm", base_url=peer.base_url, api_key=Secret(key or peer.key), backend="litellm")
    return ChatClient(ep, **kw)


def body(model: str = "smollm2", **extra):
    return {"model": model, "temperature": 0, "seed": 5, "max_tokens": 16,
            "messages": [{"role": "user", "content": "Name a colour."}], **extra}


def test_non_stream(litellm, engine_client):
    res = client(litellm).run(body())
    assert res.status == "ok", res.error
    assert res.texts() == engine_client.run({**body(), "model": "smollm2-135m-instruct"}).texts()
    assert res.usage.completion_tokens > 0 and not res.usage.estimated
    assert UUID.match(res.metrics.request_id)  # x-litellm-call-id


def test_stream(litellm, engine_client):
    seen = []
    res = client(litellm).run(body(stream=True), on_delta=lambda d: seen.append(d.text))
    assert res.status == "ok", res.error
    assert res.texts() == engine_client.run({**body(), "model": "smollm2-135m-instruct"}).texts()
    assert "".join(seen) == res.texts()[0]


def test_stream_include_usage_in_the_final_empty_delta_chunk(litellm, engine_client):
    res = client(litellm).run(body(stream=True, stream_options={"include_usage": True}))
    assert res.status == "ok", res.error
    assert res.raw[-2].startswith('{') and '"delta":{}' in res.raw[-2] and '"usage"' in res.raw[-2]
    u = res.usage
    assert not u.estimated and u.completion_tokens > 0 and u.total_tokens == u.prompt_tokens + u.completion_tokens
    direct = engine_client.run({**body(), "model": "smollm2-135m-instruct"})
    assert res.finish_reasons == direct.finish_reasons and res.finish_reasons[0] is not None


def test_wrong_proxy_key(litellm):
    wrong = "sk-not-the-master-key-987654321"
    res = client(litellm, key=wrong, retry=RetryPolicy(max_retries=0)).run(body())
    assert res.status == "error" and res.error.startswith("HTTP 400: No connected db.")
    assert "not the proxy's master key" in res.error and wrong not in res.error


def test_unknown_model(litellm):
    res = client(litellm).run(body(model="no-such-model"))
    assert res.status == "error" and res.error_class == "BadRequestError"
    assert "Invalid model name passed in model=no-such-model" in res.error


def _clear_of_a_minute_boundary(margin_s: float = 15) -> None:
    """LiteLLM counts rpm per clock minute: two requests either side of a minute's end are both
    allowed, so the pair starts early enough in a minute to finish inside it."""
    into = time.time() % 60
    if into > 60 - margin_s:
        time.sleep(60 - into + 0.5)


def test_rate_limit_429_honours_llm_provider_retry_after(litellm):
    c = client(litellm, timeouts=Timeouts(connect=5, read=60, total=30), sleep=lambda s: None)
    _clear_of_a_minute_boundary()
    first = c.run(body(model="smollm2-limited"))
    second = c.run(body(model="smollm2-limited"))
    assert first.status == "ok", first.error
    assert second.status == "error" and second.error_class == "RateLimitError"
    assert "No deployments available" in second.error
    # LiteLLM asks for 60 s (llm_provider-retry-after): more than the 30 s deadline allows
    assert "asked to wait 60 s" in second.error and second.metrics.attempts == 1


def test_the_registry_detects_litellm_from_what_it_really_answers(litellm):
    """A real LiteLLM proxy's /v1/models lists every model group owned_by 'openai' and sends no
    x-litellm-* header (its chat replies do): the registry's probe (backend "auto") still says
    LiteLLM, from the fixed `created` it gives every model."""
    from paramlab.backends import detection
    found = detection.probe(Endpoint(name="litellm", base_url=litellm.base_url, api_key=Secret(litellm.key)))
    assert found.errors == []
    assert not any(k.lower().startswith("x-litellm") for k in found.headers)
    assert {m["owned_by"] for m in found.models["data"]} == {"openai"}
    assert found.detection.kind == "litellm" and "LiteLLM's fixed values" in found.detection.evidence
