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
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from paramlab.lab import reshape
from paramlab.request import schema
from paramlab.client.chat import ChatClient

TOP_N = 20
PROBE_PARAMS = {"max_tokens": 1, "logprobs": True, "top_logprobs": TOP_N, "temperature": 1.0, "top_p": 1.0}


class NextTokenError(RuntimeError):
    pass


@dataclass
class NextToken:
    candidates: list[reshape.Candidate]
    server_token: str          # what the server sampled itself (not used by the Lab)
    coverage: float            # probability held by the candidates
    prefix: str = ""


@dataclass
class Step:
    prefix: str                        # assistant text before this step
    candidates: list[reshape.Candidate]
    chosen: int                        # index into candidates
    chosen_prob: float                 # its reshaped probability when drawn

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


def probe_body(model: str, messages: Sequence[dict], prefix: str = "") -> dict:
    msgs = list(messages) + ([{"role": "assistant", "content": prefix}] if prefix else [])
    return schema.build_body(model, msgs, PROBE_PARAMS)


def fetch(client: ChatClient, model: str, messages: Sequence[dict], prefix: str = "",
          context: Mapping[str, Any] | None = None) -> NextToken:
    """The model's top-20 next tokens after `messages` (+ the assistant `prefix`). Raises NextTokenError.

    Sent through ChatClient.run like every other request, so the usage ledger and the request log
    (the client's observers) record it under `context`."""
    body = probe_body(model, messages, prefix)
    result = client.run(body, context=context)
    if result.error or not result.choices:
        raise NextTokenError(f"the next-token request failed: {result.error or 'no choices'}")
    choice = result.choices[0]
    if not choice.logprobs:
        raise NextTokenError("the server returned no logprobs: it may not support logprobs / top_logprobs")
    cands = reshape.candidates_from_entry(choice.logprobs[0])
    if not cands:
        raise NextTokenError("the server returned logprobs without top_logprobs alternatives")
    return NextToken(cands, str(choice.logprobs[0].get("token", "")), reshape.coverage(cands), prefix)


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
    rows = reshape.reshape(nt.candidates, s)
    draw = reshape.sample(rows, 1, rng.randrange(2**32))
    if not draw:
        run.finished = True
        return None
    st = Step(prefix, nt.candidates, draw[0], rows[draw[0]].final_prob)
    run.steps.append(st)
    if is_end(st.token):
        run.finished = True
    return st


def show_token(token: str) -> str:
    """A token made visible: spaces, newlines and tabs as symbols, empty (special) tokens named."""
    if token == "":
        return "⟨end⟩"
    return token.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥").replace("\r", "␍")
