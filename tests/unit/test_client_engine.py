"""The client against the embedded llama.cpp engine (SmolLM2-135M): real sampling, real streams."""
from __future__ import annotations

import threading

import pytest

from paramlab.backends.llamacpp import tokenize
from paramlab.request.context import exact_prompt_tokens
from paramlab.request.schema import build_body

pytestmark = pytest.mark.engine

MODEL = "smollm2-135m-instruct"


def body(prompt: str, **params):
    return build_body(MODEL, [{"role": "user", "content": prompt}], params)


def test_engine_serves_the_friendly_model_name(engine_endpoint):
    assert engine_endpoint.models == (MODEL,)
    assert engine_endpoint.embedded and engine_endpoint.base_url.startswith("http://127.0.0.1:")


def test_non_streaming(engine_client):
    res = engine_client.complete(body("Name a colour.", temperature=0, max_tokens=16))
    assert res.status == "ok" and len(res.choices) == 1 and res.choices[0].text.strip()
    assert res.choices[0].finish_reason in ("stop", "length")
    assert res.model == MODEL and res.usage.completion_tokens > 0 and not res.usage.estimated
    assert res.metrics.latency_s > 0 and res.metrics.tokens_per_s > 0
    assert res.metrics.ttft_s is None  # only a stream can show the first token


def test_streaming_matches_non_streaming_at_temperature_0(engine_client):
    b = body("Name a colour.", temperature=0, max_tokens=16, seed=3)
    whole = engine_client.complete(b)
    deltas = []
    res = engine_client.run({**b, "stream": True, "stream_options": {"include_usage": True}},
                            on_delta=deltas.append)
    assert res.status == "ok" and res.stream
    assert len(deltas) > 1 and "".join(d.text for d in deltas) == res.choices[0].text
    assert res.choices[0].text == whole.choices[0].text
    assert res.usage.completion_tokens == whole.usage.completion_tokens and not res.usage.estimated
    m = res.metrics
    assert m.ttft_s is not None and 0 < m.ttft_s <= m.latency_s and m.tokens_per_s > 0
    assert res.raw and res.raw[-1] == "[DONE]"  # raw SSE lines kept for the inspector


def test_n3_at_temperature_1_gives_three_choices(engine_client):
    res = engine_client.complete(body("Write a short line about cats.", temperature=1, n=3, max_tokens=12))
    assert [c.index for c in res.choices] == [0, 1, 2] and all(c.text for c in res.choices)
    deltas = []
    res = engine_client.run(body("Write a short line about dogs.", temperature=1, n=3, max_tokens=12, stream=True,
                                 stream_options={"include_usage": True}), on_delta=deltas.append)
    assert res.status == "ok" and [c.index for c in res.choices] == [0, 1, 2]
    assert {d.index for d in deltas} == {0, 1, 2}
    for c in res.choices:
        assert c.text == "".join(d.text for d in deltas if d.index == c.index) and c.finish_reason
    # llama.cpp sends one usage chunk per choice: the assembler adds them up
    assert res.usage.completion_tokens >= 3 * 1 and res.usage.completion_tokens <= 3 * 12


def test_same_seed_same_text(engine_client):
    b = body("Invent a name for a boat.", temperature=0.8, seed=1234, max_tokens=20)
    first = engine_client.complete(b).choices[0].text
    second = engine_client.complete(b).choices[0].text
    assert first and first == second


def test_logit_bias_minus_100_keeps_a_token_out(engine_client, engine_endpoint):
    b = body("Name a fruit.", temperature=0, max_tokens=8, logprobs=True)
    plain = engine_client.complete(b)
    ids = [t["id"] for t in plain.choices[0].logprobs]
    (first_id, piece), = tokenize(engine_endpoint, plain.choices[0].logprobs[0]["token"])
    assert ids[0] == first_id, "the token to ban is the first one emitted without the bias"
    biased = engine_client.complete({**b, "logit_bias": {str(first_id): -100}})
    biased_ids = [t["id"] for t in biased.choices[0].logprobs]
    assert biased_ids and first_id not in biased_ids
    assert not biased.choices[0].text.startswith(piece)


