"""Reshape a next-token distribution the way the sampling parameters do, and sample from it.

Works on the ≤ 20 candidates a server returns as top_logprobs, renormalised over them: the
probability outside those candidates is unknown and ignored. That is an approximation of what
the server does over its whole vocabulary, and the Lab says so on the page.

Per candidate, with `count` = how often its token id occurs in the token history:
    logit = logprob + logit_bias − presence_penalty × [count > 0] − frequency_penalty × count
then temperature and top_p. Backends disagree on the order of those two:
  * "temperature_first" (OpenAI-style, vLLM, Hugging Face): top_p is applied to softmax(logit / T);
  * "top_p_first" (llama.cpp's default sampler chain, where temperature comes last): top_p is
    applied to softmax(logit) and temperature then reshapes the tokens that are left.
Temperature 0 is greedy: only the most likely token remains (ties: the first one listed).
"""
from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

ORDERS = ("temperature_first", "top_p_first")
BAN = -100.0  # logit_bias value documented as a ban
EPS = 1e-12  # float slack when comparing a cumulative probability with top_p

# Why a candidate can or cannot be sampled, in the order the chart's legend lists them.
NUCLEUS = "in the top_p nucleus"
OUTSIDE = "outside top_p"
BANNED = "banned: logit_bias −100"
NOT_GREEDY = "not the greedy pick"
STATUSES = (NUCLEUS, OUTSIDE, BANNED, NOT_GREEDY)


@dataclass(frozen=True)
class Candidate:
    id: int | None
    token: str
    logprob: float
    bytes: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Settings:
    temperature: float = 1.0
    top_p: float = 1.0
    presence_penalty: float = 0.0
    frequency_penalty: float = 0.0
    logit_bias: Mapping[int, float] = field(default_factory=dict)
    history: Sequence[int] = ()  # token ids generated so far, counted for the penalties
    order: str = "temperature_first"


@dataclass(frozen=True)
class Row:
    rank: int            # position in the server's list (0 = most likely)
    id: int | None
    token: str
    raw_prob: float      # the model's probability, renormalised over the candidates
    count: int           # occurrences in the history
    adjustment: float    # bias − penalties added to the logit
    logit: float         # adjusted logit (before temperature)
    prob: float          # after temperature, before top_p (renormalised over the candidates)
    final_prob: float    # what sampling uses: after temperature and top_p, renormalised
    in_nucleus: bool
    status: str          # one of STATUSES

    @property
    def sampleable(self) -> bool:
        return self.status == NUCLEUS and self.final_prob > 0


def candidates_from_entry(entry: Mapping) -> list[Candidate]:
    """The top_logprobs of one logprobs.content entry (OpenAI shape), most likely first."""
    out = []
    for t in entry.get("top_logprobs") or []:
        lp = t.get("logprob")
        if not isinstance(lp, (int, float)) or isinstance(lp, bool):
            continue
        tid = t.get("id")
        b = t.get("bytes")
        out.append(Candidate(int(tid) if isinstance(tid, int) else None, str(t.get("token", "")), float(lp),
                             tuple(b) if isinstance(b, list) else None))
    out.sort(key=lambda c: -c.logprob)
    return out


def coverage(cands: Sequence[Candidate]) -> float:
    """How much of the model's probability the candidates hold (the rest is ignored)."""
    return min(1.0, sum(math.exp(c.logprob) for c in cands))


def softmax(logits: Sequence[float], temperature: float = 1.0) -> list[float]:
    """softmax(logit / T); T = 0 puts all probability on the first largest logit (greedy)."""
    if not logits:
        return []
    if temperature <= 0:
        best = max(range(len(logits)), key=lambda i: (logits[i], -i))
        return [1.0 if i == best else 0.0 for i in range(len(logits))]
    scaled = [x / temperature for x in logits]
    top = max(scaled)
    exps = [math.exp(x - top) for x in scaled]
    total = sum(exps)
    return [e / total for e in exps]


