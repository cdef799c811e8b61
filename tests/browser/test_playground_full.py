"""The Playground in a real browser (Debian Chromium): n=3 streaming side by side, presets moving
the controls, Stop keeping partial text, the inspector, and safe rendering of hostile text."""
from __future__ import annotations

import http.server
import json
import threading
import time

import pytest

from support.app import free_port, open_section, screenshot, wait_for_app, wait_for_idle
from paramlab.runs import run as runs
from paramlab.request import schema
from paramlab.request import sessions
from paramlab.client.result import ChatResult, Choice

pytestmark = pytest.mark.browser
SLOW = 180_000  # ms; the shared test machine can be very busy


def open_playground(page, app_url):
    page.goto(app_url)
    wait_for_app(page)
    page.wait_for_selector(".st-key-send button", timeout=SLOW)
    wait_for_idle(page)  # no element of an unfinished run (a moved control is briefly drawn twice)


def key(name: str) -> str:
    return f".st-key-{name.replace('.', '-')}"


def pane_state(page, i: int) -> tuple[str, str]:
    """(status caption, text) of reply pane i."""
    pane = page.locator(key(f"pane-{i}"))
    if pane.count() == 0:
        return "", ""
    caps = pane.locator('[data-testid="stCaptionContainer"]')
    status = caps.first.inner_text() if caps.count() else ""
    md = pane.locator('[data-testid="stMarkdownContainer"]').all_inner_texts()
    text = "\n".join(t for t in md[1:] if t.strip() not in ("", "…") and t != status)  # md[0] is the title
    return status, text.replace("▌", "").strip()


def load_preset(page, name: str) -> None:
    wait_for_app(page)
    open_section(page.get_by_test_id("stSidebar"), "📚 Presets")
    combo = page.locator(key("w.preset") + " input[role=combobox]")
    combo.click()
    combo.fill(name)  # filters the list to this preset
    page.get_by_role("option", name=name, exact=True).click()
    wait_for_app(page)
    page.locator(key("preset.load") + " button").first.click()
    page.wait_for_selector(f"text=Loaded preset “{name}”", timeout=SLOW)
    wait_for_idle(page)


def expand(page, group: str) -> None:
    """Open a parameter group in the sidebar (collapsed groups are not in the page)."""
    wait_for_app(page)
    open_section(page.get_by_test_id("stSidebar"), group)


def set_max_tokens(page, value: int) -> None:
    expand(page, "Length")
    box = page.locator(key("pp.max_tokens.on") + " input[type=checkbox]")
    if not box.is_checked():
        page.locator(key("pp.max_tokens.on") + " label").click()
        wait_for_app(page)
    inp = page.locator(key("pp.max_tokens.v") + " input")
    try:
        inp.wait_for(state="visible", timeout=SLOW)
    except Exception:
        screenshot(page, "playground-failed-max-tokens")
        raise
    inp.fill(str(value))
    inp.press("Enter")
    # the worst-case cost next to Send reflects the committed value
    page.wait_for_selector(f"text=+ {value:,} max tokens", timeout=SLOW)
    wait_for_app(page)


def send(page, text: str) -> None:
    page.locator(key("w.prompt") + " textarea").fill(text)
    page.locator(key("send") + " button").first.click()


# Every value a number box shows, from the first paint on (a MutationObserver sees each commit).
RECORD_N = """
window.__nShown = [];
document.addEventListener('DOMContentLoaded', () => new MutationObserver(() => {
  const box = document.querySelector('.st-key-pp-n-v input');
  const shown = window.__nShown;
  if (box && shown[shown.length - 1] !== box.value) shown.push(box.value);
}).observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true}));
"""


def test_a_number_box_is_painted_with_its_value_from_the_start(page, app_url):
    # A number box bound to session state only was first painted with its default, the lower
    # bound -9007199254740991, for one frame before it showed n = 1.
    page.add_init_script(RECORD_N)
    open_playground(page, app_url)
    assert page.evaluate("window.__nShown") == []  # unticked: no box
    page.locator(key("pp.n.on") + " label").click()
    page.locator(key("pp.n.v") + " input").wait_for()
    wait_for_idle(page)
    assert page.evaluate("window.__nShown") == ["1"]


def test_loading_a_preset_moves_the_controls(page, app_url):
    open_playground(page, app_url)
    n_input = page.locator(key("pp.n.v") + " input")
    assert n_input.count() == 0  # unticked: no value control
    assert not page.locator(key("pp.temperature.on") + " input").is_checked()
    load_preset(page, "Brainstorm (n=3)")
    assert n_input.input_value() == "3"
    assert page.locator(key("pp.n.on") + " input").is_checked()
    assert page.locator(key("pp.temperature.on") + " input").is_checked()
    expand(page, "Penalties")
    expand(page, "Other")
    assert page.locator(key("pp.presence_penalty.v") + " input").input_value() == "0.5"
    load_preset(page, "Deterministic")
    assert page.locator(key("pp.temperature.v") + " input").input_value() == "0"
    assert page.locator(key("pp.seed.v") + " input").input_value() == "42"
    assert n_input.input_value() == "1"  # the preset sends n = 1
    assert page.locator(key("pp.n.on") + " input").is_checked()
    assert not page.locator(key("pp.presence_penalty.on") + " input").is_checked()
    assert page.locator(key("pp.presence_penalty.v")).count() == 0
    screenshot(page, "playground-preset-loaded")


