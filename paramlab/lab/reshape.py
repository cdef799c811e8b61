"""Reshape a next-token distribution the way the sampling parameters do, and sample from it.

Works on the ≤ 20 candidates a server returns as top_logprobs, with their **real** probabilities
(exp(logprob) over the whole vocabulary). The probability outside the candidates (the "tail") is
kept: the tokens a llama.cpp server also lists (a `Tail`: up to n_probs of them) as they are,
the rest of the vocabulary as a normal distribution of logprobs holding exactly what is left
(see tail_bins). So cut-offs are decided on the model's real probabilities, never on the 20
renormalised to 100 % (top_p 0.5 keeps tokens until their real probabilities reach 0.5), and a
temperature above 1, which hands the tail much of the probability, is followed too.

Per candidate, with `count` = how often its token id occurs in the token history:
    logit = logprob + logit_bias − presence_penalty × [count > 0] − frequency_penalty × count
then the sampler chain, in the backend's order (paramlab.backends declares it):
  * llama.cpp: top_k, typical_p, top_p, min_p, then temperature last ("top_p_first");
  * OpenAI-style / vLLM: temperature first, then the cut-offs ("temperature_first").
top_k keeps the k most likely tokens (0: off); top_p the smallest set whose probability reaches p;
min_p the tokens at least min_p × the top token's probability; typical_p the tokens whose
information is closest to the entropy, until their probability reaches p. Each cut-off works on
the probabilities after the stages before it, renormalised over what survived (as llama.cpp does).
Temperature 0 is greedy: only the most likely token remains (ties: the first one listed).
"""
from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from statistics import NormalDist
from typing import Iterable, Mapping, Sequence

from paramlab.backends import registry

# Sampler chains (stage names as in llama.cpp's `samplers`), from the backend registry.
CHAINS = {"top_p_first": registry.get("llamacpp").lab_chain,           # llama.cpp: temperature last
          "temperature_first": ("temperature", "top_k", "top_p", "min_p", "typ_p"),  # OpenAI-style
          "vllm": registry.get("vllm").lab_chain}                       # vLLM: temperature, min_p, top_k, top_p
ORDERS = tuple(CHAINS)
STAGES = ("top_k", "typ_p", "top_p", "min_p", "temperature")
BAN = -100.0  # logit_bias value documented as a ban
EPS = 1e-12  # float slack when comparing a cumulative probability with top_p

# Why a candidate can or cannot be sampled, in the order the chart's legend lists them.
NUCLEUS = "kept: can be sampled"
OUTSIDE = "cut by top_p"
BANNED = "banned: logit_bias −100"
NOT_GREEDY = "not the greedy pick"
CUT_TOP_K = "cut by top_k"
CUT_MIN_P = "cut by min_p"
CUT_TYPICAL = "cut by typical_p"
STATUSES = (NUCLEUS, OUTSIDE, CUT_TOP_K, CUT_MIN_P, CUT_TYPICAL, BANNED, NOT_GREEDY)
_CUT = {"top_k": CUT_TOP_K, "top_p": OUTSIDE, "min_p": CUT_MIN_P, "typ_p": CUT_TYPICAL}


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
    top_k: int = 0          # 0: off
    min_p: float = 0.0      # 0: off
    typical_p: float = 1.0  # 1: off
    chain: tuple[str, ...] | None = None  # a backend's own order; None: CHAINS[order]

    @property
    def stages(self) -> tuple[str, ...]:
        chain = self.chain if self.chain is not None else CHAINS[self.order]
        return tuple(x for x in chain if x in STAGES)


@dataclass(frozen=True)
class Row:
    rank: int            # position in the server's list (0 = most likely)
    id: int | None
    token: str
    raw_prob: float      # the model's real probability (exp(logprob), over the whole vocabulary)
    count: int           # occurrences in the history
    adjustment: float    # bias − penalties added to the logit
    logit: float         # adjusted logit (before temperature)
    prob: float          # after bias, penalties and temperature, before any cut-off (real, with the tail)
    final_prob: float    # what sampling uses: after the whole chain, over every surviving token
    in_nucleus: bool     # survived every cut-off
    status: str          # one of STATUSES
    renormalised: float = 0.0  # the naive figure: the same chain on the 20 candidates renormalised to 100 %

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


def order_for(backend: str) -> str:
    """The Lab's order for a backend kind: its own chain when the Lab knows it, else by where
    temperature stands."""
    chain = registry.get(backend).lab_chain
    for name, known in CHAINS.items():
        if chain == known:
            return name
    return "top_p_first" if chain and chain[-1] == "temperature" else "temperature_first"


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