def penalty(count: int, presence: float, frequency: float) -> float:
    """What the penalties subtract from a logit: presence × [count > 0] + frequency × count."""
    return presence * (1 if count > 0 else 0) + frequency * count


def nucleus(probs: Sequence[float], top_p: float) -> set[int]:
    """Indices of the smallest set of most likely tokens whose probability reaches top_p.

    At least one token is kept (top_p 0 keeps the most likely). Tokens tied in probability with
    the last one kept are kept too, so the result does not depend on how ties happen to be sorted.
    """
    if not probs:
        return set()
    if top_p >= 1:
        return set(range(len(probs)))
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    kept: list[int] = []
    cum = 0.0
    for i in order:
        if kept and cum >= top_p - EPS and probs[i] < probs[kept[-1]]:
            break
        kept.append(i)
        cum += probs[i]
    return set(kept)


def reshape(cands: Sequence[Candidate], s: Settings) -> list[Row]:
    """Apply bias, penalties, temperature and top_p to the candidates (see the module doc)."""
    if s.order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {s.order!r}")
    if not cands:
        return []
    counts = Counter(s.history)
    bias = {int(k): float(v) for k, v in s.logit_bias.items()}
    base = [c.logprob for c in cands]
    adjust = [bias.get(c.id, 0.0) - penalty(counts.get(c.id, 0), s.presence_penalty, s.frequency_penalty)
              if c.id is not None else 0.0 for c in cands]
    logits = [b + a for b, a in zip(base, adjust)]
    raw = softmax(base)
    tempered = softmax(logits, s.temperature)
    untempered = softmax(logits)
    greedy = s.temperature <= 0
    kept = nucleus(untempered if s.order == "top_p_first" else tempered, s.top_p)
    if greedy:
        final = tempered  # one-hot: top_p cannot change a greedy pick
    else:
        mass = sum(tempered[i] for i in kept)
        final = [tempered[i] / mass if i in kept else 0.0 for i in range(len(cands))]
    rows = []
    for i, c in enumerate(cands):
        bid = c.id is not None and bias.get(c.id, 0.0) <= BAN
        if bid:
            status, final_i = BANNED, 0.0
        elif greedy and final[i] == 0:
            status, final_i = NOT_GREEDY, 0.0
        elif not greedy and i not in kept:
            status, final_i = OUTSIDE, 0.0
        else:
            status, final_i = NUCLEUS, final[i]
        rows.append(Row(i, c.id, c.token, raw[i], counts.get(c.id, 0), adjust[i], logits[i], tempered[i],
                        final_i, i in kept, status))
    # A −100 ban is exact here (the server only makes it e^-100 times less likely): renormalise.
    total = sum(r.final_prob for r in rows)
    if total > 0 and abs(total - 1) > EPS:
        rows = [_with_final(r, r.final_prob / total) for r in rows]
    return rows


def _with_final(r: Row, p: float) -> Row:
    return Row(r.rank, r.id, r.token, r.raw_prob, r.count, r.adjustment, r.logit, r.prob, p, r.in_nucleus,
               r.status)


def sample(rows: Sequence[Row], n: int, seed: int | None) -> list[int]:
    """n independent draws (row indices) from the reshaped distribution, reproducible by seed."""
    weights = [r.final_prob for r in rows]
    if n <= 0 or not rows or sum(weights) <= 0:
        return []
    return random.Random(seed).choices(range(len(rows)), weights=weights, k=n)


@dataclass(frozen=True)
class Frequency:
    rank: int
    token: str
    observed: int
    expected: float


def observed_vs_expected(rows: Sequence[Row], draws: Iterable[int]) -> list[Frequency]:
    """Observed counts of each candidate in `draws` next to n × its probability."""
    draws = list(draws)
    counts = Counter(draws)
    n = len(draws)
    return [Frequency(r.rank, r.token, counts.get(i, 0), n * r.final_prob) for i, r in enumerate(rows)]
