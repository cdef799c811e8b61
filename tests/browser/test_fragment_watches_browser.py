"""Watched fragments (components/common/fragments.py) in a real browser: a change compares each
watch with what its fragment last drew, so a slider move works each watch out once, and a watched
fragment is redrawn when, and only when, what it shows changes."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.app import running_app, wait_for_app, wait_for_idle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def watched_url(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("watched"), script="tests/support/pages/watched.py") as url:
        yield url


def press(page, key: str, times: int) -> None:
    thumb = page.locator("input[type=range]").first
    thumb.focus()
    for _ in range(times):
        thumb.press(key)
        wait_for_idle(page, settle_ms=150)


def test_a_move_works_each_watch_out_once_and_redraws_only_a_changed_view(page, watched_url):
    page.goto(watched_url)
    wait_for_app(page)
    # The page's run drew the watched fragment and noted what it showed: one call.
    expect(page.get_by_text("Watch calls: 1")).to_be_visible()
    press(page, "ArrowRight", 3)  # 0 → 3: the view (over five?) stays False
    # One call per move: the new view against the one drawn (comparing with a fresh "before"
    # would take two).
    expect(page.get_by_text("Watch calls: 4")).to_be_visible()
    expect(page.get_by_text("Over five: False")).to_be_visible()
    press(page, "ArrowRight", 3)  # 3 → 6: the last move changes the view, so the fragment redraws
    expect(page.get_by_text("Over five: True")).to_be_visible()
