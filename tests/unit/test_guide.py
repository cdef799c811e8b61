"""The guide covers every parameter in both languages, takes ranges from the schema, and is exact
where popular write-ups are wrong."""
import re
from dataclasses import replace

import pytest

from paramlab.lab import guide
from paramlab.request.schema import PARAMS

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_parameter_has_an_entry():
    assert guide.missing_entries() == []
    assert [v.name for v in guide.views("en")] == list(PARAMS)


@pytest.mark.parametrize("name", list(PARAMS))
def test_both_languages_are_complete(name):
    en, zh = guide.view(name, "en"), guide.view(name, "zh")
    for field in ("what", "interactions", "mistakes", "lab"):
        assert getattr(en, field).strip(), f"{name}.{field} (en) is empty"
        assert CJK.search(getattr(zh, field)), f"{name}.{field} (zh) has no Chinese"
        assert not CJK.search(getattr(en, field)), f"{name}.{field} (en) has Chinese"


def test_range_and_default_come_from_the_schema(monkeypatch):
    assert guide.view("temperature", "en").range == "0 – 2"
    assert guide.view("temperature", "en").default == "1"
    assert guide.view("presence_penalty", "en").range == "-2 – 2"
    assert guide.view("logit_bias", "en").range.endswith("from -100 to 100")
    assert guide.view("max_tokens", "en").default == "unset: no cap but the context window"
    assert guide.view("max_tokens", "zh").default == "不设置时：不限，只受上下文窗口限制"
    monkeypatch.setitem(PARAMS, "temperature", replace(PARAMS["temperature"], max=3.0, default=0.7))
    assert guide.view("temperature", "zh").range == "0 – 3"
    assert guide.view("temperature", "zh").default == "0.7"


def test_exact_where_write_ups_are_wrong():
    en = {v.name: v for v in guide.views("en")}
    zh = {v.name: v for v in guide.views("zh")}
    assert "independent choices" in en["n"].what and "not a length" in en["n"].what
    assert "独立" in zh["n"].what and "不是长度" in zh["n"].what
    assert "completion only" in en["max_tokens"].what and '"length"' in en["max_tokens"].what
    assert "只限制补全" in zh["max_tokens"].what and '"length"' in zh["max_tokens"].what
    formula = "presence × [count > 0] + frequency × count"
    for lang in (en, zh):
        assert formula in lang["presence_penalty"].interactions
        assert formula in lang["frequency_penalty"].interactions
    assert "presence_penalty × [count > 0]" in en["presence_penalty"].what
    assert "frequency_penalty × count" in en["frequency_penalty"].what
    assert "Temperature 0 is greedy" in en["temperature"].what and "温度 0 即贪心" in zh["temperature"].what
    assert "smallest set" in en["top_p"].what and "最小集合" in zh["top_p"].what


def test_lab_controls_are_parameters():
    assert set(guide.LAB_CONTROLS) <= set(PARAMS)


def test_chinese_summaries_and_groups_cover_every_parameter():
    from paramlab.request.schema import PARAMS
    assert set(guide.SHORT_ZH) == set(PARAMS)
    assert {p.group for p in PARAMS.values()} <= set(guide.GROUP_ZH)
    zh = guide.view("n", "zh")
    assert zh.short == guide.SHORT_ZH["n"] and zh.group == "采样"
    assert guide.view("n", "en").group == "Sampling"


def test_every_parameter_without_one_default_says_what_unset_means_in_both_languages():
    # "the server decides" tells a user nothing: each says what happens (no cap, no tools, …).
    unset = [p for p in PARAMS.values() if p.default is None]
    assert unset
    assert [p.name for p in unset if not p.unset] == []
    assert sorted(guide.UNSET_ZH) == sorted(p.name for p in unset)
    for p in unset:
        assert CJK.search(guide.view(p.name, "zh").default), p.name
        assert guide.view(p.name, "en").default == f"unset: {p.unset}"
