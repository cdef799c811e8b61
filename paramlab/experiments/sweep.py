"""Parameter sweeps: one or two parameters × their values × repeats → requests, and the
results table (output length, diversity among the repeats, latency, TTFT, cost) per cell.
Besides the numeric parameters, the system prompt may be swept: one prompt a value.
"""
from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from paramlab.experiments import compare
from paramlab.experiments import similarity as diversity
from paramlab.experiments import validity
from paramlab.request import schema
from paramlab.request.messages import system_label, with_system
from paramlab.client.result import ChatResult
from paramlab.request.schema import FieldError, ValidationError

MAX_AXES = 2
MAX_VALUES = 12
MAX_REPEATS = 20
# Parameters that take a single number and so can be swept.
SWEEPABLE = tuple(n for n, p in schema.PARAMS.items() if p.kind in ("float", "int") and n != "top_logprobs")
SYSTEM = compare.SYSTEM  # the one non-numeric axis: its values are whole prompts, one per line
NO_SYSTEM = "(none)"  # a line that stands for sending no system prompt at all
AXES = (*SWEEPABLE, SYSTEM)
# Metrics of a cell that the charts plot against the swept parameters.
METRICS = {
    "output_tokens": "Output length (completion tokens, mean)",
    "distinct_1": "distinct-1 among repeats",
    "distinct_2": "distinct-2 among repeats",
    "mean_similarity": "Mean pairwise similarity among repeats",
    "latency_s": "Latency (s, mean)",
    "ttft_s": "Time to first token (s, mean)",
    "cost": "Cost ($, all repeats)",
    "json_parse_rate": "JSON-parse rate (share of replies)",
    "schema_valid_rate": "Schema-valid rate (share of replies)",
}


def parse_prompts(text: str) -> list[str]:
    """One system prompt a line (blank lines and repeats dropped; "(none)" sends none)."""
    prompts = [("" if line == NO_SYSTEM else line) for line in compare.parse_prompts(text)]
    if not prompts:
        raise ValidationError([FieldError(f"{SYSTEM} values", f"type at least one prompt, one per line "
                                                              f"({NO_SYSTEM} for none)")])
    if len(prompts) > MAX_VALUES:
        raise ValidationError([FieldError(f"{SYSTEM} values", f"at most {MAX_VALUES} prompts, got {len(prompts)}")])
    return prompts


def parse_values(name: str, text: str) -> list[Any]:
    """'0, 0.5, 1' → [0.0, 0.5, 1.0] checked against the schema; errors name the field."""
    if name == SYSTEM:
        return parse_prompts(text)
    p = schema.PARAMS.get(name)
    if p is None or p.kind not in ("float", "int"):
        raise ValidationError([FieldError(name or "parameter", "choose a numeric parameter to vary")])
    parts = [s.strip() for s in text.replace(";", ",").replace("\n", ",").split(",") if s.strip()]
    if not parts:
        raise ValidationError([FieldError(f"{name} values", "type at least one value, e.g. 0, 0.5, 1")])
    values: list[Any] = []
    errors: list[FieldError] = []
    for s in parts:
        try:
            v: Any = float(s) if p.kind == "float" else int(s)
        except ValueError:
            kind = "a number" if p.kind == "float" else "an integer"
            errors.append(FieldError(f"{name} values", f"{s!r} is not {kind}"))
            continue
        errs: list[FieldError] = []
        schema._check_one(p, v, errs)
        errors += [FieldError(f"{name} values", e.message) for e in errs]
        if not errs and v not in values:
            values.append(v)
    if len(values) > MAX_VALUES:
        errors.append(FieldError(f"{name} values", f"at most {MAX_VALUES} values, got {len(values)}"))
    if errors:
        raise ValidationError(errors)
    return values


@dataclass(frozen=True)
class Axis:
    name: str
    values: tuple


@dataclass(frozen=True)
class Cell:
    index: int
    values: Mapping[str, Any]   # swept parameter -> value in this cell
    shown: Mapping[str, str] = field(default_factory=dict)  # swept parameter -> the value as labels show it

    def label(self) -> str:
        return ", ".join(f"{k}={self.shown.get(k, _number(v))}" for k, v in self.values.items())


def _number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


def prompt_labels(prompts: Sequence[str]) -> list[str]:
    """Swept system prompts as the table, charts and legends show them: numbered, so two prompts
    that begin alike stay apart, then their first words (“…”, or none)."""
    return [f"#{i + 1} {system_label(p)}" for i, p in enumerate(prompts)]


def split_job(params: Mapping[str, Any], messages: Sequence[dict]) -> tuple[dict, list[dict]]:
    """A job's request parameters and messages: a swept system prompt replaces the one the
    messages begin with (or is put first), and is never sent as a parameter."""
    params = dict(params)
    if SYSTEM not in params:
        return params, list(messages)
    return params, with_system(messages, params.pop(SYSTEM))


