"""AppTest of the Compare page on the embedded model, with a broken endpoint in one pane."""

import pytest
from streamlit.testing.v1 import AppTest

from support.apptest import settle
from support.failing_servers import closed_port

pytestmark = pytest.mark.engine
PAGE = "../../pages/2_Compare.py"
KEY = "sk-compare-apptest-secret-987654321"


@pytest.fixture
def broken_config(tmp_path, monkeypatch):
    """A config with the embedded model plus 'Broken' (a closed port, with a key that must never leak)."""
    cfg = tmp_path / "compare-config-with-a-broken-endpoint.yaml"
    cfg.write_text(f"endpoints:\n  - name: Broken\n    base_url: http://127.0.0.1:{closed_port()}/v1\n"
                   f"    api_key: {KEY}\n    models: [broken-model]\n    backend: vllm\n"
                   f"default_endpoint: Embedded SmolLM2 (demo)\n")
    monkeypatch.setenv("CHAT_CONFIG", str(cfg))
    # state._settings_cached ignores its `_fingerprint` argument (leading underscore = not hashed),
    # so drop the cached settings around this test.
    from components.common import state
    state._settings_cached.clear()
    yield cfg
    state._settings_cached.clear()


def _app():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def _short(at, max_tokens=16):
    """Set max_tokens behind the panes' parameter panels (drawn under AppTest): the panes are
    replaced by copies not drawn yet, whose panels start from the params set before the next run."""
    panes = [p.clone() for p in at.session_state["cmp.panes"]]
    for p in panes:
        p.params["max_tokens"] = max_tokens
    at.session_state["cmp.panes"] = panes


def test_two_panes_run_and_show_replies_metrics_diff_and_exports():
    at = _app()
    assert at.title[0].value == "🆚 Compare"
    assert len(at.session_state["cmp.panes"]) == 2
    _short(at)
    at.session_state["cmp.panes"][1].params["temperature"] = 1.5
    at.run()
    assert [e.label.split(" · ⚙️")[0] for e in at.expander if "⚙️" in e.label] == ["**Pane 1 · temperature=unset**",
                                                                              "**Pane 2 · temperature=1.5**"]
    at.button(key="cmp.go").click()
    settle(at)
    assert not at.exception
    run = at.session_state["cmp.run"]
    assert run.finished and [r.status for r in run.results] == ["ok", "ok"]
    captions = [c.value for c in at.caption]
    assert sum("TTFT **" in c and "Tokens/s" in c and "Cost" in c for c in captions) == 2
    assert sum(c.startswith("finish_reason **") for c in captions) == 2
    assert at.selectbox(key="cmp.diff.a") and any(c.startswith("Similarity **") for c in captions)
    at.radio(key="cmp.pref").set_value(1).run()
    from components.compare import results as compare_results
    assert at.session_state["cmp.preferred"] == 1
    recs = compare_results.records(at.session_state["cmp.snapshot"], run, at.session_state["cmp.preferred"])
    assert [r["preferred"] for r in recs] == [False, True]
    assert [b.key for b in at.get("download_button") if b.key.startswith("cmp.dl.")] == \
        ["cmp.dl.json", "cmp.dl.csv", "cmp.dl.md"]


def test_a_broken_endpoint_fails_in_its_pane_and_the_others_answer(broken_config):
    at = _app()
    _short(at)
    at.run()  # the new panes' pickers
    at.selectbox(key=f"cmp.{at.session_state['cmp.panes'][1].id}.endpoint").set_value("Broken").run()
    at.button(key="cmp.go").click()
    settle(at)
    assert not at.exception
    ok, bad = at.session_state["cmp.run"].results
    assert ok.status == "ok" and ok.choices[0].text
    assert bad.status == "error" and "could not connect" in bad.error
    assert any("ERROR: could not connect" in e.value for e in at.error)
    from components.compare import results as compare_results
    from paramlab.experiments import compare
    recs = compare_results.records(at.session_state["cmp.snapshot"], at.session_state["cmp.run"], None)
    exported = compare.to_json(recs, []) + compare.to_csv(recs, []) + compare.to_markdown(recs, [])
    assert KEY not in exported and "Broken" in exported


