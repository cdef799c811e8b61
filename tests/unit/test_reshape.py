"""The reshaping math against hand-computed cases."""
import math

import pytest

from paramlab.lab import reshape
from paramlab.lab.reshape import BANNED, NOT_GREEDY, NUCLEUS, OUTSIDE, Candidate, Settings


def cands(*probs, ids=None):
    ids = ids or list(range(10, 10 + len(probs)))
    return [Candidate(i, f"t{i}", math.log(p)) for i, p in zip(ids, probs)]


def finals(rows):
    return [r.final_prob for r in rows]


def test_temperature_one_is_the_model_distribution():
    rows = reshape.reshape(cands(0.5, 0.25, 0.25), Settings())
    assert finals(rows) == pytest.approx([0.5, 0.25, 0.25])
    assert all(r.status == NUCLEUS for r in rows)


@pytest.mark.parametrize("t, expected", [
    # p^(1/T) renormalised: T = 0.5 squares (0.25, 0.0625, 0.0625)/0.375
    (0.5, [2 / 3, 1 / 6, 1 / 6]),
    # T = 2 takes square roots: (0.7071, 0.5, 0.5)/1.7071
    (2.0, [0.70710678 / 1.70710678, 0.5 / 1.70710678, 0.5 / 1.70710678]),
])
def test_temperature(t, expected):
    assert finals(reshape.reshape(cands(0.5, 0.25, 0.25), Settings(temperature=t))) == pytest.approx(expected)


def test_temperature_zero_is_greedy():
    rows = reshape.reshape(cands(0.3, 0.5, 0.2), Settings(temperature=0.0, top_p=0.1))
    assert finals(rows) == [0.0, 1.0, 0.0]
    assert [r.status for r in rows] == [NOT_GREEDY, NUCLEUS, NOT_GREEDY]


def test_cut_offs_use_the_real_probabilities_not_the_renormalised_20():
    """The issue's "Name a colour." case: real 24 %, 19 %, 4.7 %, 4.5 % … at top_p 0.5 keep 4 tokens
    (24 + 19 + 4.7 + 4.5 = 52.2 % reaches 50 %); renormalised over the candidates only 2 reach it."""
    probs = [0.24, 0.19, 0.047, 0.045, 0.03, 0.02, 0.02, 0.01, 0.01, 0.01]
    c = cands(*probs)
    assert reshape.coverage(c) == pytest.approx(sum(probs))
    rows = reshape.reshape(c, Settings(top_p=0.5))
    assert [r.status for r in rows[:5]] == [NUCLEUS] * 4 + [OUTSIDE]
    assert [r.raw_prob for r in rows[:2]] == pytest.approx([0.24, 0.19])
    assert sum(finals(rows)) == pytest.approx(1.0)  # the tail was cut too
    # the naive figure, for the table: renormalised over the candidates, top_p keeps 2
    assert sum(1 for r in rows if r.renormalised > 0) == 2


def test_the_tail_outside_the_candidates_keeps_its_share():
    c = cands(0.4, 0.2, 0.1)  # the 3 candidates hold 70 % of the probability
    rows = reshape.reshape(c, Settings())
    assert finals(rows) == pytest.approx([0.4, 0.2, 0.1])
    assert [r.renormalised for r in rows] == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert reshape.outside(c, Settings()) == pytest.approx((0.3, 0.3))
    assert reshape.outside(c, Settings(top_k=3)) == pytest.approx((0.3, 0.0))


def test_top_k_min_p_and_typical_p():
    c = cands(0.5, 0.25, 0.15, 0.1)
    assert finals(reshape.reshape(c, Settings(top_k=2))) == pytest.approx([2 / 3, 1 / 3, 0, 0])
    rows = reshape.reshape(c, Settings(min_p=0.3))  # keeps p >= 0.15
    assert finals(rows) == pytest.approx([0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0])
    assert rows[3].status == reshape.CUT_MIN_P
    # entropy of (.5,.25,.15,.1) ≈ 1.2080; |−ln p − H|: .5→.515, .25→.178, .15→.689, .1→1.095
    rows = reshape.reshape(c, Settings(typical_p=0.3))
    # .25 alone (25 %) does not reach 0.3, so the next most typical (.5) joins it
    assert [r.status for r in rows] == [NUCLEUS, NUCLEUS, reshape.CUT_TYPICAL, reshape.CUT_TYPICAL]


def test_llamacpp_chain_runs_cut_offs_before_temperature():
    c = cands(0.5, 0.25, 0.15, 0.1)
    s = Settings(temperature=0.5, min_p=0.3, order="top_p_first")
    assert finals(reshape.reshape(c, s)) == pytest.approx([0.25 / 0.335, 0.0625 / 0.335, 0.0225 / 0.335, 0])


