"""Slider → rerun finished: from a slider key press to the last websocket message of the rerun it
causes, median of 12, on the Playground, Compare and Distribution Lab pages against a page with
one slider and nothing else, in Debian's Chromium (same run, same server machine).

Target: each page ≤ 2× the one-slider page. The frames are timed as Playwright delivers them
(page.on("websocket") / framereceived); both sides pay that delivery the same way.
"""
from __future__ import annotations

import statistics
from bench import ui_support as ui

REPEATS = 12
TARGET = 2.0


def _median_rerun(page, slider_selector: str, frames: ui.Frames) -> float:
    thumb = page.locator(slider_selector).first
    thumb.wait_for(state="attached", timeout=120_000)
    frames.settle(page)
    times = []
    for k in range(REPEATS + 1):  # the first change warms caches; it is not counted
        thumb.focus()
        t = frames.rerun_after(page, lambda: thumb.press("ArrowRight" if k % 2 == 0 else "ArrowLeft"))
        if k:
            times.append(t)
    return statistics.median(times)


def _tick(page, key: str) -> None:
    """Tick a parameter's 'send' checkbox so its slider is enabled."""
    box = page.locator(f".st-key-{key} input[type=checkbox]").first
    box.wait_for(state="attached", timeout=120_000)
    if not box.is_checked():
        page.locator(f".st-key-{key} label").first.click()
    ui.wait_for_app(page)


def _open(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    frames = ui.Frames(page)
    page.goto(url)
    ui.wait_for_app(page)
    return ctx, page, frames


def reference(browser) -> float:
    with ui.app("bench/apps/one_slider.py") as (url, _):
        ctx, page, frames = _open(browser, url)
        try:
            return _median_rerun(page, "input[type=range]", frames)
        finally:
            ctx.close()


def pages(browser) -> dict[str, float]:
    out = {}
    with ui.app() as (url, _):
        ctx, page, frames = _open(browser, url)
        try:
            page.locator(".st-key-send").first.wait_for(timeout=120_000)
            _tick(page, "pp-temperature-on")
            out["Playground"] = _median_rerun(page, ".st-key-pp-temperature-v input[type=range]", frames)
        finally:
            ctx.close()
        ctx, page, frames = _open(browser, url + "/Compare")
        try:
            toggle = page.locator('[class*="st-key-cmp-"][class*="-edit"] label').first
            toggle.wait_for(timeout=120_000)
            toggle.click()
            ui.wait_for_app(page)
            box = page.locator('[class*="st-key-cmp-"][class*="-pp-temperature-on"] label').first
            box.wait_for(timeout=60_000)
            box.click()
            ui.wait_for_app(page)
            out["Compare"] = _median_rerun(page, '[class*="st-key-cmp-"][class*="-pp-temperature-v"] input[type=range]',
                                           frames)
        finally:
            ctx.close()
        ctx, page, frames = _open(browser, url + "/Distribution_Lab")
        try:
            out["Distribution Lab"] = _median_rerun(page, ".st-key-lab-w-temperature input[type=range]", frames)
        finally:
            ctx.close()
    return out


def main() -> None:
    with ui.browser() as browser:
        ref = reference(browser)
        measured = pages(browser)
    print(f"   one-slider page: {ref * 1000:.0f} ms (median of {REPEATS})")
    for name, t in measured.items():
        ok = "ok" if t / ref <= TARGET else "OVER"
        print(f"   {name}: {t * 1000:.0f} ms → ratio {t / ref:.2f} (target ≤ {TARGET:.1f}×) {ok}", flush=True)


if __name__ == "__main__":
    main()
