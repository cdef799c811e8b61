"""Ask a model for its next-token distribution, and generate token by token.

The request: max_tokens 1, logprobs true, top_logprobs 20, temperature 1, top_p 1, no penalties
and no logit_bias. Why those sampling values: llama.cpp reports the model's raw probabilities
(softmax of the logits before any sampler) whatever the sampling settings — measured on the
embedded engine, temperature 0, 0.2 and 1 and top_p 0.5 return identical top_logprobs — but some
backends report probabilities after their samplers. Temperature 1 and top_p 1 are the identity
for those, so either way the answer is the model's own distribution, and ParamLab applies the
user's settings itself (paramlab.lab.reshape).

Step mode feeds the chosen token back as an assistant prefix: the conversation is sent with a
trailing assistant message holding the text generated so far, and the server continues it.
llama.cpp does this (measured: "The colour" → content "The colour I"); OpenAI's API instead
starts a new assistant turn, so there step mode shows a fresh first token each time. The text is
re-tokenised by the server on every step, so token boundaries may differ from a single run.

A draw the server holds back: llama.cpp keeps a token's probabilities back while the text so far
ends in an incomplete UTF-8 character (a byte token, one piece of a multi-byte character), to
send them with the piece that completes it. With max_tokens 1 there is no such piece: the answer
has no logprobs at all, finish_reason "length", and content that ends in U+FFFD or, after an
assistant prefix, drops the incomplete bytes ("1." + " \xc2" answers "1. "). Measured on the
embedded engine at temperature 1.5: seeds 93, 151 and 166 of 0-199 do it for "Name a colour.",
seeds 64 and 71 of 0-149 after "1." for "List three fruits." (🍾 and " ¿", split over byte
tokens). llama.cpp otherwise always lists a drawn token's probabilities, so on a llama.cpp server
such an answer is a held-back draw; the probabilities do not depend on the draw, so `ask` asks
again with fixed seeds (reproducible) until one draws a whole character.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

from paramlab.backends import llamacpp, registry
from paramlab.client.chat import ChatClient
from paramlab.client.result import ChatResult
from paramlab.errors import ChatError
from paramlab.lab import reshape
from paramlab.request import schema
from paramlab.settings import Endpoint

TOP_N = 20
TAIL_N = 1000  # tokens a llama.cpp server is asked to list (n_probs): the tail beyond the 20 becomes known
RETRY_SEEDS = (1, 2, 3)  # seeds of the retries after a held-back draw (see the module doc)
HELD_BACK = ("the server returned no probabilities: each of {n} draws was a piece of a multi-byte "
             "character, whose probabilities llama.cpp holds back")
PROBE_PARAMS = {"max_tokens": 1, "logprobs": True, "top_logprobs": TOP_N, "temperature": 1.0, "top_p": 1.0}


class NextTokenError(RuntimeError):
    pass


@dataclass
class NextToken:
    candidates: list[reshape.Candidate]
    server_token: str          # what the server sampled itself (not used by the Lab)
    coverage: float            # probability held by the candidates
    prefix: str = ""
    tail: reshape.Tail | None = None  # the tokens listed beyond the candidates (llama.cpp), the vocabulary


@dataclass
class Step:
    prefix: str                        # assistant text before this step
    candidates: list[reshape.Candidate]
    chosen: int                        # index into candidates
    chosen_prob: float                 # its reshaped probability when drawn
    tail: reshape.Tail | None = None   # what was known beyond the candidates (NextToken.tail)

    @property
    def token(self) -> reshape.Candidate:
        return self.candidates[self.chosen]


@dataclass
class StepRun:
    steps: list[Step] = field(default_factory=list)
    finished: bool = False

    @property
    def text(self) -> str:
        return join_tokens([s.token for s in self.steps])

    @property
    def ids(self) -> list[int]:
        return [s.token.id for s in self.steps if s.token.id is not None]


def lists_tail(backend: str | None) -> bool:
    """A backend that lists n_probs tokens (llama.cpp): the Lab asks it for TAIL_N of them."""
    return bool(backend) and registry.get(backend).option("n_probs") is not None


def probe_params(backend: str | None = None) -> dict:
    """PROBE_PARAMS; for llama.cpp `n_probs` TAIL_N instead of logprobs (with logprobs it lists 20 at most)."""
    if lists_tail(backend):
        return {"max_tokens": 1, "temperature": 1.0, "top_p": 1.0, "n_probs": TAIL_N}
    return dict(PROBE_PARAMS)


def probe_body(model: str, messages: Sequence[dict], prefix: str = "", backend: str | None = None) -> dict:
    msgs = list(messages) + ([{"role": "assistant", "content": prefix}] if prefix else [])
    return schema.build_body(model, msgs, probe_params(backend), backend=backend)


_VOCABS: dict[tuple[str, str], int] = {}


def vocab(endpoint: Endpoint, model: str) -> int:
    """The model's vocabulary size from a llama.cpp server's /v1/models (meta.n_vocab), asked once."""
    key = (endpoint.base_url, model)
    if key not in _VOCABS:
        try:
            _VOCABS[key] = llamacpp.n_vocab(llamacpp.models(endpoint, timeout=5.0), model) or reshape.VOCAB
        except ChatError:
            return reshape.VOCAB
    return _VOCABS[key]


def held_back(result: ChatResult) -> bool:
    """A llama.cpp answer to a probe with no probabilities: its draw was a piece of a multi-byte
    character (module doc). Only meaningful for a llama.cpp server (see `ask`)."""
    c = result.choices[0] if result.choices and not result.error else None
    return c is not None and not c.logprobs and c.finish_reason == "length"


def ask(send: Callable[[dict], ChatResult], body: dict, backend: str | None) -> ChatResult:
    """`send(body)`; from a llama.cpp server, asked again with RETRY_SEEDS while it holds back the
    draw's probabilities (other servers without logprobs simply do not send them)."""
    result = send(body)
    for seed in RETRY_SEEDS if lists_tail(backend) else ():
        if not held_back(result):
            break
        result = send({**body, "seed": seed})
    return result


