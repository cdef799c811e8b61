"""AppTest of the Distribution Lab's cut-offs on the embedded engine: top_p on the model's real
probabilities (the issue's "Name a colour." case), top_k and min_p, the sampler order from the
registry, and the table's real / renormalised columns."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
LAB = "pages/6_Distribution_Lab.py"


@pytest.fixture
def lab(engine_endpoint):
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120)
    at.switch_page(LAB).run()
    at.button(key="lab.b.fetch").click().run()
    assert not at.exception, at.exception
    return at


def kept(at) -> int:
    text = next(c.value for c in at.caption if "candidates can be sampled" in c.value)
    return int(text.split(" of ")[0])


def test_order_follows_the_backend_and_nothing_is_cut_at_first(lab):
    assert lab.session_state["lab.settings"]["order"] == "top_p_first"  # llama.cpp's chain, from the registry
    assert kept(lab) == 20


def test_top_p_half_keeps_the_tokens_whose_real_probabilities_reach_it(lab):
    dist = lab.session_state["lab.dist"]
    import math
    real = [math.exp(c.logprob) for c in dist.candidates]
    expected = next(i + 1 for i in range(len(real)) if sum(real[:i + 1]) >= 0.5)
    renormalised = next(i + 1 for i in range(len(real)) if sum(real[:i + 1]) / sum(real) >= 0.5)
    assert expected > renormalised  # the case the issue describes: the 20 renormalised keep fewer
    lab.slider(key="lab.w.top_p").set_value(0.5).run()
    assert kept(lab) == expected
    table = next(d for d in lab.dataframe if "model p" in d.value.columns).value
    assert list(table["model p"]) == pytest.approx(real)
    assert (table["of these"] > 0).sum() == renormalised


def test_top_k_and_min_p(lab):
    assert "Other samplers and their order · none reshapes" in [e.label for e in lab.expander]
    lab.slider(key="lab.w.top_k").set_value(3).run()
    assert kept(lab) == 3
    # the folded section's title names what reshapes besides the slider in focus (temperature)
    assert "Other samplers and their order · top_k\u00a03" in [e.label for e in lab.expander]
    lab.slider(key="lab.w.top_k").set_value(0).run()
    lab.slider(key="lab.w.min_p").set_value(0.5).run()  # tokens at least half as likely as the top one
    dist = lab.session_state["lab.dist"]
    top = max(c.logprob for c in dist.candidates)
    import math
    assert kept(lab) == sum(1 for c in dist.candidates if math.exp(c.logprob - top) >= 0.5)


def test_the_guide_link_puts_top_k_in_focus(engine_endpoint):
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120)
    at.query_params["param"] = "top_k"
    at.switch_page(LAB).run()
    assert not at.exception, at.exception
    assert at.session_state["lab.param"] == "top_k"
    assert any(i.value.startswith("**top_k** — Keeps the k most likely tokens") for i in at.info)
