"""Slider → rerun finished: from a slider key press to the last websocket message of the rerun it
causes, on the Playground, Compare and Distribution Lab pages against a page with one slider and
nothing else, in Debian's Chromium (same run, same server machine).

The four pages are open at once and moved in turn, round after round: each page's move is paired
with the reference's move of the same round, so both see the same load (this machine is shared).
A page's figure is the median of its 12 pairs' ratios; the milliseconds are medians too.

Target: each page ≤ 2× the one-slider page. The frames are timed as the browser sees them
(DevTools websocket frame timestamps); both sides pay that the same way.

What the figure is made of (measured on the Playground, Chromium's trace aligned with the server's
send times, same monotonic clock): the server's part, from the widget message to the last message
sent, is the fragment's run (about 2.5 ms against 1 ms for the reference's whole script) plus up to
5 ms while Streamlit's send loop sleeps between flushes (runtime_util.MESSAGE_FLUSH_INTERVAL_SECS);
the browser's part is that every message is timestamped only once the main thread has finished the
React commit the message before it caused, and each commit redraws every element of the page (about
3 ms on the Playground, under 1 ms on the reference). Both vary from move to move by more than the
difference between pages, hence medians of pairs.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from bench import ui_support as ui

REPEATS = 12
TARGET = 2.0


@dataclass
class Slider:
    """One open page and the slider a round moves on it."""
    name: str
    page: object
    frames: ui.Frames
    selector: str
    times: list[float] = field(default_factory=list)

    def move(self, k: int) -> float:
        thumb = self.page.locator(self.selector).first
        thumb.focus()
        self.frames.settle(self.page)
        return self.frames.rerun_after(self.page, lambda: thumb.press("ArrowRight" if k % 2 == 0 else "ArrowLeft"))


def _open(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = ctx.new_page()
    frames = ui.Frames(page)
    page.goto(url)
    ui.wait_for_app(page)
    return ctx, page, frames


def _click(page, selector: str) -> None:
    box = page.locator(selector).first
    box.wait_for(timeout=120_000)
    box.click()
    ui.wait_for_app(page)


def _playground(browser, url: str):
    ctx, page, frames = _open(browser, url)
    page.locator(".st-key-send").first.wait_for(timeout=120_000)
    _click(page, ".st-key-pp-temperature-on label")  # ticked: its slider is enabled
    return ctx, Slider("Playground", page, frames, ".st-key-pp-temperature-v input[type=range]")


def _compare(browser, url: str):
    ctx, page, frames = _open(browser, url + "/Compare")
    _click(page, '[class*="st-key-sec-head-cmp-"][class*="-edit"] button')  # the pane's parameters
    _click(page, '[class*="st-key-cmp-"][class*="-pp-temperature-on"] label')
    return ctx, Slider("Compare", page, frames, '[class*="st-key-cmp-"][class*="-pp-temperature-v"] input[type=range]')


def _lab(browser, url: str):
    ctx, page, frames = _open(browser, url + "/Distribution_Lab")
    return ctx, Slider("Distribution Lab", page, frames, ".st-key-lab-w-temperature input[type=range]")


def measure(browser) -> tuple[Slider, list[Slider]]:
    contexts = []
    with ui.app("bench/apps/one_slider.py") as (ref_url, _), ui.app() as (url, _):
        try:
            ctx, page, frames = _open(browser, ref_url)
            contexts.append(ctx)
            ref = Slider("one-slider page", page, frames, "input[type=range]")
            pages = []
            for opener in (_playground, _compare, _lab):
                ctx, slider = opener(browser, url)
                contexts.append(ctx)
                pages.append(slider)
            for k in range(REPEATS + 1):  # the first round warms caches; it is not counted
                for s in pages:
                    ref_t, t = ref.move(k), s.move(k)
                    if k:
                        ref.times.append(ref_t)
                        s.times.append(t)
        finally:
            for ctx in contexts:
                ctx.close()
    return ref, pages


def main() -> None:
    with ui.browser() as browser:
        ref, pages = measure(browser)
    for i, s in enumerate(pages):
        pairs = ref.times[i::len(pages)]
        ratio = statistics.median(t / r for t, r in zip(s.times, pairs))
        ok = "ok" if ratio <= TARGET else "OVER"
        print(f"   {s.name}: {statistics.median(s.times) * 1000:.0f} ms vs one-slider page "
              f"{statistics.median(pairs) * 1000:.0f} ms (medians of {REPEATS}) → ratio {ratio:.2f} "
              f"(median of pairs; target ≤ {TARGET:.1f}×) {ok}", flush=True)


if __name__ == "__main__":
    main()