VOCAB = 50_000   # tokens in a vocabulary when the server does not say (llama.cpp does: /v1/models n_vocab)
TAIL_STEP = 0.2  # nats per bin of the modelled tail
LISTED_STEP = 0.05  # nats per bin of the listed tokens beyond the candidates
NOISE = 1e-3     # below this, 1 − Σ listed probabilities is float32 noise rather than the tail's mass
FIT_MIN = 100    # listed tokens needed to fit the tail's shape on their ranks alone
_NORMAL = NormalDist()


@dataclass(frozen=True)
class Tail:
    """What is known of the tokens outside the candidates: the logprobs of the next ones, most likely
    first (a llama.cpp server lists as many as n_probs asks), and the vocabulary's size."""
    logprobs: tuple[float, ...] = ()
    vocab: int = VOCAB


def _log_cdf(u: float) -> float:
    """log Φ(u), also far below where Φ underflows."""
    if u > -30:
        return math.log(max(_NORMAL.cdf(u), 1e-300))
    return -u * u / 2 - math.log(-u) - 0.5 * math.log(2 * math.pi)


def _fit_mass(n: int, c: float, mass: float, vocab: int) -> tuple[float, float] | None:
    """μ, σ of a normal over the vocabulary's logprobs with n tokens above c and `mass` below it.
    n above c fixes μ = c − σ z; the mass below, V e^(μ+σ²/2) Φ(z − σ), falls as σ grows."""
    z = _NORMAL.inv_cdf(1 - n / vocab)

    def excess(sig: float) -> float:
        return math.log(vocab) + c - sig * z + sig * sig / 2 + _log_cdf(z - sig) - math.log(mass)

    lo, hi = 1e-4, 60.0
    if excess(lo) <= 0 or excess(hi) >= 0:
        return None
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excess(mid) > 0 else (lo, mid)
    sig = (lo + hi) / 2
    return c - sig * z, sig


