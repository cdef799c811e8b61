"""Seed check: the same request k times with a fixed seed; are the replies identical?

Providers promise only best-effort determinism with `seed`; a changed system_fingerprint
(the backend configuration) explains a difference, so every fingerprint seen is reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from paramlab.client.result import ChatResult

MAX_K = 10


def seeded_body(body: Mapping[str, Any], seed: int) -> dict[str, Any]:
    return {**body, "seed": int(seed)}


@dataclass
class SeedReport:
    seed: int
    results: list[ChatResult] = field(default_factory=list)

    @property
    def ok(self) -> list[ChatResult]:
        return [r for r in self.results if r.status == "ok"]

    @property
    def texts(self) -> list[str]:
        return ["\n---\n".join(r.texts()) for r in self.ok]

    @property
    def distinct(self) -> int:
        return len(set(self.texts))

    @property
    def identical(self) -> bool | None:
        """True / False over the successful replies; None when fewer than two succeeded."""
        if len(self.ok) < 2:
            return None
        return self.distinct == 1

    @property
    def fingerprints(self) -> list[str | None]:
        return [r.system_fingerprint for r in self.results]

    @property
    def fingerprint_changed(self) -> bool:
        return len({f for f in self.fingerprints if f}) > 1

    def errors(self) -> list[str]:
        return [r.error or r.status for r in self.results if r.status != "ok"]

    def verdict(self) -> str:
        if self.identical is None:
            return "Not enough successful replies to compare."
        fp = {f for f in self.fingerprints if f}
        fp_text = (f"system_fingerprint: {', '.join(sorted(fp))}" if fp else "the server sent no system_fingerprint")
        if self.identical:
            return f"All {len(self.ok)} replies with seed {self.seed} are identical ({fp_text})."
        why = " The fingerprint changed between requests, which explains it." if self.fingerprint_changed else ""
        return (f"{self.distinct} different replies out of {len(self.ok)} with seed {self.seed} "
                f"({fp_text}).{why}")


def jobs(client: Any, body: Mapping[str, Any], k: int, seed: int, context: Mapping[str, Any] | None = None) -> list:
    """k identical jobs; run them one at a time (max_workers=1) so batching cannot perturb them."""
    from paramlab.runs.parallel import Job
    if not 2 <= k <= MAX_K:
        from paramlab.request.schema import FieldError, ValidationError
        raise ValidationError([FieldError("k", f"must be 2 to {MAX_K}, got {k}")])
    b = seeded_body(body, seed)
    return [Job(client, dict(b), dict(context or {})) for _ in range(k)]


def run(client: Any, body: Mapping[str, Any], k: int, seed: int,
        context: Mapping[str, Any] | None = None) -> SeedReport:
    from paramlab.runs.live import run_all
    return SeedReport(int(seed), run_all(jobs(client, body, k, seed, context), max_workers=1))
