"""AppTest of the Parameter Guide and the Distribution Lab on the embedded engine, and the heatmap."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from support.apptest import settle

from components.common import token_heatmap
from paramlab.request.schema import PARAMS

ROOT = Path(__file__).resolve().parents[2]
GUIDE = "pages/5_Parameter_Guide.py"
LAB = "pages/6_Distribution_Lab.py"


def app(page, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def captions(at):
    return " ".join(c.value for c in at.caption)


def test_guide_lists_every_parameter_with_a_lab_link():
    at = app(GUIDE)
    from paramlab.backends import registry
    # one entry per request parameter, then one per backend sampler (top_k, min_p, ...)
    assert len(at.expander) == len(PARAMS) + len(registry.EXTENSION_NAMES)
    assert [e.label.split("**")[1] for e in at.expander][len(PARAMS):] == list(registry.EXTENSION_NAMES)
    links = at.get("page_link")
    from paramlab.lab import guide_backends  # the backend samplers the Lab has a control for link too
    assert [ln.proto.query_string for ln in links] == [f"param={n}&lang=en" for n in [*PARAMS, *guide_backends.LAB]]
    assert all(ln.proto.page == "Distribution_Lab" for ln in links)
    text = " ".join(m.value for m in at.markdown)
    assert "presence × [count > 0] + frequency × count" in text
    assert "Range:" in text


def test_guide_language_switch_is_remembered():
    at = app(GUIDE)
    at.segmented_control(key="guide.w.lang").set_value("zh").run()
    assert at.session_state["guide.lang"] == "zh"
    text = " ".join(m.value for m in at.markdown)
    assert "取值范围" in text and "温度 0 即贪心" in text
    at.switch_page(LAB).run()
    at.switch_page(GUIDE).run()  # the widget state was dropped; the choice was not
    assert at.segmented_control(key="guide.w.lang").value == "zh"
    assert "取值范围" in " ".join(m.value for m in at.markdown)


def test_lab_preselects_the_parameter_from_the_link():
    at = app(LAB, param="top_p")
    assert at.session_state["lab.param"] == "top_p"
    assert at.selectbox(key="lab.w.param").value == "top_p"
    assert at.slider(key="lab.w.top_p").label == "▶ top_p"
    assert "How this works" in " ".join(m.value for m in at.markdown)


@pytest.mark.engine
def test_lab_distribution_reshape_sample_and_step(engine_endpoint):
    at = app(LAB)
    at.button(key="lab.b.fetch").click()
    settle(at)
    assert not at.exception and not at.error
    assert len(at.get("vega_lite_chart")) == 1
    assert "20 of 20 candidates can be sampled" in captions(at)
    at.slider(key="lab.w.top_p").set_value(0.3).run()
    n = int(captions(at).split(" of 20 candidates")[0].split()[-1])
    assert 1 <= n < 20
    at.slider(key="lab.w.top_p").set_value(1.0).run()
    at.slider(key="lab.w.temperature").set_value(0.0).run()
    assert "1 of 20 candidates can be sampled" in captions(at)
    at.button(key="lab.b.sample").click().run()
    assert "100 draws with seed 1: 1 distinct tokens" in captions(at)
    assert len(at.get("vega_lite_chart")) == 2
    at.slider(key="lab.w.temperature").set_value(1.5).run()
    assert "1 distinct tokens" not in captions(at)  # the draws follow the sliders
    at.button(key="lab.b.step5").click()
    settle(at)
    assert not at.exception
    assert "5 tokens" in " ".join(m.value for m in at.markdown)
    assert len(at.session_state["lab.steps"].steps) == 5


@pytest.mark.engine
def test_lab_bias_helper_and_biased_request(engine_endpoint):
    at = app(LAB)
    at.button(key="lab.b.fetch").click()
    settle(at)
    top = at.session_state["lab.dist"].candidates[0]
    at.text_input(key="lab.w.bias_words").input(top.token.strip()).run()
    at.button(key="lab.b.bias_add").click().run()
    assert not at.error, [e.value for e in at.error]
    assert f"{top.id}: -100" in at.text_area(key="lab.w.lab.bias_text").value
    banned = {int(line.split(":")[0]) for line in at.text_area(key="lab.w.lab.bias_text").value.splitlines()}
    cands = at.session_state["lab.dist"].candidates
    sampleable = len(cands) - sum(1 for c in cands if c.id in banned)  # the word with and without a space
    assert f"{sampleable} of {len(cands)} candidates can be sampled" in captions(at)
    at.button(key="lab.b.send").click()
    settle(at)
    res = at.session_state["lab.sent"]
    assert res.status == "ok" and str(top.id) in res.request["logit_bias"]
    assert top.id not in [t["id"] for t in res.choices[0].logprobs]


def test_lab_keeps_bad_logit_bias_and_names_the_field():
    at = app(LAB)
    at.text_area(key="lab.w.lab.bias_text").input("12: lots").run()
    assert any("logit_bias" in e.value for e in at.error)
    assert at.session_state["lab.bias_text"] == "12: lots"


def test_heatmap_escapes_model_text():
    content = [{"token": "<script>alert(1)</script>", "logprob": -0.1, "top_logprobs": [
        {"token": '"><img src=x onerror=alert(1)>', "logprob": -2.0}]},
        {"token": " ok", "logprob": -3.0, "top_logprobs": []}]
    out = token_heatmap.build_html(content)
    assert "<script>" not in out and "<img" not in out
    assert "&lt;script&gt;" in out and "&quot;&gt;&lt;img" in out
    assert out.count('class="pl-tok"') == 2
    assert token_heatmap.colour(1.0) == "hsl(120, 75%, 78%)" and token_heatmap.colour(0.0).startswith("hsl(0,")


def test_the_chinese_guide_link_opens_a_chinese_lab():
    at = app(GUIDE)
    at.segmented_control(key="guide.w.lang").set_value("zh").run()
    link = at.get("page_link")[0].proto
    assert link.query_string == "param=temperature&lang=zh"
    lab = app(LAB, param="temperature", lang="zh")  # a new tab: only the link's query says the language
    assert lab.title[0].value == "🔬 分布实验室 · Distribution Lab"
    assert lab.button(key="lab.b.fetch").label == "获取下一个词元的分布"
    assert [s.value for s in lab.subheader] == ["逐步生成", "用这些设置发送真实请求"]
    assert lab.text_area(key="lab.w.lab.user").label == "用户消息"
    assert lab.selectbox(key="lab.w.param").label == "当前参数"
    assert "**在实验室中:**" in lab.info[0].value and "原理" in " ".join(m.value for m in lab.markdown)
    lab.segmented_control(key="lab.w.lang").set_value("en").run()  # and back, on the Lab itself
    assert lab.title[0].value == "🔬 Distribution Lab" and lab.session_state["guide.lang"] == "en"