def test_n3_streams_side_by_side_and_stop_keeps_partial_text(page, app_url):
    open_playground(page, app_url)
    load_preset(page, "Brainstorm (n=3)")
    set_max_tokens(page, 1500)  # long: nothing finishes before we look
    send(page, "Write a long story about a lighthouse keeper and a storm.")
    seen = None
    deadline = time.monotonic() + SLOW / 1000
    while time.monotonic() < deadline:
        states = [pane_state(page, i) for i in range(3)]
        # a pane's caption and text are separate elements: wait until both show the first token
        if all(text for _, text in states) and not any("waiting" in status for status, _ in states):
            seen = states
            break
        time.sleep(0.2)
    assert seen is not None, "not all three panes showed text"
    # text in all three columns, none finished yet
    assert all("streaming" in status for status, _ in seen), seen
    screenshot(page, "playground-n3-streaming")
    stop = page.locator(key("stop")).get_by_role("button", name="■ Stop")
    assert stop.is_enabled()
    stop.click()
    try:
        page.wait_for_function("() => document.querySelectorAll('[class*=\"st-key-pane-\"]').length === 3 && "
                               "Array.from(document.querySelectorAll('[class*=\"st-key-pane-\"]'))"
                               ".every(p => p.innerText.includes('stopped') && p.innerText.includes('finish_reason'))",
                               timeout=SLOW)
    except Exception:
        screenshot(page, "playground-failed-stop")
        raise
    wait_for_app(page)
    for i, (_, before) in enumerate(seen):
        status, after = pane_state(page, i)
        assert "stopped — partial text kept" in status
        pane = page.locator(key(f"pane-{i}")).inner_text()
        assert "finish_reason none — You stopped the stream" in pane, pane
        assert after.startswith(before[:20]), (before, after)
    screenshot(page, "playground-n3-stopped")
    assert "STOPPED: stopped by the user" in page.locator('[data-testid="stMain"]').inner_text()


def test_inspector_shows_the_sent_json(page, app_url):
    open_playground(page, app_url)
    load_preset(page, "Deterministic")
    set_max_tokens(page, 6)
    send(page, "Say hi to the inspector")
    page.wait_for_selector('[data-testid="stChatMessage"] >> text=finish_reason', timeout=SLOW)
    wait_for_app(page)
    open_section(page, "Inspector")
    code = page.locator('[data-testid="stCode"]').first
    code.wait_for(timeout=SLOW)
    sent = json.loads(code.inner_text())
    assert sent["messages"][-1] == {"role": "user", "content": "Say hi to the inspector"}
    assert sent["max_tokens"] == 6 and sent["temperature"] == 0 and sent["seed"] == 42 and sent["stream"] is True
    assert page.get_by_text("system_fingerprint").count() >= 1
    page.get_by_role("tab", name="Request headers").click()
    assert "application/json" in page.locator('[data-testid="stCode"]').nth(1).inner_text()
    screenshot(page, "playground-inspector")


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def leak_server():
    port = free_port()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Counter)
    _Counter.hits = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield port
    srv.shutdown()
    srv.server_close()


def hostile(port: int, where: str) -> str:
    return (f"{where} <script>window.__xss = '{where}-script'</script> "
            f"<img src=\"http://127.0.0.1:{port}/img-{where}\" onerror=\"window.__xss='{where}-img'\"> "
            f"![x](http://127.0.0.1:{port}/leak-{where}) ![y][r]\n\n[r]: http://127.0.0.1:{port}/ref-{where}\n\n"
            f"[click me](javascript:window.__xss='{where}-link')")


def test_hostile_text_runs_no_script_and_fetches_nothing(page, app_url, leak_server, tmp_path):
    port = leak_server
    # control: the counting server does see a browser request when one is made
    page.goto(f"http://127.0.0.1:{port}/control")
    assert "/control" in _Counter.hits
    open_playground(page, app_url)
    _Counter.hits.clear()
    # 1. history: an assistant turn typed into the conversation editor
    open_section(page, "Add a turn")
    page.locator(key("w.insert.role")).get_by_text("assistant").click()
    page.locator(key("w.insert.text") + " textarea").fill(hostile(port, "history"))
    page.locator(key("insert") + " button").first.click()
    page.wait_for_selector('[data-testid="stChatMessage"] >> text=image not loaded', timeout=SLOW)
    # 2. reply panes: a saved session whose replies hold the same text
    reply = hostile(port, "reply")
    run = runs.Run.start(2, [{"model": "m", "n": 2}])
    run.on_done(0, ChatResult(choices=[Choice(0, reply, finish_reason="stop"), Choice(1, reply, finish_reason="stop")]))
    run.status = "done"
    s = sessions.Session(system="sys", params=schema.defaults(),
                         messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": hostile(port, "saved")}],
                         run=run.to_dict())
    f = tmp_path / "hostile.json"
    f.write_text(sessions.to_json(s))
    open_section(page, "Session: save or reopen")
    page.locator(key("w.session.upload") + " input[type=file]").set_input_files(str(f))
    page.wait_for_selector(key("pane-1") + " >> text=image not loaded", timeout=SLOW)
    wait_for_app(page)
    screenshot(page, "playground-hostile-text")
    main = page.locator('[data-testid="stMain"]')
    text = main.inner_text()
    for where in ("saved", "reply"):
        assert f"<script>window.__xss = '{where}-script'</script>" in text  # shown as text
    assert page.evaluate("() => window.__xss") is None
    assert page.locator(f'img[src*="127.0.0.1:{port}"]').count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    # clicking the defused link does nothing either
    page.get_by_text("click me").first.click()
    assert page.evaluate("() => window.__xss") is None
    # a sentinel fetched after everything was drawn: once the counting server has it, any image
    # the page had asked for would have arrived before it (no waiting for a fixed time)
    page.evaluate(f"fetch('http://127.0.0.1:{port}/sentinel', {{mode: 'no-cors'}}).catch(() => null)")
    deadline = time.monotonic() + 30
    while "/sentinel" not in _Counter.hits and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert _Counter.hits == ["/sentinel"], _Counter.hits
