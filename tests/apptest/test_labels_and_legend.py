"""Small display defects: Compare's pane buttons have short labels with Material icons (no ⧉ glyph
that some fonts draw as a box), and the Lab's legend wraps instead of running off the chart."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

from components.lab import chart as lab_chart

ROOT = Path(__file__).resolve().parents[2]


def test_compare_pane_buttons_fit_and_use_material_icons():
    at = AppTest.from_file(str(ROOT / "pages" / "2_Compare.py"), default_timeout=60).run()
    pane = at.session_state["cmp.panes"][0].id
    clone, remove = at.button(key=f"cmp.{pane}.clone"), at.button(key=f"cmp.{pane}.remove")
    assert (clone.label, clone.proto.icon) == ("Clone", ":material/content_copy:")
    assert (remove.label, remove.proto.icon) == ("Remove", ":material/close:")
    assert [e.label for e in at.expander if "Parameters" in e.label] == ["🎚️ Parameters · sends: server defaults"] * 2
    assert not [b for b in at.button if "⧉" in b.label or "✕" in b.label]


def test_lab_legend_wraps_into_columns():
    from paramlab.lab import reshape
    cands = [reshape.Candidate(i, t, -1.0 - i) for i, t in enumerate(["a", "b", "c"])]
    rows = reshape.reshape(cands, reshape.Settings())
    legend = lab_chart.chart(rows).to_dict()["layer"][0]["encoding"]["color"]["legend"]
    assert legend["columns"] == 3 and legend["labelLimit"] == 0
