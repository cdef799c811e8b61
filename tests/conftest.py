"""Shared fixtures: the embedded engine, a running ParamLab server, and Debian's Chromium."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS.parent), str(TESTS)]  # the project, and tests/ for `support`

from support.app import CHROMIUM, CHROMIUM_ARGS, running_app  # noqa: E402

# Markers per folder: tests/browser -> browser, tests/apptest -> apptest.
FOLDER_MARKERS = {"browser": "browser", "apptest": "apptest", "unit": "unit"}


def pytest_collection_modifyitems(items):
    for item in items:
        folder = Path(str(item.fspath)).parent.name
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])


@pytest.fixture(scope="session", autouse=True)
def _isolated_data_dir(tmp_path_factory):
    """Presets, sessions, the ledger and logs of the test run go to a temporary folder."""
    d = tmp_path_factory.mktemp("paramlab-data")
    os.environ["CHAT_DATA_DIR"] = str(d)
    # Tests must not pick up a developer's own endpoint settings.
    for k in [k for k in os.environ if k.startswith(("CHAT_APIKEY", "CHAT_BASE_URL", "CHAT_MODEL", "OPENAI_"))]:
        del os.environ[k]
    os.environ.setdefault("CHAT_CONFIG", str(d / "no-config.yaml"))
    yield d


@pytest.fixture(scope="session")
def engine_endpoint():
    """The embedded SmolLM2 engine, started once for the whole test session."""
    from paramlab.backends.engine import get_engine
    return get_engine().endpoint()


@pytest.fixture(scope="session")
def engine_client(engine_endpoint):
    from paramlab.client.chat import ChatClient
    return ChatClient(engine_endpoint)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """One ParamLab server for all browser tests; each test gets its own browser context (session)."""
    with running_app(tmp_path_factory.mktemp("app-data")) as url:
        yield url


@pytest.fixture(scope="module")  # per module: a Chromium never outlives its tests (a session-wide one
def browser():                   # left at the end of the run could hang pytest's exit in b.close())
    if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed; `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium not installed: run `make test` as root or `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    ctx.close()


@pytest.fixture
def ledger_at(tmp_path, monkeypatch):
    """Point the process-wide services at a fresh SQLite ledger (and put it back afterwards):
    `ledger_at()` opens it, `ledger_at(url)` opens another database."""
    from components.common import services
    monkeypatch.setenv("CHAT_DATA_DIR", str(tmp_path))
    services.start()

    def use(url: str | None = None):
        return services.open_ledger(url or f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    yield use
    monkeypatch.undo()
    services.open_ledger()
    services.reload_prices()


@pytest.fixture
def fs(request):
    """Our fault server on 127.0.0.1, fresh for each test. A test module sets what it answers when
    nothing is scripted with a module-level `FAULT_DEFAULT` (a behaviour from support.fault_server);
    otherwise a plain JSON completion."""
    from support.fault_server import FaultServer
    with FaultServer(default=getattr(request.module, "FAULT_DEFAULT", None)) as server:
        yield server
