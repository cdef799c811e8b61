"""Helpers for tests that run the app: a free port, a running ParamLab server, waiting for
Streamlit, screenshots. Fixtures that use them live in tests/conftest.py."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path, env_extra: dict | None = None, script: str = "serve.py"):
    port = free_port()
    # No file watcher: a module reload mid-test would reset sessions and the engine.
    env = {**os.environ, "CHAT_DATA_DIR": str(data_dir), "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           **(env_extra or {})}
    log = open(data_dir / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: {(data_dir / f'streamlit-{port}.log').read_text()[-2000:]}")
        try:
            if requests.get(url + "/_stcore/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy in 60 s")


@contextlib.contextmanager
def running_app(data_dir: Path, env_extra: dict | None = None, script: str = "serve.py"):
    """A ParamLab server for the duration of the block; yields its URL."""
    proc, url = start_app(data_dir, env_extra, script=script)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_app(pg) -> None:
    """Wait until Streamlit has finished a script run: not running, and no element of the old run
    left (a control that moved is briefly drawn twice, its old copy stale)."""
    pg.wait_for_selector('[data-testid="stApp"]')
    pg.wait_for_function(
        "() => (!document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running'))"
        " && !document.querySelector('[data-stale=\"true\"]')",
        timeout=60_000)


IDLE_JS = """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
    && !document.querySelector('[data-stale="true"]')"""


def wait_for_idle(pg, settle_ms: int = 300, timeout_ms: int = 60_000) -> None:
    """Wait until a rerun has fully finished: no running icon and no stale (not yet redrawn)
    elements, still true after `settle_ms` (a click's rerun may not have started yet)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        pg.wait_for_timeout(settle_ms)
        if pg.evaluate(IDLE_JS):
            pg.wait_for_timeout(settle_ms)
            if pg.evaluate(IDLE_JS):
                return
    raise AssertionError(f"the app was still running after {timeout_ms} ms")


def type_and_send(pg, text: str, settle: bool = False) -> None:
    """Type `text` in the Playground's message box and press Send. Streamlit commits a text area's
    value when it loses focus, hence the Tab; `settle` also waits for that rerun before the click."""
    box = pg.get_by_label("Your message")
    box.fill(text)
    box.press("Tab")
    if settle:
        wait_for_idle(pg)
    pg.get_by_role("button", name="Send", exact=True).click()


SCREENSHOTS = ROOT / "screenshots"


def screenshot(pg, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def open_section(scope, title: str) -> None:
    """Open the folding section titled `title` in `scope` (a page or a locator); an open one stays
    open. Its header is a button (components/common/section.py), with a chevron icon while closed.
    A parameter group is a pill of the panel's groups row (components/common/params_panel.py)."""
    page = getattr(scope, "page", scope)
    pill = scope.locator('[class*="-groups"] button[aria-pressed]', has_text=title)
    header = scope.locator('[class*="st-key-sec-head-"] button', has_text=title)
    pill.or_(header).first.wait_for(timeout=60_000)
    if pill.count():
        pill = pill.first
        if pill.get_attribute("aria-pressed") != "true":  # not open yet
            pill.click()
            scope.locator('[class*="-groups"] button[aria-pressed="true"]', has_text=title).first.wait_for(
                timeout=60_000)
            wait_for_idle(page)
        return
    header = header.first
    if "chevron_right" in header.inner_text():
        header.click()
        header.filter(has_text="expand_more").wait_for(timeout=60_000)
        wait_for_idle(page)


def cut_pills(scope) -> list[str]:
    """The parameter-group pills whose title does not fit (the browser cuts it with an ellipsis)."""
    return scope.locator('[class*="-groups"] button[aria-pressed]').evaluate_all(
        "bs => bs.filter(b => [...b.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth + 1))"
        ".map(b => b.innerText)")
