"""The container's entrypoint listens on every address (CHAT_ADDRESS=0.0.0.0): the relay on its
port stays off until a relay key is set, and then takes only that key."""
from __future__ import annotations

import pytest
import requests
from support.app import free_port
from test_entrypoint import run_entrypoint, stop, wait_healthy

pytestmark = pytest.mark.engine
BODY = {"model": "smollm2-135m-instruct", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


@pytest.fixture
def container(tmp_path):
    started = []

    def start(**env: str) -> str:
        port = free_port()
        proc, log = run_entrypoint(tmp_path, CHAT_PORT=str(port), CHAT_ADDRESS="0.0.0.0",
                                   CHAT_DATA_DIR=str(tmp_path / "data"), CHAT_LOG_DIR=str(tmp_path / "logs"),
                                   CHAT_ALLOW_PRIVATE="0", CHAT_ENGINE_THREADS="1", **env)
        started.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(proc, url, log)
        return url
    yield start
    for proc in started:
        stop(proc)


def test_without_a_relay_key_the_relay_is_off_even_for_local_clients(container):
    url = container()
    r = requests.post(url + "/v1/chat/completions", json=BODY, timeout=60)
    assert r.status_code == 403 and r.json()["error"]["code"] == "relay_off"
    assert requests.post(url + "/chat-room", json={"role": "user", "content": "hi"}, timeout=60).status_code == 403


def test_with_a_relay_key_only_that_key_is_let_through(container):
    url = container(CHAT_RELAY_KEY="container-relay-key-1")
    assert requests.post(url + "/v1/chat/completions", json=BODY, timeout=60).status_code == 401
    r = requests.post(url + "/v1/chat/completions", json=BODY, timeout=120,
                      headers={"Authorization": "Bearer container-relay-key-1"})
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"] is not None