@pytest.mark.parametrize("top_p, kept", [
    (0.7, {0, 1}),        # 0.4 + 0.3 reaches 0.7 exactly
    (0.71, {0, 1, 2}),
    (0.4, {0}),
    (0.0, {0}),           # at least one token
    (1.0, {0, 1, 2, 3}),
])
def test_nucleus_smallest_set_reaching_p(top_p, kept):
    assert reshape.nucleus([0.4, 0.3, 0.2, 0.1], top_p) == kept


def test_nucleus_boundary_ties_are_kept_together():
    # 0.4 < 0.5, adding a 0.2 reaches it; the other two 0.2s tie with it and stay.
    assert reshape.nucleus([0.4, 0.2, 0.2, 0.2], 0.5) == {0, 1, 2, 3}
    assert reshape.nucleus([0.5, 0.25, 0.25], 0.6) == {0, 1, 2}
    # Not a tie at the boundary: reaching p with the first token stops there.
    assert reshape.nucleus([0.5, 0.25, 0.25], 0.5) == {0}
    # Order of the input does not matter.
    assert reshape.nucleus([0.2, 0.4, 0.2, 0.2], 0.5) == {0, 1, 2, 3}


def test_top_p_renormalises_and_greys_the_rest():
    rows = reshape.reshape(cands(0.4, 0.3, 0.2, 0.1), Settings(top_p=0.7))
    assert finals(rows) == pytest.approx([4 / 7, 3 / 7, 0, 0])
    assert [r.status for r in rows] == [NUCLEUS, NUCLEUS, OUTSIDE, OUTSIDE]
    assert [r.sampleable for r in rows] == [True, True, False, False]


def test_order_of_temperature_and_top_p():
    c = cands(0.5, 0.25, 0.25)
    s = dict(temperature=0.5, top_p=0.6)
    # Temperature first: (2/3, 1/6, 1/6); 2/3 already reaches 0.6.
    assert finals(reshape.reshape(c, Settings(**s, order="temperature_first"))) == pytest.approx([1, 0, 0])
    # top_p first (llama.cpp): 0.5 < 0.6, then the tied 0.25s are all kept; temperature applies after.
    assert finals(reshape.reshape(c, Settings(**s, order="top_p_first"))) == pytest.approx([2 / 3, 1 / 6, 1 / 6])


def test_penalties_formula():
    # ids 10, 11, 12; id 11 appeared twice, id 12 once.
    c = cands(0.5, 0.25, 0.25)
    rows = reshape.reshape(c, Settings(presence_penalty=0.5, frequency_penalty=0.25, history=(11, 12, 11)))
    # logit −= presence × [count > 0] + frequency × count
    assert [r.adjustment for r in rows] == pytest.approx([0.0, -(0.5 + 0.25 * 2), -(0.5 + 0.25 * 1)])
    assert [r.count for r in rows] == [0, 2, 1]
    w = [0.5, 0.25 * math.exp(-1.0), 0.25 * math.exp(-0.75)]
    assert finals(rows) == pytest.approx([x / sum(w) for x in w])


def test_negative_penalty_favours_repetition():
    rows = reshape.reshape(cands(0.5, 0.5), Settings(presence_penalty=-1.0, history=(11,)))
    assert finals(rows) == pytest.approx([1 / (1 + math.e), math.e / (1 + math.e)])


def test_penalty_helper():
    assert reshape.penalty(0, 2.0, 2.0) == 0
    assert reshape.penalty(3, 0.5, 0.1) == pytest.approx(0.5 + 0.3)


def test_bias_plus_100_forces_a_token():
    rows = reshape.reshape(cands(0.6, 0.3, 0.1), Settings(logit_bias={12: 100}))
    assert finals(rows)[2] == pytest.approx(1.0)
    assert finals(rows)[0] < 1e-40


def test_bias_minus_100_bans_a_token():
    rows = reshape.reshape(cands(0.5, 0.25, 0.25), Settings(logit_bias={10: -100}))
    assert finals(rows) == pytest.approx([0.0, 0.5, 0.5])
    assert rows[0].status == BANNED and not rows[0].sampleable
    # Greedy with the favourite banned picks the next one.
    rows = reshape.reshape(cands(0.5, 0.3, 0.2), Settings(temperature=0, logit_bias={10: -100}))
    assert finals(rows) == [0.0, 1.0, 0.0]