def _fit_ranks(listed: Sequence[float], vocab: int) -> tuple[float, float]:
    """μ, σ from the listed logprobs' ranks (a normal quantile plot of the lower two thirds of them)."""
    ranks = range(max(1, len(listed) // 3), len(listed) + 1)
    xs = [_NORMAL.inv_cdf(1 - (r - 0.5) / vocab) for r in ranks]
    ys = [listed[r - 1] for r in ranks]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sig = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return my - sig * mx, sig


def tail_bins(listed: Sequence[float], mass: float, vocab: int = VOCAB) -> list[list[float]]:
    """The vocab − n tokens below the n listed ones (logprobs, most likely first), as bins of
    [count, logprob per token], most likely first.

    Over a whole vocabulary, logprobs are close to normally distributed (measured on SmolLM2: a bell
    around −19 nats, σ ≈ 3-4), so the tail is the part of a normal below the last listed logprob,
    with μ and σ such that n tokens lie above it and the rest hold exactly `mass` (1 − what is
    listed). When that mass is float noise (a very confident model) and enough tokens are listed,
    μ and σ come from the listed ranks instead. Sums of p^(1/T) over this tail match the real
    vocabulary's within a few per cent at temperatures up to 2."""
    n, rest = len(listed), vocab - len(listed)
    if not listed or rest <= 0 or (mass <= 1e-9 and n < FIT_MIN):
        return []
    c = listed[-1]
    by_mass = mass > NOISE or n < FIT_MIN
    fit = _fit_mass(n, c, mass, vocab) if by_mass else _fit_ranks(listed, vocab)
    if fit is None or fit[1] <= 0:  # no normal fits: that mass spread evenly over the rest
        return [[float(rest), math.log(mass / rest)]] if mass > 1e-9 else []
    mu, sig = fit
    bins, top = [], c
    while top > mu - 5 * sig:
        bot = top - TAIL_STEP
        count = _NORMAL.cdf((top - mu) / sig) - _NORMAL.cdf((bot - mu) / sig)
        if count > 0:
            bins.append([count, top - TAIL_STEP / 2])
        top = bot
    total = sum(b[0] for b in bins)
    if total <= 0:
        return []
    bins = [[b[0] * rest / total, b[1]] for b in bins]  # exactly the tokens not listed
    if by_mass:  # and exactly the probability not listed
        shift = math.log(mass / sum(b[0] * math.exp(b[1]) for b in bins))
        bins = [[b[0], b[1] + shift] for b in bins]
    return bins


@dataclass
class _Dist:
    """Candidates' logits plus the tail: bins of [count, logit] of tokens no candidate names."""
    logits: list[float]
    alive: list[bool]
    tail: list[list[float]]
    temp: float = 1.0   # the temperature applied so far (1 until the temperature stage)

    def _top(self) -> float:
        live = [l for l, a in zip(self.logits, self.alive) if a] + [b[1] for b in self.tail if b[0] > 0]
        return max(live) / self.temp if live else 0.0

    def weights(self) -> tuple[list[float], list[float]]:
        """Per candidate, and per token of each tail bin, the probability at the current temperature."""
        if self.temp <= 0:
            if not any(self.alive):
                return [0.0] * len(self.logits), [0.0] * len(self.tail)
            best = max((i for i, a in enumerate(self.alive) if a), key=lambda i: (self.logits[i], -i))
            return [1.0 if i == best else 0.0 for i in range(len(self.logits))], [0.0] * len(self.tail)
        top = self._top()
        w = [math.exp(l / self.temp - top) if a else 0.0 for l, a in zip(self.logits, self.alive)]
        each = [math.exp(b[1] / self.temp - top) if b[0] > 0 else 0.0 for b in self.tail]
        total = sum(w) + sum(b[0] * e for b, e in zip(self.tail, each))
        if total <= 0:
            return [0.0] * len(self.logits), [0.0] * len(self.tail)
        return [x / total for x in w], [e / total for e in each]

    def tail_mass(self) -> float:
        _, each = self.weights()
        return sum(b[0] * e for b, e in zip(self.tail, each))

    def items(self) -> list[tuple[float, float, str, int]]:
        """(probability per token, count, "k"/"b", index) of every live candidate and tail bin."""
        probs, each = self.weights()
        out = [(probs[i], 1.0, "k", i) for i, a in enumerate(self.alive) if a]
        out += [(each[j], b[0], "b", j) for j, b in enumerate(self.tail) if b[0] > 0]
        return out

    def keep(self, kept: dict[tuple[str, int], float], why: str, cut_by: dict[int, str]) -> None:
        """Keep `kept[(kind, index)]` tokens of each item; cut the rest."""
        for i, a in enumerate(self.alive):
            if a and kept.get(("k", i), 0) <= 0:
                self.alive[i] = False
                cut_by[i] = why
        for j, b in enumerate(self.tail):
            b[0] = min(b[0], kept.get(("b", j), 0.0))


def _take_until(items, goal: float) -> dict[tuple[str, int], float]:
    """Walk items in the given order, taking tokens until their probability reaches `goal`; tail
    bins are taken in part. Candidates tied with the last one taken are taken too."""
    kept: dict[tuple[str, int], float] = {}
    cum, last = 0.0, None
    for p, count, kind, idx in items:
        if kept and cum >= goal - EPS:
            if kind == "k" and last is not None and p == last:
                kept[(kind, idx)] = 1.0
                continue
            break
        if kind == "b":
            take = count if p <= 0 else min(count, max(1.0, math.ceil((goal - cum) / p - 1e-9)))
            kept[(kind, idx)] = take
            cum += take * p
        else:
            kept[(kind, idx)] = 1.0
            cum += p
            last = p
    return kept


def _stage(d: _Dist, stage: str, s: Settings, cut_by: dict[int, str]) -> None:
    if stage == "temperature":
        d.temp = s.temperature
        if s.temperature <= 0:
            probs, _ = d.weights()
            d.keep({("k", i): 1.0 for i, p in enumerate(probs) if p > 0}, NOT_GREEDY, cut_by)
        return
    items = sorted(d.items(), key=lambda t: (-t[0], t[2] == "b", t[3]))
    if not items:
        return
    if stage == "top_k" and s.top_k > 0:
        kept, left = {}, float(s.top_k)
        for p, count, kind, idx in items:
            if left <= 0:
                break
            kept[(kind, idx)] = min(count, left)
            left -= kept[(kind, idx)]
        d.keep(kept, CUT_TOP_K, cut_by)
    elif stage == "top_p" and s.top_p < 1:
        d.keep(_take_until(items, max(s.top_p, 0.0)), OUTSIDE, cut_by)
    elif stage == "min_p" and s.min_p > 0:
        thr = s.min_p * items[0][0] - EPS
        d.keep({(k, i): c for p, c, k, i in items if p >= thr}, CUT_MIN_P, cut_by)
    elif stage == "typ_p" and s.typical_p < 1:
        ent = -sum(c * p * math.log(p) for p, c, _, _ in items if p > 0)
        by_score = sorted(items, key=lambda t: (abs(-math.log(t[0]) - ent) if t[0] > 0 else math.inf, t[3]))
        kept = _take_until(by_score, s.typical_p)
        d.keep(kept or {(items[0][2], items[0][3]): 1.0}, CUT_TYPICAL, cut_by)


def _chain(logits: list[float], tail: list[list[float]], s: Settings) -> tuple[_Dist, dict[int, str]]:
    d = _Dist(list(logits), [True] * len(logits), [list(b) for b in tail])
    cut_by: dict[int, str] = {}
    for stage in s.stages:
        _stage(d, stage, s, cut_by)
    if "temperature" not in s.stages:
        d.temp = s.temperature
    return d, cut_by


def _tail(cands: Sequence[Candidate], tail: Tail | None) -> list[list[float]]:
    """The tokens outside the candidates: the listed ones as they are, the rest modelled (tail_bins)."""
    tail = tail or Tail()
    known = sorted(tail.logprobs, reverse=True)
    listed = sorted((c.logprob for c in cands), reverse=True) + known
    mass = max(0.0, 1.0 - coverage(cands) - sum(math.exp(x) for x in known))
    return _binned(known) + tail_bins(listed, mass, max(tail.vocab, len(listed)))


def _binned(logprobs: Sequence[float]) -> list[list[float]]:
    """Listed tokens (most likely first) in bins of LISTED_STEP nats, [count, log of their mean
    probability]: far fewer items for the chain to walk, the same probability."""
    bins: list[list[float]] = []
    start, members = None, []
    for x in list(logprobs) + [-math.inf]:
        if members and (x < start - LISTED_STEP or x == -math.inf):
            bins.append([float(len(members)), math.log(sum(math.exp(m) for m in members) / len(members))])
            members = []
        if not members:
            start = x
        members.append(x)
    return bins


def reshape(cands: Sequence[Candidate], s: Settings, tail: Tail | None = None) -> list[Row]:
    """Apply bias, penalties and the sampler chain to the candidates (see the module doc)."""
    if s.order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, got {s.order!r}")
    if not cands:
        return []
    counts = Counter(s.history)
    bias = {int(k): float(v) for k, v in s.logit_bias.items()}
    adjust = [bias.get(c.id, 0.0) - penalty(counts.get(c.id, 0), s.presence_penalty, s.frequency_penalty)
              if c.id is not None else 0.0 for c in cands]
    logits = [c.logprob + a for c, a in zip(cands, adjust)]
    rest = _tail(cands, tail)
    tempered, _ = _Dist(list(logits), [True] * len(logits), [list(b) for b in rest], s.temperature).weights()
    d, cut_by = _chain(logits, rest, s)
    final, _ = d.weights()
    naive, _ = _chain([l - math.log(coverage(cands) or 1.0) for l in logits], [], s)[0].weights()
    rows = []
    for i, c in enumerate(cands):
        banned = c.id is not None and bias.get(c.id, 0.0) <= BAN
        status = BANNED if banned else cut_by.get(i, NUCLEUS)
        p = 0.0 if status != NUCLEUS else final[i]
        rows.append(Row(i, c.id, c.token, math.exp(c.logprob), counts.get(c.id, 0), adjust[i], logits[i],
                        tempered[i], p, i not in cut_by, status, 0.0 if banned else naive[i]))
    # A −100 ban is exact here (the server only makes it e^-100 times less likely): renormalise.
    removed = sum(final[i] for i, r in enumerate(rows) if r.status == BANNED)
    if 0 < removed < 1:
        rows = [replace(r, final_prob=r.final_prob / (1 - removed)) for r in rows]
    return rows


def outside(cands: Sequence[Candidate], s: Settings, tail: Tail | None = None) -> tuple[float, float]:
    """Probability on tokens outside the candidates: the model's, and after the sampler chain."""
    if not cands:
        return 0.0, 0.0
    rows = reshape(cands, s, tail)
    return max(0.0, 1.0 - coverage(cands)), max(0.0, 1.0 - sum(r.final_prob for r in rows))


def sample(rows: Sequence[Row], n: int, seed: int | None) -> list[int]:
    """n independent draws (row indices) from the reshaped distribution, reproducible by seed."""
    weights = [r.final_prob for r in rows]  # the tail cannot be drawn: it has no token to show
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
