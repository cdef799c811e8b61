"""Sweep planning, confirmation threshold and the results table. Pure Python."""
import pytest

from paramlab.request import schema
from paramlab.experiments import sweep
from paramlab.client.result import ChatResult, Choice, Metrics, Usage
from paramlab.experiments.sweep import Axis, SweepPlan


def test_parse_values_types_and_dedupes():
    assert sweep.parse_values("temperature", "0, 0.5; 1\n1.5, 1") == [0.0, 0.5, 1.0, 1.5]
    assert sweep.parse_values("max_tokens", "16,32") == [16, 32]


@pytest.mark.parametrize("name,text,needle", [
    ("temperature", "0, hot", "'hot' is not a number"),
    ("temperature", "0, 2.5", "between 0 and 2"),
    ("max_tokens", "1.5", "not an integer"),
    ("temperature", " , ", "at least one value"),
])
def test_parse_values_errors_name_the_field(name, text, needle):
    with pytest.raises(schema.ValidationError) as e:
        sweep.parse_values(name, text)
    assert e.value.errors[0].field == f"{name} values"
    assert needle in str(e.value)


def test_non_numeric_parameter_cannot_be_swept():
    with pytest.raises(schema.ValidationError, match="numeric"):
        sweep.parse_values("stop", "a, b")
    assert "temperature" in sweep.SWEEPABLE and "stop" not in sweep.SWEEPABLE


def test_two_axes_make_a_grid_and_repeats_multiply_requests():
    plan = SweepPlan({"max_tokens": 16, "temperature": None},
                     [Axis("temperature", (0.0, 0.5, 1.0, 1.5)), Axis("top_p", (0.5, 1.0))], repeats=3)
    cells = plan.cells()
    assert len(cells) == 8 and plan.request_count == 24
    assert cells[1].values == {"temperature": 0.0, "top_p": 1.0}
    assert cells[1].label() == "temperature=0, top_p=1"
    jobs = plan.jobs()
    assert len(jobs) == 24
    assert jobs[0].params == {"max_tokens": 16, "temperature": 0.0, "top_p": 0.5}
    # repeats are interleaved: the first 8 jobs cover every cell once
    assert sorted(j.cell for j in jobs[:8]) == list(range(8))


def test_plan_validation():
    assert SweepPlan({}, [Axis("temperature", (0.0,))], 1).validate() == []
    errs = SweepPlan({}, [Axis("temperature", (0.0,)), Axis("temperature", (1.0,))], 0).validate()
    assert {e.field for e in errs} == {"parameters", "repeats"}


def test_worst_case_total_is_unknown_when_any_request_is():
    jobs = SweepPlan({}, [Axis("temperature", (0.0, 1.0))], 2).jobs()
    assert sweep.worst_case_total(jobs, lambda j: 0.01) == pytest.approx(0.04)
    assert sweep.worst_case_total(jobs, lambda j: None if j.cell == 1 else 0.01) is None


def test_worst_case_prices_each_cell_once():
    jobs = SweepPlan({}, [Axis("temperature", (0.0, 1.0, 2.0))], 4).jobs()
    priced = []
    total = sweep.worst_case_total(jobs, lambda j: priced.append(j.cell) or 0.5 * (j.cell + 1))
    assert sorted(priced) == [0, 1, 2]
    assert total == pytest.approx(4 * (0.5 + 1.0 + 1.5))


def test_confirmation_threshold():
    assert not sweep.needs_confirmation(12, 0.0)
    assert sweep.needs_confirmation(21, 0.0)
    assert sweep.needs_confirmation(5, 0.5)
    assert sweep.needs_confirmation(5, None)  # unknown cost must be confirmed


def _res(text, tokens, latency, status="ok", cost=0.001):
    return ChatResult(status=status, choices=[Choice(0, text, finish_reason="stop")] if text else [],
                      usage=Usage(5, tokens, tokens + 5), error=None if status == "ok" else "boom",
                      metrics=Metrics(ttft_s=0.1, latency_s=latency, cost=cost))


