"""Presenting a request's measurements: the numbers and their labels, shared by every page."""
from __future__ import annotations

from paramlab.client.result import ChatResult


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "—"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def fmt_cost(cost: float | None) -> str:
    if cost is None:
        return "unknown"
    if cost == 0:
        return "$0"
    return f"${cost:.6f}" if cost < 0.01 else f"${cost:.4f}"


def metric_cells(result: ChatResult) -> list[tuple[str, str, str]]:
    """(label, value, help) for the metrics row."""
    m, u = result.metrics, result.usage
    est = " (est.)" if u is not None and u.estimated else ""
    tokens = "—" if u is None else f"{u.prompt_tokens or 0} + {u.completion_tokens or 0}{est}"
    return [
        ("TTFT", fmt_seconds(m.ttft_s), "Time to first token (streaming only)."),
        ("Latency", fmt_seconds(m.latency_s), "From sending the request to the last byte."),
        ("Tokens/s", "—" if m.tokens_per_s is None else f"{m.tokens_per_s:.1f}",
         "Completion tokens per second of generation, all choices together."),
        ("Tokens", tokens, "Prompt + completion tokens. 'est.' means the server gave no usage and "
                           "ParamLab estimated ~4 characters per token."),
        ("Cost", fmt_cost(m.cost), "From the price table; 'unknown' when the model has no known price."),
    ] + reasoning_cells(result)


def reasoning_cells(result: ChatResult) -> list[tuple[str, str, str]]:
    """The thinking a reasoning model did: tokens the server counted (part of the completion
    tokens) and, when it sent the text, how much of it arrived."""
    u = result.usage
    tokens = u.reasoning_tokens if u is not None else None
    if not tokens and not any(c.reasoning for c in result.choices):
        return []
    value = "—" if tokens is None else f"{tokens}"
    return [("Reasoning", value, "Reasoning (thinking) tokens the server reported, already counted in the "
                                 "completion tokens; '—' when it sent thinking text but no count.")]
