"""Measurements of a finished request: latency, time to first token, tokens per second, the
request id and rate-limit headers; usage estimated (and labelled so) only when no server said."""
from __future__ import annotations

import logging
from typing import Mapping

from paramlab.client.result import ChatResult, Usage
from paramlab.client.tokens import estimate_messages_tokens, estimate_tokens
from paramlab.transport import request_id

log = logging.getLogger("paramlab.client.chat")


def finish_metrics(result: ChatResult, headers: Mapping[str, str], latency: float, t0: float | None,
                   stream_times: tuple[float | None, float | None] | None, endpoint_name: str = "") -> None:
    m = result.metrics
    m.latency_s = latency
    m.request_id = request_id(headers) or result.id or m.request_id
    m.rate_limits = {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-ratelimit-")}
    if stream_times and stream_times[0] is not None and t0 is not None:
        m.ttft_s = stream_times[0] - t0
    if result.usage is None or result.usage.completion_tokens is None:
        result.usage = estimate_usage(result, result.usage)
    gen_time = None
    if stream_times and stream_times[0] is not None and stream_times[1] is not None:
        gen_time = stream_times[1] - stream_times[0]
    tokens = result.usage.completion_tokens or 0
    first_tokens = max(len(result.choices), 1)  # one per choice arrives at TTFT, before gen_time starts
    if gen_time and tokens > first_tokens:
        m.tokens_per_s = (tokens - first_tokens) / gen_time
    elif latency and tokens:
        m.tokens_per_s = tokens / latency
    log.info("request endpoint=%s status=%s latency=%.3f ttft=%s tokens=%s attempts=%s",
             endpoint_name, result.status, latency,
             f"{m.ttft_s:.3f}" if m.ttft_s is not None else "-", tokens, m.attempts)


def estimate_usage(result: ChatResult, reported: Usage | None = None) -> Usage:
    """Counts ParamLab makes itself, labelled estimated; a prompt count the server did report is kept."""
    prompt = estimate_messages_tokens(result.request.get("messages") or [])
    completion = sum(estimate_tokens(c.text) + estimate_tokens(c.reasoning) for c in result.choices)
    if reported is not None and reported.prompt_tokens is not None:
        prompt = reported.prompt_tokens
    return Usage(prompt, completion, prompt + completion, estimated=True)