def test_invalid_pane_settings_are_not_sent_and_named():
    at = _app()
    _short(at)
    at.session_state["cmp.panes"][0].params["top_logprobs"] = 3  # needs logprobs=true
    at.button(key="cmp.go").click()
    settle(at)
    assert any(e.value.startswith("Not sent — top_logprobs: needs logprobs") for e in at.error)
    assert at.session_state["cmp.run"].results[0].status == "ok"  # pane 2 is job 0 and still ran


def test_clone_add_and_vary_one_parameter():
    at = _app()
    first = at.session_state["cmp.panes"][0]
    at.button(key=f"cmp.{first.id}.clone").click().run()
    assert len(at.session_state["cmp.panes"]) == 3
    at.button[[b.label for b in at.button].index("➕ Add pane")].click().run()
    assert len(at.session_state["cmp.panes"]) == 4
    at.selectbox(key="cmp.vary.name").set_value("top_p")
    at.text_input(key="cmp.vary.values").set_value("0.2, 0.6, 1")
    at.button(key="cmp.vary.go").click().run()
    panes = at.session_state["cmp.panes"]
    assert [p.params["top_p"] for p in panes] == [0.2, 0.6, 1.0]
    at.text_input(key="cmp.vary.values").set_value("0.2, 7")
    at.button(key="cmp.vary.go").click().run()
    assert any("top_p values: must be between 0 and 1" in e.value for e in at.error)
    assert len(at.session_state["cmp.panes"]) == 3  # nothing replaced by the bad input


def _with_playground_turns(turns):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["pl.messages"] = turns
    at.run()
    assert not at.exception
    return at


def _run_messages(at):
    _short(at, 4)
    at.button(key="cmp.go").click()
    settle(at)
    assert not at.exception
    return [(m["role"], m["content"]) for m in at.session_state["cmp.snapshot"].messages if m["role"] != "system"]


