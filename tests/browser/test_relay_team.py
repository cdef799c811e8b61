"""A team deployment: two ParamLab processes behind a load balancer share one PostgreSQL ledger.
Clients relay through both at once; every request is recorded exactly once, and each process's
Usage page shows all of them."""
from __future__ import annotations

import json
import threading

import openai
import pytest
from support import fault_server as fsv
from support.app import screenshot, wait_for_app
from support.ledger_support import fresh_postgres_db
from support.relay_support import TEAM_B_KEY, TEAM_KEY, LedgerReader, relay_app

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
CLIENTS, PER_CLIENT = 6, 5  # per process


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    db_url, drop = fresh_postgres_db()
    with fsv.FaultServer() as fs:
        with relay_app(tmp_path_factory.mktemp("node-1"), fs.base_url, db_url) as one, \
                relay_app(tmp_path_factory.mktemp("node-2"), fs.base_url, db_url) as two:
            reader = LedgerReader(db_url)
            yield (one, two), fs, reader
            reader.close()
    drop()


def test_two_processes_record_every_request_once_and_each_usage_page_shows_all(team, page):
    (one, two), fs, ledger = team
    sent: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(node: str, i: int) -> None:
        c = openai.OpenAI(base_url=node + "/v1", api_key=TEAM_KEY if i % 2 else TEAM_B_KEY, max_retries=0)
        try:
            for j in range(PER_CLIENT):
                text = f"{node[-5:]} client {i} request {j}"
                if j % 2:
                    list(c.chat.completions.create(model="fault-model", stream=True,
                                                   messages=[{"role": "user", "content": text}]))
                else:
                    c.chat.completions.create(model="fault-model", messages=[{"role": "user", "content": text}])
                with lock:
                    sent.append(text)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=client, args=(node, i)) for node in (one, two) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    total = 2 * CLIENTS * PER_CLIENT
    assert errors == [] and len(sent) == total and fs.count == total
    rows = ledger.rows()
    recorded = [json.loads(r["messages"])[-1]["content"] for r in rows]
    assert sorted(recorded) == sorted(sent)  # each request exactly once, whichever process relayed it
    assert {r["page"] for r in rows} == {"relay"} and {r["label"] for r in rows} == {"team-a", "team-b"}

    for n, node in enumerate((one, two), 1):
        page.goto(node + "/Usage")
        wait_for_app(page)
        page.get_by_role("heading", name="Usage").wait_for()
        metric = page.get_by_test_id("stMain").get_by_test_id("stMetric").filter(has_text="Requests")
        metric.wait_for(timeout=60_000)
        assert metric.get_by_test_id("stMetricValue").inner_text() == str(total)
        screenshot(page, f"team-usage-node-{n}")