def test_small_bias_nudges():
    rows = reshape.reshape(cands(0.5, 0.5), Settings(logit_bias={11: math.log(3)}))
    assert finals(rows) == pytest.approx([0.25, 0.75])


def test_everything_banned_samples_nothing():
    rows = reshape.reshape(cands(0.5, 0.5), Settings(logit_bias={10: -100, 11: -100}))
    assert sum(finals(rows)) == 0
    assert reshape.sample(rows, 10, 1) == []


def test_sampling_is_seeded_and_follows_the_distribution():
    rows = reshape.reshape(cands(0.5, 0.3, 0.15, 0.05), Settings(top_p=0.8))
    a, b = reshape.sample(rows, 200, 7), reshape.sample(rows, 200, 7)
    assert a == b and a != reshape.sample(rows, 200, 8)
    assert set(a) <= {0, 1}  # outside the nucleus is never drawn
    freqs = reshape.observed_vs_expected(rows, reshape.sample(rows, 20000, 3))
    assert sum(f.observed for f in freqs) == 20000
    assert [f.expected for f in freqs] == pytest.approx([12500, 7500, 0, 0])
    assert freqs[0].observed == pytest.approx(12500, abs=300)  # > 4 standard deviations


def test_candidates_from_an_engine_shaped_entry():
    entry = {"id": 504, "token": "The", "logprob": -1.7, "top_logprobs": [
        {"id": 49, "token": "A", "bytes": [65], "logprob": -1.9},
        {"id": 504, "token": "The", "bytes": [84, 104, 101], "logprob": -1.7},
        {"token": "broken", "logprob": None}]}
    c = reshape.candidates_from_entry(entry)
    assert [x.id for x in c] == [504, 49]
    assert c[1].bytes == (65,)


def test_unknown_order_is_refused():
    with pytest.raises(ValueError, match="order"):
        reshape.reshape(cands(1.0), Settings(order="sideways"))


def test_the_modelled_tail_holds_exactly_the_tokens_and_probability_not_listed():
    listed = [math.log(p) for p in (0.4, 0.2, 0.1)]
    bins = reshape.tail_bins(listed, 0.3, vocab=50_000)
    assert sum(b[0] for b in bins) == pytest.approx(50_000 - 3)
    assert sum(b[0] * math.exp(b[1]) for b in bins) == pytest.approx(0.3)
    assert max(b[1] for b in bins) <= listed[-1]  # every unlisted token is below the last listed one


def _normal_vocabulary(n: int = 50_000, mu: float = -19.0, sigma: float = 3.5) -> list[float]:
    """Logprobs of a vocabulary shaped like a real one (a bell of logprobs), normalised, most likely first."""
    from statistics import NormalDist
    raw = sorted((mu + sigma * NormalDist().inv_cdf((i + 0.5) / n) for i in range(n)), reverse=True)
    top = max(raw)
    log_z = top + math.log(sum(math.exp(x - top) for x in raw))
    return [x - log_z for x in raw]


@pytest.mark.parametrize("temperature", [0.7, 1.5, 2.0])
def test_a_hot_temperature_follows_the_whole_vocabulary(temperature):
    """20 candidates and 980 listed tokens, the rest modelled: the candidates' probabilities at
    temperature T match the whole vocabulary's softmax(logprob / T) within 0.002."""
    vocab = _normal_vocabulary()
    cands = [reshape.Candidate(i, f"t{i}", lp) for i, lp in enumerate(vocab[:20])]
    rows = reshape.reshape(cands, Settings(temperature=temperature, order="top_p_first"),
                           reshape.Tail(tuple(vocab[20:1000]), len(vocab)))
    exact = reshape.softmax(vocab, temperature)[:20]
    assert max(abs(r.final_prob - e) for r, e in zip(rows, exact)) < 0.002


def test_listed_tokens_beyond_the_candidates_are_cut_like_them():
    vocab = _normal_vocabulary()
    cands = [reshape.Candidate(i, f"t{i}", lp) for i, lp in enumerate(vocab[:20])]
    tail = reshape.Tail(tuple(vocab[20:1000]), len(vocab))
    # top_k 100 keeps the 20 candidates and 80 listed tokens: the candidates share what 100 tokens hold
    rows = reshape.reshape(cands, Settings(top_k=100), tail)
    kept = sum(math.exp(x) for x in vocab[:100])
    assert [r.final_prob for r in rows] == pytest.approx([math.exp(x) / kept for x in vocab[:20]], rel=1e-3)
    assert reshape.outside(cands, Settings(top_k=100), tail)[1] == pytest.approx(1 - sum(math.exp(x) for x in vocab[:20]) / kept, abs=1e-3)