def test_stop_sequence_honoured(engine_client):
    b = body("Count from one to ten.", temperature=0, max_tokens=40)
    plain = engine_client.complete(b).choices[0].text
    # a stop string from the middle of the plain reply that does not occur earlier in it
    k = next(k for k in range(len(plain) // 3, len(plain) - 3)
             if plain[k:k + 3].strip() == plain[k:k + 3] and plain.find(plain[k:k + 3]) == k)
    stop, cut = plain[k:k + 3], plain[:k]
    stopped = engine_client.complete({**b, "stop": [stop]})
    assert stopped.choices[0].text == cut and stop not in stopped.choices[0].text
    assert stopped.choices[0].finish_reason == "stop"
    streamed = engine_client.run({**b, "stop": [stop], "stream": True})
    assert streamed.choices[0].text == cut and streamed.choices[0].finish_reason == "stop"


def test_small_max_tokens_gives_length(engine_client):
    res = engine_client.run(body("Tell me a long story about a dragon.", temperature=0, max_tokens=5, stream=True,
                                 stream_options={"include_usage": True}))
    assert res.status == "ok" and res.choices[0].finish_reason == "length"
    assert res.usage.completion_tokens == 5
    res = engine_client.complete(body("Tell me a long story about a dragon.", temperature=0, max_tokens=5))
    assert res.choices[0].finish_reason == "length" and res.usage.completion_tokens == 5


def test_cancel_mid_stream_keeps_partial_text(engine_client):
    holder: list = []
    deltas = []

    def on_delta(d):
        deltas.append(d)
        if len(deltas) == 3:
            threading.Thread(target=holder[0].cancel).start()

    res = engine_client.run(body("Tell me a long story about a dragon.", temperature=0, max_tokens=300, stream=True),
                            on_delta=on_delta, stream_holder=holder)
    assert res.status == "stopped" and "kept" in res.error
    text = res.choices[0].text
    assert text and text == "".join(d.text for d in deltas)
    assert len(deltas) < 300 and res.choices[0].finish_reason is None


def test_live_run_streams_concurrently(engine_client):
    from paramlab.runs.live import LiveRun
    from paramlab.runs.parallel import Job, JobDelta, JobDone
    jobs = [Job(engine_client, body(f"Say the word {w}.", temperature=0, max_tokens=8, stream=True))
            for w in ("apple", "river")]
    seen = {0: "", 1: ""}
    done = []

    def listen(run, ev):
        if isinstance(ev, JobDelta):
            seen[ev.job] += ev.delta.text
        elif isinstance(ev, JobDone):
            done.append(ev.job)
    run = LiveRun(jobs, listener=listen)
    results = run.wait(120)
    assert run.finished and sorted(done) == [0, 1]
    assert [r.choices[0].text for r in results] == [seen[0], seen[1]]


def test_non_streaming_n3_usage_counts_every_choice(engine_client, engine_endpoint):
    """llama.cpp reports choice 0's completion tokens only; the client recounts each choice."""
    body = {"model": engine_endpoint.models[0], "messages": [{"role": "user", "content": "Write a poem."}],
            "max_tokens": 7, "n": 3, "temperature": 1.0, "seed": 3}
    result = engine_client.complete(body)
    assert [c.finish_reason for c in result.choices] == ["length"] * 3
    assert result.usage.completion_tokens == 21
    assert not result.usage.estimated


def test_a_stopped_stream_is_counted_by_the_engines_tokenizer(engine_client, engine_endpoint):
    """No usage comes when the user stops a stream: on llama.cpp the prompt and the text received
    are counted by the server's own template and tokenizer (as the context meter counts), not
    estimated at ~4 characters per token."""
    b = body("Tell me a long story about a dragon and a knight.", temperature=0, max_tokens=300, stream=True)
    holder: list = []
    seen: list = []

    def on_delta(d):
        seen.append(d)
        if len(seen) == 12:
            holder[0].cancel()

    res = engine_client.run(b, on_delta=on_delta, stream_holder=holder)
    assert res.status == "stopped" and res.choices[0].text
    assert res.usage is not None and not res.usage.estimated
    assert res.usage.prompt_tokens == exact_prompt_tokens(engine_endpoint, b["messages"])
    assert res.usage.completion_tokens == len(tokenize(engine_endpoint, res.choices[0].text))
    assert res.usage.total_tokens == res.usage.prompt_tokens + res.usage.completion_tokens
