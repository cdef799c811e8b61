"""A running ParamLab with the relay configured (keys, routes to a fault server and the embedded model),
and a way to read its ledger from the test."""
from __future__ import annotations

import contextlib
import json
from pathlib import Path

import yaml
from sqlalchemy import create_engine, text

from support.app import running_app

TEAM_KEY = "relay-key-team-a-0001"
TEAM_B_KEY = "relay-key-team-b-0002"
CAPPED_KEY = "relay-key-capped-0003"
UPSTREAM_KEY = "sk-upstream-secret-9f8e7d"
ORG = "org-relay-test"
VLLM_MODEL = "fault-vllm-model"      # routed to the fault server declared as a vLLM server
PRICED_MODEL = "relay-priced-model"   # $1000 per million tokens either way: 8 tokens cost $0.008


def write_config(data_dir: Path, fault_base_url: str, database_url: str | None = None) -> dict[str, str]:
    cfg = {
        "endpoints": [{"name": "Faults", "base_url": fault_base_url, "api_key": UPSTREAM_KEY, "organization": ORG,
                       "models": ["fault-model", PRICED_MODEL], "backend": "other"},
                      # the same fault server declared as vLLM: the relay forwards vLLM's samplers to it
                      {"name": "Faults as vLLM", "base_url": fault_base_url, "api_key": UPSTREAM_KEY,
                       "models": [VLLM_MODEL], "backend": "vllm"}],
        "relay": {"keys": [{"label": "team-a", "key": TEAM_KEY}, {"label": "team-b", "key": TEAM_B_KEY},
                           {"label": "capped", "key": CAPPED_KEY, "daily_budget": 0.01}]},
        "chat_room": {"system_prompt": "You are the seed's assistant."},
    }
    (data_dir / "paramlab.yaml").write_text(yaml.safe_dump(cfg))
    (data_dir / "prices.yaml").write_text(yaml.safe_dump(
        {"models": {PRICED_MODEL: {"input": 1000.0, "output": 1000.0}}}))
    env = {"CHAT_CONFIG": str(data_dir / "paramlab.yaml"), "CHAT_ALLOW_PRIVATE": "1", "CHAT_ENGINE_THREADS": "1",
           # the seed's names for the /chat-room conversation
           "CHAT_MODEL": "fault-model", "CHAT_TEMPERATURE": "0.3", "CHAT_MAX_TOKENS": "50"}
    if database_url:
        env["CHAT_DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def relay_app(data_dir: Path, fault_base_url: str, database_url: str | None = None):
    with running_app(data_dir, write_config(data_dir, fault_base_url, database_url)) as url:
        yield url


class LedgerReader:
    """Reads the app's ledger (the SQLite file in its data dir, or a shared PostgreSQL)."""

    def __init__(self, url: str):
        self.engine = create_engine(url)

    @classmethod
    def in_dir(cls, data_dir: Path) -> "LedgerReader":
        return cls(f"sqlite:///{data_dir / 'ledger.sqlite'}")

    def rows(self, after_id: int = 0) -> list[dict]:
        with self.engine.connect() as c:
            return [dict(r) for r in c.execute(text(
                "SELECT r.*, t.messages, t.replies FROM ledger_requests r "
                "LEFT JOIN ledger_texts t ON t.request_id = r.id WHERE r.id > :a ORDER BY r.id"), {"a": after_id}).mappings()]

    def last_id(self) -> int:
        with self.engine.connect() as c:
            return int(c.execute(text("SELECT COALESCE(MAX(id), 0) FROM ledger_requests")).scalar_one())

    def close(self) -> None:
        self.engine.dispose()


def params(row: dict) -> dict:
    return json.loads(row["params"] or "{}")