def test_results_table_and_chart_rows():
    plan = SweepPlan({}, [Axis("temperature", (0.0, 1.0))], repeats=2)
    jobs = plan.jobs()  # cell order: 0, 1, 0, 1
    results = [_res("same words here", 3, 1.0), _res("a cat", 2, 2.0),
               _res("same words here", 3, 3.0), _res("", 0, 0.5, status="error")]
    cells = sweep.collect(plan, jobs, results)
    rows = sweep.results_table(cells)
    assert rows[0]["temperature"] == 0.0 and rows[0]["mean_similarity"] == 1.0
    assert rows[0]["latency_s"] == 2.0 and rows[0]["output_tokens"] == 3 and rows[0]["cost"] == pytest.approx(0.002)
    assert rows[1]["errors"] == 1 and rows[1]["requests"] == 2 and rows[1]["mean_similarity"] is None
    assert cells[1].errors() == ["boom"]
    long = sweep.chart_rows(rows, ["temperature"])
    # no JSON was asked for: the JSON-parse and schema-valid rates are not charted
    assert {r["metric"] for r in long} == set(sweep.METRICS) - {"json_parse_rate", "schema_valid_rate"}
    assert not [r for r in long if r["temperature"] == 1.0 and r["metric"] == "mean_similarity"]


def test_unfinished_jobs_are_left_out():
    plan = SweepPlan({}, [Axis("temperature", (0.0, 1.0))], repeats=1)
    cells = sweep.collect(plan, plan.jobs(), [_res("x", 1, 1.0), None])
    assert len(sweep.results_table(cells)) == 1


def test_system_prompts_are_swept_one_per_line():
    text = "  Answer in French.\n\n(none)\nBe terse.\nAnswer in French.\n"
    assert sweep.parse_values(sweep.SYSTEM, text) == ["Answer in French.", "", "Be terse."]  # blanks, repeats dropped
    with pytest.raises(schema.ValidationError) as e:
        sweep.parse_values(sweep.SYSTEM, " \n\n")
    assert str(e.value.errors[0]) == "system prompt values: type at least one prompt, one per line ((none) for none)"
    with pytest.raises(schema.ValidationError, match="at most 12 prompts, got 13"):
        sweep.parse_values(sweep.SYSTEM, "\n".join(f"Prompt {i}." for i in range(13)))


def test_a_swept_system_prompt_replaces_the_conversations_and_is_never_a_parameter():
    french, german = "You are a helpful assistant. Answer in French.", "You are a helpful assistant. Answer in German."
    plan = SweepPlan({"max_tokens": 4}, [Axis(sweep.SYSTEM, (french, german, "")), Axis("temperature", (0.0, 1.0))])
    # prompts that begin alike stay apart in every label: numbered
    assert [c.label() for c in plan.cells()[::2]] == [
        "system prompt=#1 “You are a helpful…”, temperature=0", "system prompt=#2 “You are a helpful…”, temperature=0",
        "system prompt=#3 none, temperature=0"]
    convo = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    bodies = [sweep.split_job(j.params, convo) for j in plan.jobs()]
    assert [p for p, _ in bodies[:2]] == [{"max_tokens": 4, "temperature": 0.0}, {"max_tokens": 4, "temperature": 1.0}]
    assert [m[0]["content"] for _, m in bodies[:4]] == [french, french, german, german]
    assert bodies[4][1] == [{"role": "user", "content": "Hi"}]  # (none): no system prompt at all
    assert sweep.split_job({"temperature": 1}, convo) == ({"temperature": 1}, convo)  # nothing swept: as it was


def test_system_prompt_cells_chart_by_label_with_the_full_prompt_in_the_table():
    from components.sweep import charts
    plan = SweepPlan({}, [Axis(sweep.SYSTEM, ("Answer in French.", ""))])
    cells = [sweep.CellResult(c, [_res("Bonjour la mer.", 5, 0.2)]) for c in plan.cells()]
    rows = sweep.results_table(cells)
    assert [(r["system prompt"], r["system prompt text"]) for r in rows] == [
        ("#1 “Answer in French.”", "Answer in French."), ("#2 none", "")]
    df = charts.chart_frame(sweep.chart_rows(rows, [sweep.SYSTEM]))
    assert sorted(set(df["system prompt"])) == ["#1 “Answer in French.”", "#2 none"]
    spec = charts.build(df, [sweep.SYSTEM]).to_dict()
    enc = spec["spec"]["encoding"]
    assert enc["x"] == {"field": "system prompt", "type": "nominal", "title": "system prompt",
                        "axis": {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')[0]"}}  # "#1", "#2"
    assert enc["color"] == {"field": "system prompt", "type": "nominal", "title": "system prompt",  # names them,
                            "legend": {"direction": "vertical", "labelLimit": 600, "orient": "bottom"}}  # below
    assert spec["spec"]["mark"]["type"] == "point"  # unordered prompts are not joined by a line
