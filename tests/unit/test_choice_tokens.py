"""The tokens of each of n choices: a request counts its completion tokens once, for all of them;
ParamLab counts a choice exactly where that count allows and scales its estimates elsewhere."""
from __future__ import annotations

import pytest

from paramlab.client.assembly import Delta
from paramlab.client.result import ChatResult, Choice, Metrics, Usage
from paramlab.runs import run as runs
from paramlab.runs.choice import choice_result


def _done(body, choices, usage):
    run = runs.Run.start(len(choices), [body])
    run.on_done(0, ChatResult(status="ok", choices=[Choice(i, text, finish_reason=fr) for i, (text, fr)
                                                    in enumerate(choices)], usage=usage))
    return [(s.completion_tokens, s.tokens_estimated) for s in run.slots]


CUT = "Here are three other colours: Red: The most common colour, but there are many more colours that are not"


def test_a_choice_cut_by_max_tokens_has_exactly_that_many_and_the_other_the_rest():
    # the embedded engine's reply to n=2, max_tokens=24: it showed "26 (est.)" for a choice cut at 24
    got = _done({"model": "m", "n": 2, "max_tokens": 24}, [(CUT, "length"), ("1. Blue\n2. Gold\n3. White", "stop")],
                Usage(24, 31, 55))
    assert got == [(24, False), (7, False)]


def test_max_completion_tokens_counts_too_and_several_others_share_the_rest_as_estimates():
    got = _done({"model": "m", "n": 3, "max_completion_tokens": 10},
                [("a b c d e f g h i j k", "length"), ("short", "stop"), ("a longer reply here", "stop")],
                Usage(5, 30, 35))
    assert got[0] == (10, False)
    assert [e for _, e in got[1:]] == [True, True] and sum(t for t, _ in got[1:]) == 20
    assert got[1][0] < got[2][0]


def test_estimates_stay_when_the_count_is_not_exact_or_does_not_fit():
    body, choices = {"model": "m", "n": 2, "max_tokens": 24}, [(CUT, "length"), ("Blue.", "stop")]
    assert all(est for _, est in _done(body, choices, Usage(24, 31, 55, estimated=True)))
    assert all(est for _, est in _done(body, choices, Usage(24, 20, 44)))  # less than the cut one alone
    # a reasoning model's max_completion_tokens includes its thinking: the cut choice's text is not 24
    assert all(est for _, est in _done(body, choices, Usage(24, 31, 55, reasoning_tokens=12)))


def test_a_choices_cost_is_an_even_share_of_the_prompt_and_its_own_output():
    run = runs.Run.start(2, [{"model": "m", "n": 2, "max_tokens": 24}])
    priced = Metrics(cost=0.0010, cost_parts={"dollars": {"input": 0.0004, "output": 0.0006}})
    run.on_done(0, ChatResult(status="ok", usage=Usage(24, 30, 54), metrics=priced, choices=[
        Choice(0, CUT, finish_reason="length"), Choice(1, "Blue, gold and white.", finish_reason="stop")]))
    # 24 of the 30 output tokens are choice 1's: $0.0002 of the prompt + 0.8 × $0.0006 (the even split
    # gave each $0.0005)
    assert [s.cost for s in run.slots] == pytest.approx([0.0002 + 0.00048, 0.0002 + 0.00012])
    assert sum(s.cost for s in run.slots) == pytest.approx(0.0010) and all(s.cost_share for s in run.slots)


def _delta(index: int, text: str) -> Delta:
    return Delta(index, text)


def test_a_single_choice_turn_carries_the_requests_own_measurements():
    """A stopped reply showed latency 2.45 s in its turn and 2.548 s on the Usage page: the turn
    took the times the page saw tokens arrive, the ledger the request's end. One choice, one
    request: the turn now shows what the ledger has; with n > 1 each choice keeps its own times."""
    run = runs.Run.start(1, [{"model": "m"}])
    t0 = run.started
    run.on_delta(0, _delta(0, "Once upon"), now=t0 + 0.399)
    run.on_delta(0, _delta(0, " a time"), now=t0 + 2.45)
    measured = Metrics(ttft_s=0.397, latency_s=2.548, tokens_per_s=41.9)
    run.on_done(0, ChatResult(status="stopped", choices=[Choice(0, "Once upon a time")], usage=Usage(32, 86, 118),
                              metrics=measured))
    m = choice_result(run, 0).metrics
    assert (m.ttft_s, m.latency_s, m.tokens_per_s) == (0.397, 2.548, 41.9)
    cells = {label: value for label, value, _ in runs.slot_metrics(run.slots[0])}  # the pane's row
    assert (cells["TTFT"], cells["Latency"], cells["Tokens/s"]) == ("397 ms", "2.55 s", "41.9")

    two = runs.Run.start(2, [{"model": "m", "n": 2}])
    two.on_delta(0, _delta(0, "a"), now=two.started + 0.3)
    two.on_delta(0, _delta(1, "b"), now=two.started + 0.5)
    two.on_delta(0, _delta(1, " c"), now=two.started + 1.5)
    two.on_delta(0, _delta(0, " d"), now=two.started + 2.0)
    two.on_done(0, ChatResult(status="ok", choices=[Choice(0, "a d", finish_reason="stop"),
                                                    Choice(1, "b c", finish_reason="stop")],
                              usage=Usage(5, 4, 9), metrics=Metrics(ttft_s=0.29, latency_s=2.1)))
    assert (choice_result(two, 1).metrics.ttft_s, choice_result(two, 1).metrics.latency_s) == pytest.approx((0.5, 1.5))
