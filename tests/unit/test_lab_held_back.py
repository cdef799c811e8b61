"""A draw whose probabilities llama.cpp holds back (a piece of a multi-byte character): the Lab's
probe and the engine check ask again with fixed seeds, and say why when every draw was one.

The held-back answers are the embedded engine's real replies (temperature 1.5, post_sampling_probs:
"Name a colour." with seed 93, and "List three fruits." after the assistant prefix "1." with seed
71, which drew " \xc2" of " ¿") replayed by our fault server; test_lab_engine.py shows it on the
engine itself."""
from __future__ import annotations

import pytest

from paramlab.client.chat import ChatClient
from paramlab.lab import engine_check, next_token, reshape
from paramlab.settings import Endpoint
from support.fault_server import Reply

# Recorded from the embedded engine (llama.cpp, SmolLM2-135M-Instruct): no logprobs at all.
HELD_BACK = {"choices": [{"finish_reason": "length", "index": 0,
                          "message": {"role": "assistant", "content": "\ufffd"}}],
             "created": 1795989390, "model": "smollm2-135m-instruct", "system_fingerprint": "b0-unknown",
             "object": "chat.completion",
             "usage": {"completion_tokens": 1, "prompt_tokens": 34, "total_tokens": 35,
                       "prompt_tokens_details": {"cached_tokens": 24}},
             "id": "chatcmpl-Yqpf1YVjcuKuJjPmlRUxcBxSZRPbjpun"}
# The same after an assistant prefix: the incomplete bytes are dropped from the content, no U+FFFD.
HELD_BACK_AFTER_PREFIX = {**HELD_BACK, "choices": [{"finish_reason": "length", "index": 0,
                                                    "message": {"role": "assistant", "content": "1. "}}],
                          "id": "chatcmpl-ZVvjNMdnwWnB7RlzKEDgEfZaPfnk8nxX"}
TOP = [{"id": 504, "token": "The", "bytes": [84, 104, 101], "logprob": -1.7734731435775757, "prob": 0.17},
       {"id": 49, "token": "A", "bytes": [65], "logprob": -1.9591230154037476, "prob": 0.141}]
WHOLE = {**HELD_BACK, "choices": [{"finish_reason": "length", "index": 0,
                                   "message": {"role": "assistant", "content": "The"},
                                   "logprobs": {"content": [{"id": 504, "token": "The", "bytes": [84, 104, 101],
                                                             "logprob": -1.7734731435775757, "top_logprobs": TOP,
                                                             "top_probs": TOP}]}}]}
MSGS = [{"role": "user", "content": "Name a colour."}]


@pytest.fixture
def client(fs):
    return ChatClient(Endpoint(name="llama", base_url=fs.base_url, models=("smollm2-135m-instruct",),
                               backend="llamacpp"))


@pytest.mark.parametrize("held", [HELD_BACK, HELD_BACK_AFTER_PREFIX], ids=["U+FFFD", "after a prefix"])
def test_the_probe_asks_again_with_a_fixed_seed(fs, client, held):
    fs.script(Reply(200, held), Reply(200, WHOLE))
    nt = next_token.fetch(client, "smollm2-135m-instruct", MSGS)
    assert [c.token for c in nt.candidates] == ["The", "A"]
    bodies = [r.json() for r in fs.requests if r.method == "POST"]
    assert len(bodies) == 2 and "seed" not in bodies[0] and bodies[1]["seed"] == next_token.RETRY_SEEDS[0]
    assert {k: v for k, v in bodies[1].items() if k != "seed"} == bodies[0]


def test_the_engine_check_asks_again_and_then_says_why(fs, client):
    s = reshape.Settings(order="top_p_first", temperature=1.5)
    rows = reshape.reshape(reshape.candidates_from_entry({"top_logprobs": TOP}), s)
    fs.script(Reply(200, HELD_BACK), Reply(200, HELD_BACK_AFTER_PREFIX), Reply(200, WHOLE))
    comp = engine_check.check(client, "smollm2-135m-instruct", MSGS, "", s, rows, "llamacpp")
    assert comp.server == {504: 0.17, 49: 0.141}
    assert [r.json().get("seed") for r in fs.requests] == [None, 1, 2]
    fs.reset()
    fs.script(*[Reply(200, HELD_BACK)] * (1 + len(next_token.RETRY_SEEDS)))
    with pytest.raises(engine_check.EngineCheckError, match="each of 4 draws was a piece of a multi-byte character"):
        engine_check.check(client, "smollm2-135m-instruct", MSGS, "", s, rows, "llamacpp")
    assert fs.count == 4


def test_a_server_that_is_not_llamacpp_without_logprobs_is_not_asked_again(fs):
    """Only llama.cpp holds probabilities back; another server's answer without them is final."""
    other = ChatClient(Endpoint(name="other", base_url=fs.base_url, models=("m",), backend="other"))
    fs.script(Reply(200, HELD_BACK_AFTER_PREFIX))
    with pytest.raises(next_token.NextTokenError, match="no logprobs"):
        next_token.fetch(other, "m", MSGS)
    assert fs.count == 1 and "n_probs" not in fs.requests[0].json()