@dataclass(frozen=True)
class SweepJob:
    cell: int
    repeat: int
    params: dict


@dataclass
class SweepPlan:
    base_params: Mapping[str, Any]
    axes: Sequence[Axis]
    repeats: int = 1

    def validate(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if not 1 <= len(self.axes) <= MAX_AXES:
            errors.append(FieldError("parameters", f"sweep one or {MAX_AXES} parameters"))
        names = [a.name for a in self.axes]
        if len(set(names)) != len(names):
            errors.append(FieldError("parameters", "the two swept parameters must differ"))
        for a in self.axes:
            if not a.values:
                errors.append(FieldError(f"{a.name} values", "type at least one value"))
        if not 1 <= self.repeats <= MAX_REPEATS:
            errors.append(FieldError("repeats", f"must be 1 to {MAX_REPEATS}, got {self.repeats}"))
        return errors

    def cells(self) -> list[Cell]:
        names = [a.name for a in self.axes]
        shown = {a.name: dict(zip(a.values, prompt_labels(a.values))) for a in self.axes if a.name == SYSTEM}
        combos = itertools.product(*[a.values for a in self.axes])
        return [Cell(i, dict(zip(names, combo)), {n: shown[n][v] for n, v in zip(names, combo) if n in shown})
                for i, combo in enumerate(combos)]

    def jobs(self) -> list[SweepJob]:
        """Repeats interleaved across cells, so a cancelled run still covers every cell a little."""
        cells = self.cells()
        return [SweepJob(c.index, r, {**self.base_params, **c.values})
                for r in range(self.repeats) for c in cells]

    @property
    def request_count(self) -> int:
        return len(self.cells()) * self.repeats


def worst_case_total(jobs: Sequence[SweepJob], cost_of: Callable[[SweepJob], float | None]) -> float | None:
    """Sum of each request's worst case; None (unknown) as soon as one is unknown. A cell's repeats
    send the same body, so each cell is priced once (a sweep may plan thousands of requests)."""
    per_cell: dict[int, float | None] = {}
    total = 0.0
    for j in jobs:
        if j.cell not in per_cell:
            per_cell[j.cell] = cost_of(j)
        c = per_cell[j.cell]
        if c is None:
            return None
        total += c
    return total


def needs_confirmation(requests: int, worst_case: float | None, max_requests: int = 20,
                       max_cost: float = 0.10) -> bool:
    """Large or possibly costly sweeps (or of unknown cost) must be confirmed before they start."""
    return requests > max_requests or worst_case is None or worst_case > max_cost


def _mean(xs: Sequence[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return statistics.fmean(vals) if vals else None


@dataclass
class CellResult:
    cell: Cell
    results: list[ChatResult] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [c.text for r in self.results if r.status != "error" for c in r.choices]

    def errors(self) -> list[str]:
        return [r.error or r.status for r in self.results if r.status == "error"]

    def row(self) -> dict[str, Any]:
        ok = [r for r in self.results if r.status != "error"]
        costs = [r.metrics.cost for r in ok]
        row: dict[str, Any] = {**self.cell.values, **self.cell.shown}  # a prompt by its label, in full below
        if SYSTEM in self.cell.shown:
            row[SYSTEM + " text"] = self.cell.values[SYSTEM]
        row.update({
            "cell": self.cell.index,
            "requests": len(self.results),
            "errors": len(self.results) - len(ok),
            "output_tokens": _mean([r.usage.completion_tokens / max(len(r.choices), 1)
                                    if r.usage and r.usage.completion_tokens is not None else None for r in ok]),
            "output_chars": _mean([len(t) for t in self.texts()]),
            **diversity.summary(self.texts()),
            "latency_s": _mean([r.metrics.latency_s for r in ok]),
            "ttft_s": _mean([r.metrics.ttft_s for r in ok]),
            "cost": None if not ok or any(c is None for c in costs) else sum(costs),
            "finish_reasons": ", ".join(sorted({str(c.finish_reason) for r in ok for c in r.choices})),
            **validity.rates(ok),  # JSON-parse / schema-valid rates, valid tool calls
        })
        return row


def collect(plan: SweepPlan, jobs: Sequence[SweepJob], results: Sequence[ChatResult | None]) -> list[CellResult]:
    """Group finished results by cell (unfinished jobs are left out)."""
    by_cell = [CellResult(c) for c in plan.cells()]
    for job, res in zip(jobs, results):
        if res is not None:
            by_cell[job.cell].results.append(res)
    return by_cell


def results_table(cells: Sequence[CellResult]) -> list[dict[str, Any]]:
    return [c.row() for c in cells if c.results]


def chart_rows(rows: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> list[dict[str, Any]]:
    """Long form for charts: one row per (cell, metric) with a known value."""
    out = []
    for r in rows:
        for metric, title in METRICS.items():
            v = r.get(metric)
            if v is None:
                continue
            out.append({**{a: r[a] for a in axes}, "metric": metric, "title": title, "value": float(v)})
    return out
