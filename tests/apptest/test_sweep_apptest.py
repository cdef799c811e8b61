"""AppTest of the Sweep page on the embedded model: temperature 0, 1, 1.5 × 3 repeats."""
import json

import pytest
from streamlit.testing.v1 import AppTest

from support.apptest import settle

pytestmark = pytest.mark.engine
PAGE = "../../pages/3_Sweep.py"


def _app():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _elements(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _elements(child)


def test_temperature_sweep_charts_three_points_per_series_and_t0_repeats_are_identical():
    at = _app()
    assert at.text_input(key="w.sw.v1").value == "0, 1, 1.5" and at.number_input(key="w.sw.repeats").value == 3
    at.session_state["sw.base"]["max_tokens"] = 24
    at.run()
    assert any("9 requests" in i.value and "3 cells × 3 repeats" in i.value for i in at.info)
    at.button(key="sw.go").click()
    settle(at, 240)
    assert not at.exception
    run = at.session_state["sw.run"]
    assert run.finished and run.done_count == 9 and all(r.status == "ok" for r in run.results)

    df = at.session_state["sw.chart_data"]
    points = df.groupby("metric")["temperature"].apply(sorted).to_dict()
    for metric in ("output_tokens", "distinct_1", "distinct_2", "mean_similarity", "latency_s", "ttft_s", "cost"):
        assert points[metric] == [0.0, 1.0, 1.5], metric
    charts = [e for e in _elements(at._tree) if "vega" in str(getattr(e, "type", ""))]
    assert len(charts) == 1
    spec = json.loads(charts[0].proto.spec)
    assert spec["facet"]["field"] == "title" and spec["spec"]["encoding"]["x"]["field"] == "temperature"

    started = at.session_state["sw.started"]
    t0 = [r.choices[0].text for j, r in zip(started.jobs, run.results) if j.cell == 0]
    assert len(t0) == 3 and len(set(t0)) == 1 and t0[0]
    table = at.session_state["sw.table"]
    assert table.loc[table.temperature == 0.0, "mean_similarity"].item() == 1.0
    assert table.loc[table.temperature == 1.5, "mean_similarity"].item() < 1.0
    # every cell's outputs can be opened
    at.selectbox(key="sw.cell").set_value(2).run()
    assert sum(m.value.startswith("**Repeat ") for m in at.markdown) == 3


def test_large_sweeps_need_confirmation():
    at = _app()
    at.number_input(key="w.sw.repeats").set_value(10).run()
    assert any("30 requests" in i.value for i in at.info)
    assert at.button(key="sw.go").disabled
    at.checkbox(key="sw.confirm").check().run()
    assert not at.button(key="sw.go").disabled


def test_bad_values_name_the_field_and_block_the_run():
    at = _app()
    at.text_input(key="w.sw.v1").set_value("0, hot").run()
    assert any(e.value == "temperature values: 'hot' is not a number" for e in at.error)
    assert at.button(key="sw.go").disabled
    at.text_input(key="w.sw.v1").set_value("0, 1")
    at.selectbox(key="w.sw.p2").set_value("top_p").run()
    at.text_input(key="w.sw.v2").set_value("0.5, 1").run()
    assert not at.error
    assert any("12 requests" in i.value and "4 cells × 3 repeats" in i.value for i in at.info)


def test_seed_check_tab():
    at = _app()
    at.session_state["sw.base"]["max_tokens"] = 20
    at.session_state["sw.base"]["temperature"] = 1.3
    at.run()
    at.button(key="sw.seed.go").click()
    settle(at)
    assert not at.exception
    assert any("All 3 replies with seed 42 are identical" in s.value for s in at.success)


def test_json_schema_sweep_charts_parse_and_valid_rates():
    """max_tokens 6 cuts the schema-constrained JSON short (not JSON), 200 lets it finish (valid):
    the two new charts show the rates per cell."""
    from paramlab.request import structured
    at = _app()
    at.selectbox(key="w.sw.p1").set_value("max_tokens").run()
    at.text_input(key="w.sw.v1").set_value("6, 200").run()
    at.number_input(key="w.sw.repeats").set_value(2).run()
    at.checkbox(key="sw.pp.response_format.on").check().run()
    at.radio(key="sw.pp.response_format.v").set_value("json_schema").run()
    at.selectbox(key="sw.pp.response_format.v.js.example").set_value("person").run()
    assert at.session_state["sw.base"]["response_format"]["json_schema"] == structured.EXAMPLES["person"]
    at.checkbox(key="sw.pp.seed.on").check().run()  # a fixed seed: the same replies on every run
    at.button(key="sw.go").click().run(timeout=240)
    assert not at.exception
    table = at.session_state["sw.table"]
    assert table.loc[table.max_tokens == 6, "json_parse_rate"].item() == 0.0
    assert table.loc[table.max_tokens == 200, "json_parse_rate"].item() == 1.0
    assert table.loc[table.max_tokens == 200, "schema_valid_rate"].item() == 1.0
    df = at.session_state["sw.chart_data"]
    titles = set(df["title"])
    assert {"JSON-parse rate (share of replies)", "Schema-valid rate (share of replies)"} <= titles
