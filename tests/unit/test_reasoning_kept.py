"""A reasoning model's thinking and its reasoning-token count survive where replies are kept:
saved sessions (conversation turns, last results, the run's panes) and Compare's exports
(JSON, CSV, Markdown)."""
from __future__ import annotations

import csv
import io
import json

from paramlab.client.assembly import Delta
from paramlab.client.result import ChatResult, Choice, Metrics, Usage
from paramlab.experiments import compare
from paramlab.request import schema, sessions
from paramlab.runs import run as runs

THOUGHT = "The user greets me; a short friendly answer will do."
REPLY = "Hello! How can I help?"


def thinking_result() -> ChatResult:
    return ChatResult(status="ok", choices=[Choice(0, REPLY, finish_reason="stop", reasoning=THOUGHT)],
                      usage=Usage(6, 40, 46, reasoning_tokens=31), model="deepseek-reasoner",
                      metrics=Metrics(started_at=1.0, latency_s=0.4),
                      request={"model": "deepseek-reasoner", "messages": [{"role": "user", "content": "Hello"}]})


def test_live_run_keeps_reasoning_and_its_tokens():
    run = runs.Run.start(1, [{"model": "deepseek-reasoner"}])
    run.on_delta(0, Delta(0, "", reasoning="The user "))
    assert run.slots[0].reasoning == "The user " and run.slots[0].status == "streaming" and not run.slots[0].text
    run.on_done(0, thinking_result())
    s = run.slots[0]
    assert (s.reasoning, s.text, s.reasoning_tokens) == (THOUGHT, REPLY, 31)
    assert ("Reasoning", "31") in [(label, value) for label, value, _ in runs.slot_metrics(s)]


def test_session_round_trip_keeps_reasoning():
    run = runs.Run.start(1, [{"model": "deepseek-reasoner"}])
    run.on_done(0, thinking_result())
    s = sessions.Session(system="", params=schema.defaults(), endpoint="e", model="deepseek-reasoner",
                         messages=[{"role": "user", "content": "Hello"},
                                   {"role": "assistant", "content": REPLY, "result": thinking_result()}],
                         last_results=[thinking_result()], run=run.to_dict(), label="")
    back, warnings = sessions.from_json(sessions.to_json(s))
    assert warnings == []
    assert back.messages[1]["result"].choices[0].reasoning == THOUGHT
    assert back.last_results[0].choices[0].reasoning == THOUGHT
    assert back.last_results[0].usage.reasoning_tokens == 31
    assert runs.Run.from_dict(back.run).slots[0].reasoning == THOUGHT


def test_compare_exports_keep_reasoning():
    pane = compare.Pane(endpoint="e", model="deepseek-reasoner", params=schema.defaults())
    rec = compare.record(pane, 0, "Pane 1", thinking_result())
    doc = json.loads(compare.to_json([rec], [{"role": "user", "content": "Hello"}]))
    (choice,) = doc["panes"][0]["choices"]
    assert choice["reasoning"] == THOUGHT and choice["text"] == REPLY
    assert doc["panes"][0]["reasoning_tokens"] == 31
    (row,) = csv.DictReader(io.StringIO(compare.to_csv([rec], [])))
    assert row["reasoning"] == THOUGHT and row["reasoning_tokens"] == "31" and row["text"] == REPLY
    md = compare.to_markdown([rec], [{"role": "user", "content": "Hello"}])
    assert md.index("**Thinking:**") < md.index(THOUGHT) < md.index(REPLY)
