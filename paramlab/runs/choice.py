"""One choice of a run as a result of its own: what a turn taken into the conversation carries.

A request for n choices reports one finish_reason per choice but one latency and one usage for
all of them; the conversation must show the chosen choice's own finish_reason, timings, tokens
and share of the cost, never the request's. A request that served one choice is measured once, by
the client: its turn shows the TTFT, latency and tokens/s the usage ledger records.
"""
from __future__ import annotations

from dataclasses import replace

from paramlab.client.result import ChatResult, Choice, Usage
from paramlab.runs.run import Run, slot_tokens_per_s


def choice_result(run: Run, pos: int) -> ChatResult | None:
    """The result of pane `pos` alone (None while its request has not finished)."""
    slot = run.slots[pos]
    raw = run.results[slot.job] if slot.job < len(run.results) else None
    if raw is None:
        return None
    req = ChatResult.from_dict(raw)
    original = next((c for c in req.choices if c.index == slot.index), None) or Choice(slot.index)
    choice = replace(original, index=0, text=slot.text, finish_reason=slot.finish_reason,
                     logprobs=list(slot.logprobs))
    prompt = req.usage.prompt_tokens if req.usage else None
    usage = None
    if slot.completion_tokens is not None or prompt is not None:
        usage = Usage(prompt, slot.completion_tokens,
                      None if prompt is None and slot.completion_tokens is None
                      else (prompt or 0) + (slot.completion_tokens or 0),
                      req.usage.cached_tokens if req.usage else None, None,
                      slot.tokens_estimated or bool(req.usage and req.usage.estimated))
    metrics = replace(req.metrics, ttft_s=slot.first_at, latency_s=slot.last_at, cost=slot.cost,
                      tokens_per_s=slot_tokens_per_s(slot))
    return replace(req, choices=[choice], usage=usage, metrics=metrics)
