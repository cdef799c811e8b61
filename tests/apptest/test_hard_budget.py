"""Hard budgets: once a blocking budget is used up, every page that sends (Playground, Compare, Sweep,
Lab) says so before sending, with the figures; pressing send sends nothing (our own server on
127.0.0.1 counts the requests it gets) and keeps everything typed. Local endpoints are not blocked."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.common import state
from paramlab.usage import budget
from support.fault_server import FaultServer, Reply, completion

ROOT = Path(__file__).resolve().parents[2]
BLOCK = "The daily budget of $0.50 is used up ($1.0000 spent today)"


@pytest.fixture
def paid(ledger_at, tmp_path, monkeypatch):
    """A paid endpoint (our server, backend openai, gpt-4o-mini) as the default, $1 spent today
    and a hard daily budget of $0.50."""
    led = ledger_at()
    with FaultServer(Reply(200, completion("should never be sent"))) as fs:
        cfg = tmp_path / "paid.yaml"
        cfg.write_text(f"endpoints:\n  - name: Paid\n    base_url: {fs.base_url}\n    models: [gpt-4o-mini]\n"
                       "    backend: openai\ndefault_endpoint: Paid\n")
        monkeypatch.setenv("CHAT_CONFIG", str(cfg))
        monkeypatch.setenv("CHAT_ALLOW_PRIVATE", "1")
        state._settings_cached.clear()
        led.append_many([{"ts_ms": int(time.time() * 1000) - 1000, "session_id": "s", "label": "", "page": "playground",
                          "endpoint": "Paid", "host": "127.0.0.1", "backend": "openai", "model": "gpt-4o-mini",
                          "prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20, "cost": 1.0,
                          "status": "ok", "estimated": False}])
        budget.save_budget(budget.Budget(daily=0.5, block_daily=True))
        try:
            yield fs
        finally:
            state._settings_cached.clear()


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / name), default_timeout=60).run()
    assert not at.exception
    return at


def shown_before(at: AppTest) -> None:
    blocked = [e.value for e in at.error if e.value.startswith("Sending is blocked")]
    assert len(blocked) == 1 and BLOCK in blocked[0], [e.value for e in at.error]


def refused(at: AppTest, fs: FaultServer) -> None:
    assert fs.count == 0  # nothing reached the server
    msgs = [e.value for e in at.error if e.value.startswith("Not sent")]
    assert len(msgs) == 1 and BLOCK in msgs[0] and "Your message and settings are kept" in msgs[0], msgs


def test_playground_blocks_and_keeps_the_draft(paid):
    at = page("playground.py")
    shown_before(at)
    at.text_area(key="w.prompt").input("What does top_p do?").run()
    at.button(key="send").click().run()
    refused(at, paid)
    assert at.text_area(key="w.prompt").value == "What does top_p do?"
    assert at.session_state[state.MESSAGES] == []  # the draft did not move into the conversation


def test_compare_blocks_and_keeps_the_message_and_panes(paid):
    at = page("pages/2_Compare.py")
    at.text_area(key="w.cmp.prompt").input("Compare this").run()
    shown_before(at)
    panes_before = [p.params for p in at.session_state["cmp.panes"]]
    at.button(key="cmp.go").click().run()
    refused(at, paid)
    assert at.text_area(key="w.cmp.prompt").value == "Compare this"
    assert [p.params for p in at.session_state["cmp.panes"]] == panes_before
    assert "cmp.run" not in at.session_state or at.session_state["cmp.run"] is None


def test_sweep_blocks_and_keeps_the_plan(paid):
    at = page("pages/3_Sweep.py")
    values = at.text_input(key="w.sw.v1").value
    shown_before(at)
    at.button(key="sw.go").click().run()
    refused(at, paid)
    assert at.text_input(key="w.sw.v1").value == values
    assert at.session_state["sw.run"] is None if "sw.run" in at.session_state else True


def test_lab_blocks_and_keeps_the_conversation(paid):
    at = page("pages/6_Distribution_Lab.py")
    shown_before(at)
    user = at.session_state["lab.user"]
    at.button(key="lab.b.fetch").click().run()
    refused(at, paid)
    assert user.strip() and at.session_state["lab.user"] == user


def test_a_soft_budget_only_warns_and_a_local_endpoint_is_never_blocked(paid, engine_endpoint):
    budget.save_budget(budget.Budget(daily=0.5, block_daily=False))
    at = page("playground.py")
    assert not [e for e in at.error if "blocked" in e.value]
    assert any("daily budget of $0.50 is used up" in w.value for w in at.warning)
    budget.save_budget(budget.Budget(daily=0.5, block_daily=True))
    at.session_state[state.ENDPOINT] = state.embedded_endpoint().name
    at.run()
    assert not [e for e in at.error if "blocked" in e.value]  # the embedded model costs nothing


def test_playground_regenerate_is_blocked_and_removes_no_turn(paid):
    at = page("playground.py")
    turns = [{"role": "user", "content": "First question"}, {"role": "assistant", "content": "First answer"}]
    at.session_state[state.MESSAGES] = [dict(t) for t in turns]
    at.run()
    at.button(key="act.regenerate").click().run()
    refused(at, paid)
    assert [{k: t[k] for k in ("role", "content")} for t in at.session_state[state.MESSAGES]] == turns
