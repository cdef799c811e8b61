"""Streaming to the browser: a paced local server sends n = 4 choices at 200 tokens/s each into the
Playground (n = 4 panes) in Debian's Chromium.

- Latency: from the server's last byte to the final text of all four choices visible in the page
  (the browser's clock and the server's are the same machine's). Target ≤ 300 ms.
- CPU: the app server's CPU seconds per 1,000 streamed tokens, against the plainest Streamlit page
  that shows the same stream with st.write_stream, on the same paced server. Target ≤ 1.5×.
"""
from __future__ import annotations

import statistics

from bench import ui_support as ui
from bench.paced import Paced

N, RATE, TOKENS = 4, 200.0, 600
LATENCY_TARGET_MS = 300
CPU_TARGET = 1.5
RUNS = 2

# Date.now() at the first animation frame where every pane shows its last token.
WATCH = """(n) => {
  window.__final = null;
  const check = () => {
    let all = true;
    for (let i = 0; i < n; i++) {
      const pane = document.querySelector('.st-key-pane-' + i);
      if (!pane || !pane.innerText.includes('END' + i)) { all = false; break; }
    }
    if (all) { window.__final = Date.now(); return; }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}"""


def _measure(page, pid: int, paced: Paced, start) -> tuple[float, float]:
    """(latency ms, CPU seconds per 1,000 tokens) of one stream started by start()."""
    page.evaluate(WATCH, N)
    cpu0 = ui.cpu_seconds(pid)
    start()
    page.wait_for_function("() => window.__final !== null", timeout=120_000, polling=200)
    visible = page.evaluate("() => window.__final")
    page.wait_for_timeout(1000)  # what the server does right after (the final redraw) counts too
    cpu = ui.cpu_seconds(pid) - cpu0
    return visible - paced.last_byte * 1000, cpu / (N * TOKENS) * 1000


def paramlab(browser, paced: Paced) -> list[tuple[float, float]]:
    env = {"CHAT_BASE_URL": paced.base_url, "CHAT_MODEL": "paced", "CHAT_ALLOW_PRIVATE": "1"}
    out = []
    with ui.app(env=env) as (url, pid):
        for _ in range(RUNS):
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
            page = ctx.new_page()
            page.goto(url)
            ui.wait_for_app(page)
            page.locator(".st-key-send").first.wait_for(timeout=120_000)
            page.locator(".st-key-pp-n-on label").first.click()
            ui.wait_for_app(page)
            n_box = page.locator(".st-key-pp-n-v input").first
            n_box.fill(str(N))
            n_box.press("Enter")
            ui.wait_for_app(page)
            page.wait_for_timeout(500)
            box = page.locator(".st-key-w-prompt textarea")
            box.fill("Stream four choices.")
            box.press("Tab")
            ui.wait_for_app(page)
            out.append(_measure(page, pid, paced, lambda: page.locator(".st-key-send button").first.click()))
            ctx.close()
    return out


def reference(browser, paced: Paced) -> list[tuple[float, float]]:
    env = {"BENCH_STREAM_URL": paced.base_url + "/chat/completions", "BENCH_STREAM_N": str(N)}
    out = []
    with ui.app("bench/apps/write_stream.py", env) as (url, pid):
        for _ in range(RUNS):
            ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
            page = ctx.new_page()
            page.goto(url)
            ui.wait_for_app(page)
            out.append(_measure(page, pid, paced, lambda: page.get_by_role("button", name="Go").click()))
            ctx.close()
    return out


def main() -> None:
    paced = Paced(N, RATE, TOKENS)
    try:
        with ui.browser() as browser:
            ours = paramlab(browser, paced)
            ref = reference(browser, paced)
    finally:
        paced.close()
    latency = statistics.median(x[0] for x in ours)
    cpu, ref_cpu = statistics.median(x[1] for x in ours), statistics.median(x[1] for x in ref)
    print(f"   paced server: n={N} choices × {TOKENS} tokens at {RATE:.0f} tokens/s each, {RUNS} runs (medians)")
    print(f"   last byte → final text visible: {latency:.0f} ms → ratio {latency / LATENCY_TARGET_MS:.2f} "
          f"of the {LATENCY_TARGET_MS} ms target (st.write_stream page: {statistics.median(x[0] for x in ref):.0f} ms)")
    print(f"   app server CPU per 1,000 tokens: {cpu:.3f} s vs st.write_stream page {ref_cpu:.3f} s → ratio "
          f"{cpu / ref_cpu:.2f} (target ≤ {CPU_TARGET}×)", flush=True)


if __name__ == "__main__":
    main()
