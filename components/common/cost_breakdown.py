"""What a request cost and why, part by part: in the reply metrics tooltip, the inspector and the
Usage drill-down. Reads the breakdown the pricing observer stored (Metrics.cost_parts) or a ledger row."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import streamlit as st

from paramlab.client.metrics import fmt_cost
from paramlab.usage import pricing

LABELS = {"input": "input", "cached_input": "cached input", "cache_write": "cache write", "output": "output",
          "reasoning": "reasoning", "audio_input": "audio input", "audio_output": "audio output", "audio": "audio"}


def _price(pm: float | None) -> str:
    return "no price" if pm is None else f"${pm:g}/M"


def rows(parts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per billed part: tokens, $/M and dollars."""
    return [{"part": LABELS.get(p["name"], p["name"]), "tokens": p["tokens"], "price": _price(p["per_million"]),
             "cost": fmt_cost(p["dollars"])} for p in parts.get("parts") or ()]


def why(parts: Mapping[str, Any]) -> str:
    """Which price made the cost: the table's model, the tier and the date it applies from."""
    if not parts:
        return "No breakdown: the model has no known price, or the server reported no token counts."
    model = parts.get("model")
    if model == "local":
        return "A local model: $0."
    if model == pricing.BILLED:
        return "What the provider reported it charged (it sends its own bill with the reply)."
    tier = parts.get("tier") or pricing.STANDARD
    served = parts.get("served_tier")
    tier_text = f"{tier} tier" + (f" (the response said {served!r})" if served and served != tier else "")
    since = f"in force from {parts['effective']}" if parts.get("effective") else "in force at the time"
    return f"Priced as `{model or '?'}`, {tier_text}, at the price {since}."


def help_text(parts: Mapping[str, Any]) -> str:
    lines = [why(parts)]
    lines += [f"{r['part']}: {r['tokens']:,} tok × {r['price']} = {r['cost']}" for r in rows(parts)]
    lines += list(parts.get("notes") or ())
    return "\n\n".join(lines)


def with_breakdown(cells: Sequence[tuple[str, str, str]], result: Any) -> list[tuple[str, str, str]]:
    """The reply metrics cells with the Cost cell's help replaced by the breakdown."""
    parts = getattr(result.metrics, "cost_parts", None) or {}
    if not parts:
        return list(cells)
    return [(label, value, help_text(parts) if label == "Cost" else h) for label, value, h in cells]


def for_slot(cells: Sequence[tuple[str, str, str]], run: Any, slot: Any) -> list[tuple[str, str, str]]:
    """A reply pane's metrics cells with the Cost help replaced by its request's breakdown (a choice
    of a multi-choice request shows its share of it)."""
    raw = run.results[slot.job] if 0 <= slot.job < len(run.results) else None
    parts = ((raw or {}).get("metrics") or {}).get("cost_parts") or {}
    if not parts:
        return list(cells)
    text = help_text(parts)
    if getattr(slot, "cost_share", False):
        text = ("This choice shows its share of its request's cost: an even part of the prompt, which is "
                "billed once, and its own output. The request:\n\n" + text)
    return [(label, value, text if label == "Cost" else h) for label, value, h in cells]


def render(parts: Mapping[str, Any], total: float | None) -> None:
    """The breakdown as a small table with the price it came from (inspector, drill-down)."""
    st.markdown(f"**Cost {fmt_cost(total)}** — {why(parts)}")
    if parts.get("parts"):
        st.dataframe(rows(parts), hide_index=True, width="content")
    for note in parts.get("notes") or ():
        st.caption(note)


def from_ledger_row(r: Mapping[str, Any]) -> dict[str, Any]:
    """A ledger row's stored breakdown in the shape of Metrics.cost_parts ({} for rows recorded
    before the breakdown was: their total is kept, their parts are unknown)."""
    if r.get("cost_input") is None and r.get("cost_output") is None:
        return {}

    class _U:  # the row's token counts, for the per-part token split
        pass
    u = _U()
    for k in ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens",
              "cache_write_tokens", "audio_input_tokens", "audio_output_tokens"):
        setattr(u, k, r.get(k))
    split = pricing.split_tokens(u) or {}
    dollars = {k: r.get(f"cost_{k}") for k in pricing.COST_PARTS}
    out = []
    for name in ("input", "cached_input", "cache_write", "output", "reasoning"):
        n, d = split.get(name, 0), dollars.get(name)
        if n or name in ("input", "output"):
            out.append({"name": name, "tokens": n, "dollars": d,
                        "per_million": None if d is None else (d * pricing.PER / n if n else 0.0)})
    audio = split.get("audio_input", 0) + split.get("audio_output", 0)
    if audio:
        d = dollars.get("audio")
        out.append({"name": "audio", "tokens": audio, "dollars": d,
                    "per_million": None if d is None else d * pricing.PER / audio})
    return {"model": r.get("price_model"), "tier": r.get("price_tier"), "served_tier": r.get("service_tier"),
            "effective": r.get("price_from"), "parts": out, "notes": []}
