"""Compare and Sweep runs on the embedded engine, with failing endpoints next to working ones."""
import pytest

from paramlab.experiments import compare
from paramlab.experiments import seedcheck
from paramlab.experiments import sweep
from paramlab.client.chat import ChatClient
from paramlab.runs.live import LiveRun
from paramlab.runs.parallel import Job
from paramlab.client.retry import RetryPolicy
from paramlab.experiments.sweep import Axis, SweepPlan

from support.failing_servers import closed_port, endpoint, server_500

pytestmark = pytest.mark.engine
MSGS = [{"role": "user", "content": "Name three colours."}]


def _body(model, **params):
    pane = compare.Pane("e", model, {"max_tokens": 24, **params})
    return compare.body_for(pane, MSGS)


def test_panes_stream_together_and_a_failing_pane_does_not_stop_the_others(engine_client, engine_endpoint):
    model = engine_endpoint.models[0]
    broken = ChatClient(endpoint("Closed", f"http://127.0.0.1:{closed_port()}/v1"), retry=RetryPolicy(max_retries=0))
    with server_500() as url:
        crashing = ChatClient(endpoint("Crashing", url), retry=RetryPolicy(max_retries=0))
        jobs = [Job(engine_client, _body(model, temperature=0.0), {"page": "compare"}),
                Job(broken, _body("broken-model"), {"page": "compare"}),
                Job(engine_client, _body(model, temperature=1.0), {"page": "compare"}),
                Job(crashing, _body("broken-model"), {"page": "compare"})]
        run = LiveRun(jobs, max_workers=6)
        seen_streaming = set()
        while not run.finished:
            run.wait(0.02)
            seen_streaming |= {j for j in (0, 2) if run.streaming(j)}
    ok0, closed, ok2, crashed = run.results
    assert ok0.status == "ok" and ok0.choices[0].text and ok2.status == "ok" and ok2.choices[0].text
    assert closed.status == "error" and "could not connect" in closed.error
    assert crashed.status == "error" and "the model crashed" in crashed.error
    assert run.text(0) == ok0.choices[0].text
    assert seen_streaming == {0, 2}  # partial text was observed in both working panes


def test_cancel_keeps_partial_text(engine_client, engine_endpoint):
    body = _body(engine_endpoint.models[0], max_tokens=400)
    body["messages"] = [{"role": "user", "content": "Write a very long story about a dragon."}]
    run = LiveRun([Job(engine_client, dict(body)), Job(engine_client, dict(body))], max_workers=2)
    while not (run.text(0) and run.text(1)):
        run.wait(0.02)
    run.cancel()
    results = run.wait()
    assert [r.status for r in results] == ["stopped", "stopped"]
    assert all(r.choices and r.choices[0].text for r in results)


def test_sweep_cells_with_failures_keep_the_error_and_the_rest_runs(engine_client, engine_endpoint):
    plan = SweepPlan({"max_tokens": 12}, [Axis("temperature", (0.0, 1.0))], repeats=2)
    jobs = plan.jobs()
    broken = ChatClient(endpoint("Closed", f"http://127.0.0.1:{closed_port()}/v1"), retry=RetryPolicy(max_retries=0))
    run_jobs = []
    for j in jobs:
        client = broken if (j.cell, j.repeat) == (1, 0) else engine_client
        run_jobs.append(Job(client, compare.body_for(compare.Pane("e", engine_endpoint.models[0], j.params), MSGS)))
    run = LiveRun(run_jobs, max_workers=4)
    run.wait()
    cells = sweep.collect(plan, jobs, run.results)
    rows = sweep.results_table(cells)
    assert [r["errors"] for r in rows] == [0, 1]
    assert "could not connect" in cells[1].errors()[0]
    assert rows[0]["mean_similarity"] == 1.0  # temperature 0: identical repeats
    assert rows[1]["output_tokens"] > 0       # the other repeat of the failing cell still answered


def test_seed_check_reports_identical_replies_with_a_fixed_seed(engine_client, engine_endpoint):
    body = _body(engine_endpoint.models[0], temperature=1.2, max_tokens=30)
    report = seedcheck.run(engine_client, body, k=3, seed=7, context={"page": "sweep"})
    assert [r.request["seed"] for r in report.results] == [7, 7, 7]
    assert report.identical is True, report.texts
    assert "identical" in report.verdict()
    # without a seed, temperature 1.2 replies differ (else the check above could not fail)
    other = seedcheck.SeedReport(0, [engine_client.run({**body, "seed": s}) for s in (1, 2, 3)])
    assert other.identical is False and "different replies" in other.verdict()


def test_seed_check_needs_two_to_ten_requests(engine_client):
    with pytest.raises(Exception, match="k: must be 2 to 10"):
        seedcheck.jobs(engine_client, {"model": "m", "messages": MSGS}, k=1, seed=1)