def test_the_playgrounds_last_question_is_asked_again_without_the_answer_it_got():
    """Compare starts from the Playground's last question: the panes answer it in its place. Sent
    after its own answer, every pane was shown that answer and tended to repeat it."""
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    at = _with_playground_turns([
        {"role": "user", "content": "Hi."}, {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": [{"type": "text", "text": "Name three colours."}, image]},
        {"role": "assistant", "content": "Red, blue and gold."}])
    assert at.text_area(key="w.cmp.prompt").value == "Name three colours."
    caption = next(c.value for c in at.caption if c.value.startswith("System prompt and"))
    assert caption.startswith("System prompt and 2 earlier turns come from the Playground")
    assert "the message is its last question, without the answer it got" in caption
    assert caption.endswith("sent with its 1 attachment (images, audio or files)")
    sent = _run_messages(at)
    assert sent == [("user", "Hi."), ("assistant", "Hello!"),
                    ("user", [{"type": "text", "text": "Name three colours."}, image])]


def test_a_message_of_ones_own_follows_the_whole_conversation():
    at = _with_playground_turns([{"role": "user", "content": "Name three colours."},
                                 {"role": "assistant", "content": "Red, blue and gold."}])
    at.session_state["pl.messages"] += [{"role": "user", "content": "And three shapes?"}]
    at.run()  # the message follows the Playground's last question until the user writes one
    assert at.text_area(key="w.cmp.prompt").value == "And three shapes?"
    at.session_state["pl.messages"] = at.session_state["pl.messages"][:2]
    at.run()
    at.text_area(key="w.cmp.prompt").input("Now three animals.").run()
    at.session_state["pl.messages"] += [{"role": "user", "content": "And three shapes?"}]
    at.run()
    assert at.text_area(key="w.cmp.prompt").value == "Now three animals."
    at.session_state["pl.messages"] = at.session_state["pl.messages"][:2]
    at.run()
    caption = next(c.value for c in at.caption if c.value.startswith("System prompt and"))
    assert caption.startswith("System prompt and 2 earlier turns come from the Playground")
    assert "asked again" not in caption
    assert _run_messages(at) == [("user", "Name three colours."), ("assistant", "Red, blue and gold."),
                                 ("user", "Now three animals.")]


CALL = {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city": "Oslo"}'}}


def test_a_tool_flow_is_answered_from_its_results():
    """After a tool call and its result the panes answer from the result (re-asking the question
    alone would only have them call the tool again); a closing answer is still left out."""
    flow = [{"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": "4 °C, rain"}]
    for closing in ([], [{"role": "assistant", "content": "It is 4 °C and raining."}]):
        at = _with_playground_turns(flow + closing)
        caption = next(c.value for c in at.caption if c.value.startswith("The system prompt comes"))
        assert caption.startswith("The system prompt comes from the Playground (no earlier turns)")
        assert caption.endswith("the message is its last question, sent with the 2 tool turns after it"
                                + (", without the answer it got" if closing else ""))
        assert _run_messages(at) == [("user", "Weather in Oslo?"), ("assistant", None), ("tool", "4 °C, rain")]
        sent = [m for m in at.session_state["cmp.snapshot"].messages if m["role"] != "system"]
        assert sent[1]["tool_calls"] == [CALL] and sent[2]["tool_call_id"] == "call_1"


def test_a_pane_with_its_own_system_prompt_sends_it_and_the_other_keeps_the_playgrounds():
    """Prompt variants: pane 2 ticks its own system prompt and rewrites it; only its request
    carries it, its title says so, and unticking it makes the pane follow the Playground again."""
    at = _app()
    _short(at, 8)
    at.run()
    second = at.session_state["cmp.panes"][1].id
    box = at.text_area(key=f"cmp.{second}.sys.v")
    assert box.disabled and box.value == "You are a helpful assistant."  # the Playground's, shown
    at.checkbox(key=f"cmp.{second}.sys.on").check().run()
    at.text_area(key=f"cmp.{second}.sys.v").input("Answer in French.").run()
    assert at.session_state["cmp.panes"][1].system == "Answer in French."
    titles = [e.label.split(" · ⚙️")[0] for e in at.expander if "⚙️" in e.label]
    assert titles == ["**Pane 1 · system=Playground's**", "**Pane 2 · system=“Answer in French.”**"]
    assert any(e.label == "📝 System prompt · own: “Answer in French.”" for e in at.expander)
    at.button(key="cmp.go").click()
    settle(at)
    assert not at.exception
    run = at.session_state["cmp.run"]
    assert [r.status for r in run.results] == ["ok", "ok"]
    firsts = [job.body["messages"][0] for job in run.jobs]
    assert firsts == [{"role": "system", "content": "You are a helpful assistant."},
                      {"role": "system", "content": "Answer in French."}]
    at.checkbox(key=f"cmp.{second}.sys.on").uncheck().run()
    assert at.session_state["cmp.panes"][1].system is None
    assert at.text_area(key=f"cmp.{second}.sys.v").value == "You are a helpful assistant."


def test_vary_the_system_prompt_makes_one_pane_per_line():
    at = _app()
    at.selectbox(key="cmp.vary.name").set_value("system prompt").run()
    at.text_area(key="cmp.vary.prompts").input("Be brief.\n\nAnswer in French.").run()
    at.button(key="cmp.vary.go").click().run()
    assert not at.exception
    assert [p.system for p in at.session_state["cmp.panes"]] == ["Be brief.", "Answer in French."]
    at.text_area(key="cmp.vary.prompts").input("Only one.").run()
    at.button(key="cmp.vary.go").click().run()
    assert any(e.value.startswith("system prompts: give 2 to 6 different prompts") for e in at.error)
    assert len(at.session_state["cmp.panes"]) == 2  # nothing replaced by the bad input
