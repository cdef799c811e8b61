"""Many users on one ParamLab process: 8 browser sessions (one Chromium, 8 contexts) each send 3
streamed requests, all 8 sessions at the same time, to the shared embedded engine.

Each session has its own prompt and its own max_tokens setting; afterwards every session shows
only its own conversation, and the shared ledger holds exactly 24 new records, each carrying the
session's own prompt, setting and the reply that session displayed.
The app runs with CHAT_ALLOW_PRIVATE=0, as in the container: the embedded engine stays usable.
"""
from __future__ import annotations

import json
import re
import time
from collections import defaultdict

import pytest
from support.app import open_section, running_app, screenshot, type_and_send, wait_for_app

from paramlab.usage.ledger import Filters, Ledger, queries

pytestmark = [pytest.mark.browser, pytest.mark.engine]

SESSIONS = 8
ROUNDS = 3
REPLY_TIMEOUT_MS = 600_000  # generous: 8 sessions share 2 CPU cores with the browser
PROMPT_RE = re.compile(r"User (\d+) question (\d+):")


def prompt(s: int, r: int) -> str:
    return f"User {s} question {r + 1}: name a colour you like."


def max_tokens_for(s: int) -> int:
    return 8 + s  # a per-session setting, to see that settings stay per session too


def words(text: str) -> str:
    """Letters only: markdown rendering drops list numbers and punctuation, not words."""
    return " ".join(re.findall(r"[A-Za-z]+", text))


@pytest.fixture(scope="module")
def crowd_app(tmp_path_factory):
    d = tmp_path_factory.mktemp("crowd-data")
    # As in the container: private addresses off, no source watcher (no module reloads mid-test).
    with running_app(d, {"CHAT_ALLOW_PRIVATE": "0", "CHAT_LEDGER_STORE_TEXT": "1"}) as url:
        yield url, d


def set_max_tokens(pg, value: int) -> None:
    if not pg.locator(".st-key-pp-max_tokens-on label").first.is_visible():
        # its parameter group starts folded, and a folded group draws nothing: find it by its title
        open_section(pg.get_by_test_id("stSidebar"), "Length")
    pg.locator(".st-key-pp-max_tokens-on label").first.click()
    wait_for_app(pg)
    box = pg.locator(".st-key-pp-max_tokens-v input")
    box.fill(str(value))
    box.press("Enter")
    wait_for_app(pg)


def send(pg, text: str) -> None:
    type_and_send(pg, text)


def wait_for_turns(pg, turns: int) -> None:
    """Until the conversation shows `turns` messages, the last an assistant reply with its metrics."""
    pg.wait_for_function(
        "(n) => { const m = document.querySelectorAll('[data-testid=\"stChatMessage\"]');"
        " return m.length >= n && m[n - 1].innerText.includes('TTFT'); }",
        arg=turns, timeout=REPLY_TIMEOUT_MS)
    wait_for_app(pg)


@pytest.mark.timeout(1800)
def test_eight_sessions_at_once_each_see_their_own_replies(crowd_app, browser):
    url, data_dir = crowd_app
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(SESSIONS)]
    try:
        pages = []
        for ctx in contexts:
            pg = ctx.new_page()
            pg.set_default_timeout(60_000)
            pg.goto(url)
            pages.append(pg)
        for s, pg in enumerate(pages):
            wait_for_app(pg)
            pg.get_by_role("heading", name="Playground").wait_for()
            set_max_tokens(pg, max_tokens_for(s))

        ledger = Ledger.open(f"sqlite:///{data_dir / 'ledger.sqlite'}")
        before = ledger.count()
        t0_ms = int(time.time() * 1000) - 1

        for r in range(ROUNDS):
            for s, pg in enumerate(pages):  # all eight in flight together
                send(pg, prompt(s, r))
            for s, pg in enumerate(pages):
                try:
                    wait_for_turns(pg, 2 * (r + 1))
                except Exception:
                    for i, p in enumerate(pages):
                        screenshot(p, f"many_users_stuck_round{r + 1}_session{i}")
                    raise

        # Each page: exactly its own three prompts, each followed by a reply; nobody else's text.
        shown: dict[int, list[str]] = {}
        for s, pg in enumerate(pages):
            msgs = pg.get_by_test_id("stChatMessage").all_inner_texts()
            assert len(msgs) == 2 * ROUNDS, f"session {s}: {len(msgs)} turns"
            user_turns, replies = msgs[0::2], msgs[1::2]
            for r in range(ROUNDS):
                assert prompt(s, r) in user_turns[r]
                assert "TTFT" in replies[r] and words(replies[r].split("finish_reason")[0]).strip()
            others = {int(m.group(1)) for m in PROMPT_RE.finditer(pg.inner_text("body"))}
            assert others == {s}, f"session {s} shows text of sessions {others - {s}}"
            shown[s] = replies
        screenshot(pages[3], "many_users_session_3")

        # The shared ledger: exactly 24 new records, 3 per session, each with its own text and setting.
        ledger.flush()
        assert ledger.count() - before == SESSIONS * ROUNDS
        with ledger.engine.connect() as conn:
            ids = [row["id"] for row in queries.recent(conn, Filters(start_ms=t0_ms), limit=100)]
        assert len(ids) == SESSIONS * ROUNDS
        by_session: dict[str, list[dict]] = defaultdict(list)
        for i in ids:
            by_session[ledger.request(i)["session_id"]].append(ledger.request(i))
        assert len(by_session) == SESSIONS and all(len(v) == ROUNDS for v in by_session.values())
        seen_users = set()
        for records in by_session.values():
            users = set()
            for rec in records:
                assert rec["status"] == "ok" and rec["stream"] and rec["page"] == "playground"
                messages = json.loads(rec["messages"])
                m = PROMPT_RE.match(messages[-1]["content"])
                s, r = int(m.group(1)), int(m.group(2)) - 1
                users.add(s)
                assert json.loads(rec["params"])["max_tokens"] == max_tokens_for(s)
                # the history sent is this session's own earlier turns, never another's
                assert {int(x.group(1)) for x in PROMPT_RE.finditer(rec["messages"])} == {s}
                reply = json.loads(rec["replies"])[0]
                assert words(reply) and words(reply) in words(shown[s][r])
            assert len(users) == 1, f"one ledger session mixes users {users}"
            seen_users |= users
        assert seen_users == set(range(SESSIONS))
        ledger.close()
    finally:
        for ctx in contexts:
            ctx.close()