def fetch(client: ChatClient, model: str, messages: Sequence[dict], prefix: str = "",
          context: Mapping[str, Any] | None = None) -> NextToken:
    """The model's top-20 next tokens after `messages` (+ the assistant `prefix`). Raises NextTokenError.

    Sent through ChatClient.run like every other request, so the usage ledger and the request log
    (the client's observers) record it under `context`."""
    backend = registry.kind_of(client.endpoint)
    body = probe_body(model, messages, prefix, backend)
    result = ask(lambda b: client.run(b, context=context), body, backend)
    if lists_tail(backend) and held_back(result):
        raise NextTokenError(HELD_BACK.format(n=1 + len(RETRY_SEEDS)))
    if result.error or not result.choices:
        raise NextTokenError(f"the next-token request failed: {result.error or 'no choices'}")
    choice = result.choices[0]
    if not choice.logprobs:
        raise NextTokenError("the server returned no logprobs: it may not support logprobs / top_logprobs")
    listed = reshape.candidates_from_entry(choice.logprobs[0])
    if not listed:
        raise NextTokenError("the server returned logprobs without top_logprobs alternatives")
    cands = listed[:TOP_N]
    tail = reshape.Tail(tuple(c.logprob for c in listed[TOP_N:]), vocab(client.endpoint, model)) \
        if lists_tail(backend) else None
    return NextToken(cands, str(choice.logprobs[0].get("token", "")), reshape.coverage(cands), prefix, tail)


def is_end(c: reshape.Candidate) -> bool:
    """An end-of-turn token: llama.cpp reports special tokens with empty text and bytes."""
    return c.token == "" and not c.bytes


def join_tokens(tokens: Sequence[reshape.Candidate]) -> str:
    """Concatenate token texts; bytes are used when given so split UTF-8 characters join up."""
    if all(t.bytes is not None for t in tokens):
        return b"".join(bytes(t.bytes or ()) for t in tokens).decode("utf-8", "replace")
    return "".join(t.token for t in tokens)


def step(client: ChatClient, model: str, messages: Sequence[dict], run: StepRun,
         settings: reshape.Settings, rng: random.Random, context: Mapping[str, Any] | None = None) -> Step | None:
    """Generate one token: fetch, reshape with the run's tokens added to the history, draw one.

    Returns None (and marks the run finished) when the end-of-turn token is drawn or nothing
    can be sampled."""
    prefix = run.text
    nt = fetch(client, model, messages, prefix, context)
    s = replace(settings, history=tuple(settings.history) + tuple(run.ids))
    rows = reshape.reshape(nt.candidates, s, nt.tail)
    draw = reshape.sample(rows, 1, rng.randrange(2**32))
    if not draw:
        run.finished = True
        return None
    st = Step(prefix, nt.candidates, draw[0], rows[draw[0]].final_prob, nt.tail)
    run.steps.append(st)
    if is_end(st.token):
        run.finished = True
    return st


def show_token(token: str) -> str:
    """A token made visible: spaces, newlines and tabs as symbols, empty (special) tokens named."""
    if token == "":
        return "⟨end⟩"
    return token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥").replace("\r", "␍")
