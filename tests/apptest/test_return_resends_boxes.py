"""A return to the Playground made before the other page's run has ended: that run is interrupted
before Streamlit clears the boxes it did not draw, so the server still holds the draft while the
browser, which began drawing the other page, has dropped it; unless the value is sent again the
box shows empty (seen in Chromium: tests/browser/test_navigation_browser.py). So on the first run
after another page, every widget seeded through state.keep (the boxes kept in plain keys, the
parameter panel's ticks and values) sends its value again."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_widgets_send_their_value_again_on_the_first_run_after_another_page():
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120).run()
    at.text_area(key="w.prompt").set_value("my draft").run()
    at.text_area(key="w.system").set_value("Be brief.").run()
    at.checkbox(key="pp.temperature.on").check().run()
    at.slider(key="pp.temperature.v").set_value(0.3).run()
    at.toggle(key="w.stream").set_value(False).run()
    assert not at.text_area(key="w.prompt").proto.set_value  # a plain rerun leaves the browser's value
    at.session_state["pl.page"] = "Usage"  # the last full run drew Usage and was cut short
    at.run()
    for key, text in (("w.prompt", "my draft"), ("w.system", "Be brief.")):
        box = at.text_area(key=key)
        assert box.proto.set_value and box.proto.value == text, key
    tick, value = at.checkbox(key="pp.temperature.on"), at.slider(key="pp.temperature.v")
    assert tick.proto.set_value and tick.value is True  # shown ticked: it is sent
    assert value.proto.set_value and value.value == 0.3
    stream = at.toggle(key="w.stream")  # the Request section's switches
    assert stream.proto.set_value and stream.value is False
    picker = at.selectbox(key="w.endpoint.pick")  # the endpoint picker (state's own helper)
    assert picker.proto.set_value and picker.value == at.session_state["pl.endpoint"]
    at.run()
    assert not at.text_area(key="w.prompt").proto.set_value  # once per entry, not on every run


def test_the_labs_controls_send_their_value_again_after_an_entry():
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120).run()
    at.switch_page("pages/6_Distribution_Lab.py").run()
    assert not at.exception, at.exception
    at.slider(key="lab.w.temperature").set_value(1.7).run()
    at.text_area(key="lab.w.lab.user").set_value("Name a fruit.").run()
    assert not at.slider(key="lab.w.temperature").proto.set_value
    # AppTest runs a page it switched to without the entry script's router: count the entry here
    at.session_state["pl.page_entry"] = at.session_state["pl.page_entry"] + 1
    at.run()
    temperature, box = at.slider(key="lab.w.temperature"), at.text_area(key="lab.w.lab.user")
    assert temperature.proto.set_value and temperature.value == 1.7
    assert box.proto.set_value and box.value == "Name a fruit."


def test_the_guides_language_is_sent_again_after_an_entry():
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120).run()
    at.switch_page("pages/5_Parameter_Guide.py").run()
    assert not at.exception, at.exception
    at.segmented_control(key="guide.w.lang").set_value("zh").run()
    assert at.session_state["guide.lang"] == "zh"
    assert not at.segmented_control(key="guide.w.lang").proto.set_value
    at.session_state["pl.page_entry"] = at.session_state["pl.page_entry"] + 1  # as in the Lab's test
    at.run()
    lang = at.segmented_control(key="guide.w.lang")
    assert lang.proto.set_value and lang.value == "zh"
