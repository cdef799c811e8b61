"""Every recorded reply of a real provider (tests/support/corpus, copied from the shared corpus
and extended; sources in each file) replayed over real HTTP on 127.0.0.1: compressed as the
provider did when our Accept-Encoding allows it, cut into random parts, and checked against
every field of its `expect`."""
from __future__ import annotations

import pytest

from paramlab import errors
from paramlab.client.chat import ChatClient, Timeouts
from paramlab.client.retry import RetryPolicy
from paramlab.safety.redaction import Secret
from paramlab.settings import Endpoint

from support.fault_server import FaultServer
from support.recorded import CORPUS as CORPUS_DIR, Encoded, load, recordings

KEY = "sk-replay-0123456789abcdef"
HELLO = {"model": "recorded-model", "messages": [{"role": "user", "content": "hi"}]}
CASES = recordings()


@pytest.fixture(scope="module")
def server():
    with FaultServer() as fs:
        yield fs


def replay(server: FaultServer, rec: dict, seed: int, split: int | None = None):
    behaviour = Encoded.of(rec, seed, split)
    server.reset()
    server.script(behaviour)
    client = ChatClient(Endpoint(name=rec["provider"], base_url=server.base_url, api_key=Secret(KEY)),
                        retry=RetryPolicy(max_retries=0), timeouts=Timeouts(connect=5, read=10, total=30))
    body = {**(rec.get("request") or HELLO), "stream": bool(rec["stream"])}
    live: dict[int, dict[str, str]] = {}

    def on_delta(d) -> None:
        got = live.setdefault(d.index, {"text": "", "reasoning": ""})
        got["text"] += d.text
        got["reasoning"] += d.reasoning

    result = client.run(body, on_delta=on_delta)
    return result, live, behaviour


def test_the_corpus_is_in_the_repository():
    assert len(CASES) >= 18
    providers = {load(p)["provider"] for p in CASES}
    assert len(providers) >= 12


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_recorded_reply(server, path, seed):
    rec = load(path)
    expect = rec["expect"]
    result, live, behaviour = replay(server, rec, seed)
    # compressed exactly as recorded, because the client accepts it
    recorded = (rec["headers"].get("content-encoding") or "").lower() or None
    assert behaviour.sent_encoding == [recorded]
    (sent,) = server.requests
    assert sent.headers["Authorization"] == f"Bearer {KEY}"

    if "error" in expect:
        check_error(result, expect["error"])
        return
    if "stream_error" in expect:
        assert result.status == "error"
        for err in expect["stream_error"]:
            assert err["message"] in result.error
            if err.get("failed_generation"):
                assert err["failed_generation"].strip() in result.error
    else:
        assert result.status == "ok", result.error
    check_choices(result, expect.get("choices") or [], rec)
    check_usage(result, expect)
    if rec["stream"]:  # everything arrived live, delta by delta
        for c in result.choices:
            got = live.get(c.index, {"text": "", "reasoning": ""})
            assert got["text"] == c.text and got["reasoning"] == c.reasoning


def test_a_request_above_the_whole_per_minute_limit_is_not_retried(server):
    """OpenAI's 429 for one request of 2,500,013 tokens against a 200,000 TPM limit: the same
    status and code as a passing rate limit, but no wait can make it fit, so the client must not
    spend its retries (and the user's time) on it."""
    rec = load(CORPUS_DIR / "openai__error-429-request-too-large-tpm-not-retryable.json")
    server.reset()
    server.script(*[Encoded.of(rec, 1, None) for _ in range(3)])
    waits: list[float] = []
    client = ChatClient(Endpoint(name="openai", base_url=server.base_url, api_key=Secret(KEY)),
                        retry=RetryPolicy(max_retries=2), timeouts=Timeouts(connect=5, read=10, total=30),
                        sleep=waits.append)
    with pytest.raises(errors.RequestTooLargeError) as e:
        client.complete({**rec["request"], "stream": False})
    assert len(server.requests) == 1 and waits == []
    assert e.value.status == 429 and "Requested 2500013" in e.value.message


def check_error(result, err: dict) -> None:
    assert result.status == "error"
    assert f"HTTP {err['status']}" in result.error
    assert err["message"] in result.error
    if err.get("detail"):
        assert err["detail"] in result.error
    assert KEY not in result.error


def check_choices(result, expected: list[dict], rec: dict) -> None:
    assert [c.index for c in result.choices] == [e["index"] for e in expected]
    for c, e in zip(result.choices, expected):
        text = e.get("text") or ""
        if rec["expect"].get("reasoning_inline_think") and text.lstrip().startswith("<think>"):
            inner, _, reply = text.lstrip()[len("<think>"):].partition("</think>")
            assert c.text.strip() == reply.strip()
            assert c.reasoning.strip() == inner.strip()
        else:
            assert c.text == text
            assert c.reasoning == e.get("reasoning", "")
        assert c.finish_reason == e.get("finish_reason")
        assert (c.refusal or None) == e.get("refusal")
        calls = [{"id": t["id"], "name": t["name"], "arguments": t["arguments"]} for t in c.tool_calls]
        assert calls == [{k: t[k] for k in ("id", "name", "arguments")} for t in e.get("tool_calls", [])]


def check_usage(result, expect: dict) -> None:
    u = result.usage
    std, prov = expect.get("usage"), expect.get("provider_usage")
    if std is not None:
        assert not u.estimated and u.source == "usage"
        assert (u.prompt_tokens, u.completion_tokens, u.total_tokens) == (
            std["prompt_tokens"], std["completion_tokens"], std["total_tokens"])
        if "reasoning_tokens" in std:
            assert u.reasoning_tokens == std["reasoning_tokens"]
    elif prov is not None:
        assert not u.estimated and u.source == prov["source"]
        assert (u.prompt_tokens, u.completion_tokens, u.total_tokens) == (
            prov["prompt_tokens"], prov["completion_tokens"], prov["total_tokens"])
    else:
        assert u is None or u.estimated
