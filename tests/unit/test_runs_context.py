"""Run bookkeeping (n panes, fan-out, stop) and the context count."""
from paramlab.request import context
from paramlab.runs import run as runs
from paramlab.request import schema
from paramlab.client.assembly import Delta
from paramlab.client.chat import ChatClient
from paramlab.client.result import ChatResult, Choice


def test_plan_splits_for_n_parallel_and_ollama():
    b = {"model": "m", "messages": [], "n": 6}
    p = runs.plan(b, "embedded", max_n=4)
    assert [x["n"] for x in p.bodies] == [4, 2] and "n_parallel" in p.note
    p = runs.plan(b, "ollama")
    assert [x["n"] for x in p.bodies] == [1] * 6 and "ignores n" in p.note
    assert runs.plan(b, "openai").bodies == [b]


def test_short_reply_is_fanned_out():
    run = runs.Run.start(3, [{"n": 3}])
    run.on_done(0, ChatResult(choices=[Choice(0, "only one", finish_reason="stop")]))
    assert run.missing() == 2
    ids = run.refill(runs.fanout_bodies({"n": 3, "model": "m"}, 2))
    assert ids == [1, 2] and all(run.bodies[i]["n"] == 1 for i in ids)
    assert [s.job for s in run.slots] == [0, 1, 2]
    run.on_delta(1, Delta(0, "two"))
    assert run.slots[1].text == "two"


def test_stop_keeps_text():
    run = runs.Run.start(2, [{"n": 2}])
    run.on_delta(0, Delta(1, "partial"))
    run.stop()
    assert run.slots[1].text == "partial" and run.slots[1].status == "stopped" and run.missing() == 0


def test_run_with_n3_streams_all_choices_before_any_finishes(engine_endpoint):
    """The engine interleaves n=3 choices: each gets text before the first finishes."""
    body = schema.build_body("m", [{"role": "user", "content": "Write a long story about a cat."}],
                             {"n": 3, "max_tokens": 60, "temperature": 1.0, "stream": True})
    run = runs.start(ChatClient(engine_endpoint), body, "embedded", max_n=4)
    seen_before_done = False
    while run.live.live:
        with run.live.lock:
            if not any(s.status == "ok" for s in run.slots) and all(s.text for s in run.slots):
                seen_before_done = True
        run.live.wait(0.01)
    assert seen_before_done and run.status == "done"
    assert all(s.status == "ok" and s.finish_reason for s in run.slots)
    assert all(s.first_at is not None and s.completion_tokens for s in run.slots)


def test_context_count_is_exact_on_the_engine(engine_endpoint, engine_client):
    msgs = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name three colours."}]
    c = context.count(msgs, engine_endpoint, "m", reply_budget=100)
    assert c.exact and c.window == engine_endpoint.context_window
    r = engine_client.complete({"model": "m", "messages": msgs, "max_tokens": 1})
    assert c.prompt_tokens == r.usage.prompt_tokens


def test_context_estimate_is_labelled_and_warns():
    c = context.count([{"role": "user", "content": "x" * 4000}], None, "gpt-4", reply_budget=8000)
    assert not c.exact and "estimate" in c.source and c.window == 8192
    assert "exceeds" in c.warning()
    assert context.count([{"role": "user", "content": "hi"}], None, "unknown-model").window is None
