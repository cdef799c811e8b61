"""One Playground run: n choices from one or more requests, streamed into n panes.

A backend may give fewer choices than n (Ollama ignores n; llama.cpp allows at most n_parallel).
plan() splits the request up front when that is known; missing() tells what to fan out after
a request came back short. Run keeps per-choice text and timings as they stream, in plain
data so it survives reruns and can be saved in a session.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from paramlab.client.assembly import Delta
from paramlab.client.result import ChatResult
from paramlab.client.tokens import estimate_tokens
from paramlab.backends import registry
from paramlab.runs.live import LiveRun
from paramlab.runs.parallel import Job, JobDelta


@dataclass
class Plan:
    bodies: list[dict[str, Any]]
    note: str | None = None  # what ParamLab did and why, shown to the user


def plan(body: dict[str, Any], backend: str, max_n: int | None = None) -> Plan:
    """Split a request for n choices into requests the backend can serve."""
    n = int(body.get("n") or 1)
    if n <= 1:
        return Plan([body])
    if registry.get(backend).splits_n:
        return Plan([{**body, "n": 1} for _ in range(n)],
                    f"{backend} ignores n, so ParamLab sent {n} separate requests with n=1.")
    if max_n and n > max_n:
        sizes = [max_n] * (n // max_n) + ([n % max_n] if n % max_n else [])
        return Plan([{**body, "n": s} if s > 1 else _without_n(body) for s in sizes],
                    f"This server serves at most n={max_n} per request (n_parallel), so ParamLab split "
                    f"n={n} into {len(sizes)} requests ({' + '.join(map(str, sizes))}).")
    return Plan([body])


def _without_n(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "n": 1}


def fanout_bodies(body: dict[str, Any], missing: int) -> list[dict[str, Any]]:
    return [_without_n(body) for _ in range(missing)]


@dataclass
class Slot:
    """One pane: a choice of one request."""
    job: int
    index: int  # the choice index within that request
    text: str = ""
    first_at: float | None = None  # seconds after the run started (a lone choice's: its request's TTFT)
    last_at: float | None = None  # (a lone choice's: its request's latency)
    tokens_per_s: float | None = None  # a lone choice's: its request's own figure
    finish_reason: str | None = None
    status: str = "waiting"  # waiting | streaming | ok | truncated | stopped | error
    logprobs: list[dict] = field(default_factory=list)
    completion_tokens: int | None = None
    tokens_estimated: bool = False
    cost: float | None = None
    cost_share: bool = False  # the cost is this choice's share of a multi-choice request
    reasoning: str = ""  # the model's thinking, streamed live like the text
    refusal: str | None = None
    reasoning_tokens: int | None = None
    spoken: str = ""  # a spoken reply's transcript so far (the audio plays when it has ended)


@dataclass
class Run:
    n: int
    bodies: list[dict[str, Any]]
    started: float = field(default_factory=time.time)
    slots: list[Slot] = field(default_factory=list)
    results: list[dict[str, Any] | None] = field(default_factory=list)  # ChatResult.to_dict per job
    notes: list[str] = field(default_factory=list)
    status: str = "running"  # running | done | stopped
    fanned_out: int = 0
    continued: bool = False  # a choice was taken into the conversation

    @classmethod
    def start(cls, n: int, bodies: list[dict[str, Any]], note: str | None = None) -> "Run":
        run = cls(n, [])
        run.add_jobs(bodies)
        if note:
            run.notes.append(note)
        return run

    def add_jobs(self, bodies: list[dict[str, Any]]) -> list[int]:
        """Register requests; returns their job numbers. Slots are given out in order."""
        ids = []
        for body in bodies:
            job = len(self.bodies)
            self.bodies.append(body)
            self.results.append(None)
            for i in range(int(body.get("n") or 1)):
                if len(self.slots) < self.n:
                    self.slots.append(Slot(job, i))
            ids.append(job)
        return ids

    def slot_for(self, job: int, index: int) -> Slot | None:
        return next((s for s in self.slots if s.job == job and s.index == index), None)

    def on_delta(self, job: int, d: Delta, now: float | None = None) -> Slot | None:
        slot = self.slot_for(job, d.index)
        if slot is None:  # more choices than asked for: ignored
            return None
        t = (now or time.time()) - self.started
        slot.text += d.text
        slot.reasoning += d.reasoning
        slot.spoken += d.spoken
        slot.first_at = t if slot.first_at is None else slot.first_at
        slot.last_at = t
        slot.status = "streaming"
        return slot

    def on_done(self, job: int, result: ChatResult) -> None:
        """A request finished: take its final text, finish reasons and usage into its slots."""
        self.results[job] = result.to_dict()
        mine = [s for s in self.slots if s.job == job]
        by_index = {c.index: c for c in result.choices}
        for s in mine:
            c = by_index.get(s.index)
            s.status = result.status
            if c is None:
                if result.status == "ok":
                    s.status = "missing"
                continue
            s.text = c.text or s.text
            s.reasoning, s.refusal = c.reasoning or s.reasoning, c.refusal
            if len(result.choices) == 1 and result.usage is not None:
                s.reasoning_tokens = result.usage.reasoning_tokens
            s.finish_reason = c.finish_reason
            s.logprobs = list(c.logprobs or [])
            if len(result.choices) == 1 and result.usage and result.usage.completion_tokens is not None:
                s.completion_tokens, s.tokens_estimated = result.usage.completion_tokens, result.usage.estimated
            elif s.logprobs:
                s.completion_tokens = len(s.logprobs)
            else:
                s.completion_tokens, s.tokens_estimated = estimate_tokens(s.text), True
            if result.metrics.cost is not None:
                s.cost = result.metrics.cost / max(len(result.choices), 1)
                s.cost_share = len(result.choices) > 1
            if len(result.choices) == 1:  # the request was this choice's alone: measured once, by the
                _measured(s, result.metrics)   # client, exactly as the usage ledger records it
            if s.last_at is None and result.metrics.latency_s is not None:
                s.last_at = result.metrics.latency_s
            if s.first_at is None and result.metrics.ttft_s is not None:
                s.first_at = result.metrics.ttft_s
        shown = [s for s in mine if s.index in by_index]
        if len(result.choices) > 1 and len(shown) == len(result.choices):
            _share_exact_usage(shown, result, self.bodies[job])
            _share_cost(shown, result)

    def missing(self) -> int:
        """Choices still owed after every request so far came back fine but short."""
        if any(r is None for r in self.results):
            return 0
        got = sum(1 for s in self.slots if s.status not in ("missing", "waiting"))
        if self.status == "stopped" or any(r["status"] not in ("ok", "truncated") for r in self.results if r):
            return 0
        return self.n - got

    def refill(self, bodies: list[dict[str, Any]]) -> list[int]:
        """Give the empty slots to fan-out requests (n=1 each)."""
        self.slots = [s for s in self.slots if s.status != "missing"]
        self.fanned_out += len(bodies)
        return self.add_jobs(bodies)

    def stop(self) -> None:
        """Mark the run stopped (partial text kept); cancels its requests when it is live."""
        live = getattr(self, "live", None)
        if live is not None:
            live.cancel()
        self.status = "stopped"
        for s in self.slots:
            if s.status in ("waiting", "streaming"):
                s.status = "stopped"

    def chat_results(self) -> list[ChatResult]:
        return [ChatResult.from_dict(r) for r in self.results if r]

    def __getstate__(self) -> dict[str, Any]:
        """Plain data only: the live run (threads, clients) stays out of a pickled session."""
        return {k: v for k, v in self.__dict__.items() if k != "live"}

    @property
    def running(self) -> bool:
        return self.status == "running"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Run":
        d = dict(d)
        slots = [Slot(**s) for s in d.pop("slots", [])]
        known = cls.__dataclass_fields__
        run = cls(**{k: v for k, v in d.items() if k in known and k != "slots"})
        run.slots = slots
        return run


def start(client: Any, body: dict[str, Any], backend: str, max_n: int | None = None,
          context: dict[str, Any] | None = None) -> Run:
    """Plan and start a run of n choices; `run.live` streams it, and fans out missing choices
    (with a note saying so) when the server came back short."""
    p = plan(body, backend, max_n)
    run = Run.start(int(body.get("n") or 1), p.bodies, p.note)

    def jobs(bodies: list[dict[str, Any]]) -> list[Job]:
        return [Job(client, b, dict(context or {})) for b in bodies]

    def on_event(live: LiveRun, ev) -> None:  # in a worker thread, under live.lock
        if isinstance(ev, JobDelta):
            run.on_delta(ev.job, ev.delta)
            return
        result = ev.result if isinstance(ev.result, ChatResult) else \
            ChatResult(status="error", error=str(getattr(ev.result, "error", ev.result)))
        run.on_done(ev.job, result)
        if live.cancelled:
            run.stop()
        if any(r is None for r in run.results):
            return
        missing = run.missing()
        if missing > 0:
            ids = run.refill(fanout_bodies(run.bodies[0], missing))
            run.notes.append(f"The server returned {run.n - missing} of n={run.n} choices, so ParamLab sent "
                             f"{missing} more request(s) with n=1 to fill the rest.")
            live.add(jobs([run.bodies[i] for i in ids]))
        elif run.status == "running":
            run.status = "done"

    run.live = LiveRun(jobs(p.bodies), max_workers=max(4, len(p.bodies)), listener=on_event)
    return run


def _measured(slot: Slot, m: Any) -> None:
    """A lone choice's times are its request's (the page saw its tokens a few ms later, and a
    stopped stream's last token some time before the Stop landed)."""
    slot.first_at = m.ttft_s if m.ttft_s is not None else slot.first_at
    slot.last_at = m.latency_s if m.latency_s is not None else slot.last_at
    slot.tokens_per_s = m.tokens_per_s


def slot_tokens_per_s(slot: Slot) -> float | None:
    """Its request's figure for a lone choice, else its own tokens over its own generation time."""
    if slot.tokens_per_s is not None:
        return slot.tokens_per_s
    gen = None if slot.first_at is None or slot.last_at is None else slot.last_at - slot.first_at
    return (slot.completion_tokens / gen) if slot.completion_tokens and gen and gen > 0 else None


def slot_metrics(slot: Slot) -> list[tuple[str, str, str]]:
    """(label, value, help) cells of one pane's metrics row."""
    from paramlab.client.metrics import fmt_cost, fmt_seconds
    tps = slot_tokens_per_s(slot)
    est = " (est.)" if slot.tokens_estimated else ""
    return [
        ("TTFT", fmt_seconds(slot.first_at), "Time from sending to this choice's first token."),
        ("Latency", fmt_seconds(slot.last_at), "Time from sending to this choice's last token."),
        ("Tokens/s", "—" if tps is None else f"{tps:.1f}", "This choice's completion tokens per second of generation."),
        ("Tokens", "—" if slot.completion_tokens is None else f"{slot.completion_tokens}{est}",
         "Completion tokens of this choice; 'est.' when counted by ParamLab (~4 characters per token)."),
        ("Cost", fmt_cost(slot.cost) + (" (share)" if slot.cost_share and slot.cost is not None else ""),
         "From the price table; 'unknown' when the model has no known price. A choice of a multi-choice "
         "request shows its share: an even part of the prompt, which is billed once, and its own output."),
    ] + ([("Reasoning", str(slot.reasoning_tokens), "Reasoning (thinking) tokens the server reported, already "
                                                     "counted in the completion tokens.")]
         if slot.reasoning_tokens else [])


def _share_exact_usage(slots: list[Slot], result: ChatResult, body: dict[str, Any]) -> None:
    """A request for n choices counts its completion tokens once, for all of them. Where that count
    is exact, so are some choices': one cut by max_tokens produced exactly that many (unless it
    also thought), and the last one left gets the rest. The others' estimates are scaled to add up."""
    u = result.usage
    if u is None or u.estimated or u.completion_tokens is None or any(s.logprobs for s in slots):
        return
    cap = body.get("max_completion_tokens") or body.get("max_tokens")
    exact = [s for s in slots if cap and s.finish_reason == "length" and not s.reasoning and not u.reasoning_tokens]
    rest = [s for s in slots if s not in exact]
    left = u.completion_tokens - int(cap or 0) * len(exact)
    if left < 0 or (not rest and left):
        return  # the count does not fit: keep the estimates
    for s in exact:
        s.completion_tokens, s.tokens_estimated = int(cap), False
    if len(rest) == 1:
        rest[0].completion_tokens, rest[0].tokens_estimated = left, False
    elif rest:
        guess = sum(s.completion_tokens or 0 for s in rest) or len(rest)
        for s in rest:
            s.completion_tokens = round(left * (s.completion_tokens or 1) / guess)


OUTPUT_PARTS = ("output", "reasoning", "audio_output")  # billed per choice; the prompt's parts are shared


def _share_cost(slots: list[Slot], result: ChatResult) -> None:
    """Each choice's part of a multi-choice request's cost: the prompt (billed once) split evenly,
    the output by each choice's tokens. Without a breakdown the even split stays."""
    dollars = (result.metrics.cost_parts or {}).get("dollars") or {}
    out = sum(dollars.get(k) or 0.0 for k in OUTPUT_PARTS)
    tokens = [s.completion_tokens or 0 for s in slots]
    if result.metrics.cost is None or out <= 0 or sum(tokens) <= 0:
        return
    shared = (result.metrics.cost - out) / len(slots)
    for s, t in zip(slots, tokens):
        s.cost = shared + out * t / sum(tokens)
