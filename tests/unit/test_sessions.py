"""Sessions: a whole playground round-trips through JSON; the key is never in it; bad parts are
reported by field and the rest opens."""
import json

import pytest

from paramlab.runs import run as runs
from paramlab.request import schema
from paramlab.request import sessions
from paramlab.client.assembly import Delta
from paramlab.safety.redaction import mask_headers
from paramlab.client.result import ChatResult, Choice, Metrics, Usage

KEY = "sk-live-VERYSECRETKEY-000111222"


def a_result(text="Hello <b>there</b>", n=1) -> ChatResult:
    return ChatResult(status="ok", choices=[Choice(i, f"{text} {i}", finish_reason="stop",
                                                   logprobs=[{"token": "Hello", "logprob": -0.1, "top_logprobs": []}])
                                            for i in range(n)],
                      usage=Usage(10, 5, 15), id="chatcmpl-1", model="m", created=1700000000,
                      system_fingerprint="fp_1", metrics=Metrics(started_at=1.0, ttft_s=0.1, latency_s=0.5,
                                                                  tokens_per_s=12.5, cost=0.0012),
                      request={"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": n},
                      request_headers=mask_headers({"Authorization": f"Bearer {KEY}"}),
                      raw=["{\"choices\": []}"], stream=True)


def a_session() -> sessions.Session:
    params = {**schema.defaults(), "temperature": 0.2, "n": 2, "logit_bias": {42: -3.0}, "stop": ["x"]}
    run = runs.Run.start(2, [{"model": "m", "n": 2}])
    run.on_delta(0, Delta(0, "par"))
    run.on_done(0, a_result(n=2))
    return sessions.Session(system="Be nice.", params=params, endpoint="Embedded SmolLM2 (demo)", model="m",
                            messages=[{"role": "user", "content": "hi"},
                                      {"role": "assistant", "content": "Hello", "result": a_result()}],
                            last_results=[a_result(n=2)], run=run.to_dict(), label="exp-1")


def test_round_trip():
    s = a_session()
    back, warnings = sessions.from_json(sessions.to_json(s))
    assert warnings == []
    assert back.system == "Be nice." and back.label == "exp-1" and back.model == "m"
    assert back.params == s.params
    assert back.messages[0] == {"role": "user", "content": "hi"}
    r = back.messages[1]["result"]
    assert isinstance(r, ChatResult) and r == s.messages[1]["result"]
    assert back.last_results == s.last_results
    assert r.metrics.cost == 0.0012 and r.usage.total_tokens == 15 and r.choices[0].logprobs
    run = runs.Run.from_dict(back.run)
    assert [sl.text for sl in run.slots] == ["Hello <b>there</b> 0", "Hello <b>there</b> 1"]
    assert run.slots[0].cost == pytest.approx(0.0006) and run.slots[0].cost_share


def test_key_never_in_the_file(tmp_path):
    s = a_session()
    s.messages[0]["content"] = f"my key is {KEY}"  # even if the user pasted it
    path = sessions.save(s, "with key", secrets=[KEY], folder=tmp_path)
    text = path.read_text()
    assert KEY not in text and "VERYSECRET" not in text
    assert "Bearer" in text  # the masked header is kept
    assert sessions.list_saved(tmp_path) == [path]
    assert sessions.load(path)[0].system == "Be nice."


def test_bad_parts_are_reported_by_field_and_the_rest_opens():
    data = json.loads(sessions.to_json(a_session()))
    data["params"]["temperature"] = 9
    data["messages"].append({"role": "robot", "content": "x"})
    data["last_results"].append({"choices": "nope"})
    s, warnings = sessions.from_json(json.dumps(data))
    assert any(w.startswith("params.temperature:") for w in warnings)
    assert any(w.startswith("messages[2]:") for w in warnings)
    assert any(w.startswith("last_results[1]:") for w in warnings)
    assert s.params["temperature"] is None and s.params["n"] == 2
    assert len(s.messages) == 2 and len(s.last_results) == 1


@pytest.mark.parametrize("text,field", [("not json", "(file)"), ('{"a": 1}', "format"), ("[]", "format")])
def test_not_a_session(text, field):
    with pytest.raises(sessions.SessionError) as e:
        sessions.from_json(text)
    assert str(e.value).startswith(field)
