"""The Distribution Lab's requests (distribution, next token, next 5) reach the usage ledger and the
request log like every other request: they go through the client's observers."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from paramlab.usage import logs
from paramlab.usage.ledger.schema import REQUESTS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.engine


def lab_rows(led) -> list[dict]:
    led.flush()
    with led.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(REQUESTS).where(REQUESTS.c.page == "lab")).mappings()]


def lab_log_lines() -> list[dict]:
    path = logs.start() / logs.REQUEST_FILE  # the folder the request log was started in
    lines = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    return [x for x in lines if x.get("page") == "lab"]


def test_distribution_and_step_requests_are_recorded(engine_endpoint):
    from components.common import services
    at = AppTest.from_file(str(ROOT / "playground.py"), default_timeout=120)
    at.switch_page("pages/6_Distribution_Lab.py").run()
    assert not at.exception
    led = services.ledger()
    before, logged = len(lab_rows(led)), len(lab_log_lines())
    at.button(key="lab.b.fetch").click().run()
    at.button(key="lab.b.step1").click().run()
    at.button(key="lab.b.step5").click().run()
    steps = len(at.session_state["lab.steps"].steps)
    rows = lab_rows(led)[before:]
    assert len(rows) == 1 + steps  # one distribution, one request per generated token
    assert all(r["session_id"] == at.session_state["pl.session_id"] for r in rows)
    assert all(json.loads(r["params"])["max_tokens"] == 1 for r in rows)
    assert len(lab_log_lines()) - logged == len(rows)
