"""“Check against the engine”: ask a llama.cpp server for its own probabilities after its sampler
chain (`n_probs` with `post_sampling_probs`) under the Lab's settings, to set beside the Lab's.

Only the samplers the Lab models are sent (temperature, top_k, top_p, min_p, typical_p, logit_bias);
the penalties are sent as 0 because the server counts them over its own tokens, not the Lab's
history. Everything else in llama.cpp's chain is off by default.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from paramlab.backends import registry
from paramlab.client.chat import ChatClient
from paramlab.errors import ChatError
from paramlab.lab import next_token, reshape
from paramlab.request import schema

N_PROBS = 20


class EngineCheckError(RuntimeError):
    pass


@dataclass
class Comparison:
    server: dict[int, float]   # token id -> the server's post-sampling probability
    complete: bool             # the server listed every token that survived (fewer than N_PROBS)
    rows: list[dict[str, Any]]  # per candidate: token, id, lab, server, difference

    @property
    def max_difference(self) -> float:
        return max((r["difference"] for r in self.rows if r["difference"] is not None), default=0.0)


def params_for(s: reshape.Settings, backend: str) -> dict[str, Any]:
    """The request parameters that make the server sample as the Lab's settings say."""
    chain = registry.get(backend).lab_chain
    p: dict[str, Any] = {"max_tokens": 1, "temperature": float(s.temperature), "top_p": float(s.top_p),
                         "top_k": int(s.top_k), "min_p": float(s.min_p), "typical_p": float(s.typical_p),
                         "presence_penalty": 0.0, "frequency_penalty": 0.0, "logprobs": True,
                         "top_logprobs": N_PROBS, "n_probs": N_PROBS, "post_sampling_probs": True}
    if s.chain is not None:
        p["samplers"] = [x for x in s.chain if x in chain] or list(chain)
    if s.logit_bias:
        p["logit_bias"] = dict(s.logit_bias)
    return p


def server_probs(entry: Mapping[str, Any]) -> dict[int, float]:
    """Token id -> probability from one logprobs entry of a post_sampling_probs answer."""
    out: dict[int, float] = {}
    for t in entry.get("top_probs") or entry.get("top_logprobs") or []:
        if isinstance(t.get("id"), int) and isinstance(t.get("prob"), (int, float)):
            out[t["id"]] = float(t["prob"])
    return out


def compare(rows: Sequence[reshape.Row], server: Mapping[int, float], complete: bool) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        theirs = server.get(r.id) if r.id is not None else None
        if theirs is None and complete and r.id is not None:
            theirs = 0.0  # the server listed every survivor, and this one is not among them
        out.append({"token": r.token, "id": r.id, "lab": r.final_prob, "server": theirs,
                    "difference": None if theirs is None else abs(r.final_prob - theirs)})
    return out


def check(client: ChatClient, model: str, messages: Sequence[dict], prefix: str, s: reshape.Settings,
          rows: Sequence[reshape.Row], backend: str) -> Comparison:
    """One request (max_tokens 1) to the server; raises EngineCheckError with the reason."""
    if registry.get(backend).option("post_sampling_probs") is None:
        raise EngineCheckError(f"{registry.get(backend).label} cannot report probabilities after its samplers; "
                               "the check needs a llama.cpp server")
    msgs = list(messages) + ([{"role": "assistant", "content": prefix}] if prefix else [])
    try:
        body = schema.build_body(model, msgs, params_for(s, backend), backend=backend)
        result = next_token.ask(client.complete, body, backend)  # again if the draw's probabilities were held back
    except schema.ValidationError as e:
        raise EngineCheckError(f"not sent — {e}") from None
    except ChatError as e:
        raise EngineCheckError(f"the engine check failed: {e}") from None
    entry = (result.choices[0].logprobs or [None])[0] if result.choices else None
    if next_token.held_back(result):
        raise EngineCheckError(next_token.HELD_BACK.format(n=1 + len(next_token.RETRY_SEEDS)))
    if not entry:
        raise EngineCheckError("the server returned no probabilities")
    server = server_probs(entry)
    complete = len(server) < N_PROBS
    return Comparison(server, complete, compare(rows, server, complete))
