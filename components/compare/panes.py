"""Compare page sections: the toolbar, the panes' settings, their live output and the run.

Canonical state: `cmp.panes` (list of compare.Pane); the last run is `cmp.run` (a LiveRun)
with `cmp.snapshot` (the panes and bodies it was started with). Workers never draw: the
output row is a fragment that repaints itself while the run is live, so all panes stream at
once and nothing else on the page reruns. The settings row is a fragment too: editing a pane
reruns only the settings.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from components.common import budget as budget_ui
from components.common import cost_breakdown
from components.common import fragments
from components.compare import context
from components.compare import cost as compare_cost
from components.common import live
from components.common import params_panel, section, reply_extras, thinking
from components.common import state
from paramlab.experiments import compare
from paramlab import settings as config
from paramlab.experiments import sweep
from paramlab.experiments.compare import Pane
from paramlab.backends.engine import EngineError
from paramlab.runs.live import LiveRun
from paramlab.client.metrics import metric_cells
from paramlab.runs.parallel import Job
from paramlab.client.result import ChatResult
from paramlab.safety.markdown import safe_markdown
from paramlab.request.schema import ValidationError

PANES = "cmp.panes"
PROMPT = "cmp.prompt"
TYPED = "cmp.prompt_typed"  # the user wrote the message: it no longer follows the Playground
RUN = "cmp.run"
SNAPSHOT = "cmp.snapshot"
PREFERRED = "cmp.preferred"
SETTINGS_FRAGMENT = "cmp-settings"
COST_FRAGMENT = "cmp-cost"


@dataclass
class Snapshot:
    """What a run was started with: pane copies, titles, messages, which job each pane is."""
    panes: list[Pane]
    titles: list[str]
    messages: list[dict]
    job_of: dict[int, int] = field(default_factory=dict)     # pane index -> job index
    errors: dict[int, str] = field(default_factory=dict)     # pane index -> why it was not sent

    def result(self, run: LiveRun | None, i: int) -> ChatResult | None:
        j = self.job_of.get(i)
        return None if run is None or j is None else run.results[j]


def ensure_panes() -> list[Pane]:
    ss = st.session_state
    if PANES not in ss:
        ss[PANES] = compare.from_settings(ss[state.ENDPOINT], ss[state.MODEL], ss[state.PARAMS])
    if not ss.get(TYPED):  # TYPED is set together with PROMPT
        ss[PROMPT] = _playground_question()
    return ss[PANES]


def _playground_question() -> str:
    """The message until the user writes one: the Playground's last question."""
    return context.default_prompt() or "Explain what temperature does in one paragraph."


def running() -> bool:
    run: LiveRun | None = st.session_state.get(RUN)
    return run is not None and not run.finished


# -- toolbar --------------------------------------------------------------------------------
def _from_playground() -> None:
    ss = st.session_state
    ss[PANES] = compare.from_settings(ss[state.ENDPOINT], ss[state.MODEL], ss[state.PARAMS], len(ss[PANES]))


def _add_pane() -> None:
    panes = st.session_state[PANES]
    if len(panes) < compare.MAX_PANES:
        panes.append(panes[-1].clone())


def toolbar() -> None:
    panes = ensure_panes()
    row = st.container(horizontal=True, vertical_alignment="center")  # one flex row: cheaper than columns
    row.button("↺ Start from the Playground's settings", on_click=_from_playground, disabled=running(),
               help="Every pane takes the Playground's endpoint, model and parameters.")
    row.button("➕ Add pane", on_click=_add_pane, disabled=len(panes) >= compare.MAX_PANES or running(),
               help=f"Up to {compare.MAX_PANES} panes; the new one copies the last pane.")
    with row.popover("🎚️ Vary one parameter", disabled=running()):
        _vary_form(panes)
    row.caption(f"{len(panes)} panes · every pane answers the same conversation · "
                "changed settings are named in each pane's title")


def _vary_form(panes: list[Pane]) -> None:
    st.caption("New panes copy pane 1 and differ only in this parameter, or in their system prompt.")
    name = st.selectbox("Parameter", [*sweep.SWEEPABLE, compare.SYSTEM], key="cmp.vary.name")
    if name == compare.SYSTEM:
        text = st.text_area("System prompts, one per line", key="cmp.vary.prompts", height=110,
                            placeholder="Answer in one sentence.\nAnswer like a pirate.",
                            help="One pane per line, each sending that line as its own system prompt in place "
                                 "of the Playground's. For a prompt of several lines, clone a pane and edit its "
                                 "📝 System prompt.")
    else:
        text = st.text_input("Values (comma-separated)", value="0, 0.7, 1.4", key="cmp.vary.values")
    if st.button("Create panes", key="cmp.vary.go", type="primary"):
        try:
            st.session_state[PANES] = (
                compare.vary_system(panes[0], compare.parse_prompts(text)) if name == compare.SYSTEM
                else compare.vary_one(panes[0], name, sweep.parse_values(name, text)))
        except ValidationError as e:
            for err in e.errors:
                st.error(str(err))
            return
        st.rerun()


def prompt_box() -> str:
    ensure_panes()
    if not st.session_state.get(TYPED):  # the box shows it too (before the box is drawn)
        st.session_state["w.cmp.prompt"] = st.session_state[PROMPT]
    st.caption(context.summary(st.session_state[PROMPT]))
    st.text_area("Message (user)", key="w.cmp.prompt", value=st.session_state[PROMPT], height=80,
                 on_change=lambda: st.session_state.update({PROMPT: st.session_state["w.cmp.prompt"], TYPED: True}))
    return st.session_state[PROMPT]


# -- run ----------------------------------------------------------------------------------
def start_run() -> None:
    """Build each pane's body; panes with bad settings show why and the others run."""
    ss = st.session_state
    panes: list[Pane] = ss[PANES]
    if not budget_ui.gate(*[p.endpoint for p in panes]):
        return  # a hard budget is used up: the message and panes stay as they are
    messages = context.messages_for(ss[PROMPT])
    snap = Snapshot([p.clone() for p in panes], [compare.pane_title(panes, i) for i in range(len(panes))], messages)
    for p, orig in zip(snap.panes, panes):
        p.id = orig.id
    jobs: list[Job] = []
    for i, p in enumerate(snap.panes):
        try:
            ep = state.resolve_endpoint(p.endpoint)
            body = compare.body_for(p, messages, ss[state.STREAM], ss[state.INCLUDE_USAGE], backend=ep.backend)
            client = state.client_for(ep)
        except ValidationError as e:
            snap.errors[i] = "Not sent — " + "; ".join(str(x) for x in e.errors)
            continue
        except (config.ConfigError, EngineError) as e:
            snap.errors[i] = f"Not sent — endpoint: {e}"
            continue
        snap.job_of[i] = len(jobs)
        jobs.append(Job(client, body, {**state.request_context("compare"), "pane": i + 1}))
    ss[SNAPSHOT] = snap
    ss[PREFERRED] = None
    old: LiveRun | None = ss.get(RUN)
    if old is not None:
        old.cancel()  # never leave an earlier run generating unseen
    ss[RUN] = live.watch(LiveRun(jobs, max_workers=compare.MAX_PANES))


def cancel_run() -> None:
    run: LiveRun | None = st.session_state.get(RUN)
    if run is not None:
        run.cancel()


def run_controls() -> None:
    """Run / Cancel buttons (a click reruns the page: the run starts or stops)."""
    if running():
        st.button("⏹ Cancel all", on_click=cancel_run, type="primary", key="cmp.cancel",
                  help="Stops every pane; the text received so far is kept.")
    else:
        st.button("▶ Run all panes", on_click=start_run, type="primary", key="cmp.go",
                  disabled=not st.session_state[PROMPT].strip(),
                  help="Sends the conversation to every pane at once; they stream side by side.")


def cost(prompt: str) -> None:
    """Worst-case cost and budget warnings, a fragment: a pane's parameter change redraws it."""
    fragments.run(COST_FRAGMENT, compare_cost.render, ensure_panes(), prompt, watch=compare_cost.view)


# -- panes --------------------------------------------------------------------------------
def render_settings() -> None:
    """One bordered column per pane with its endpoint, model and parameters (a fragment)."""
    fragments.run(SETTINGS_FRAGMENT, _settings_row)


def _settings_row() -> None:
    panes: list[Pane] = ensure_panes()
    cols = st.columns(len(panes), border=True)
    for i, col in enumerate(cols):
        with col:
            _pane_settings(panes, i)


def render_outputs() -> None:
    """The replies under the panes: a fragment that repaints itself while the run is live."""
    run: LiveRun | None = st.session_state.get(RUN)
    live.painter("cmp-outputs", run, _outputs)


def _outputs() -> None:
    panes: list[Pane] = ensure_panes()
    snap: Snapshot | None = st.session_state.get(SNAPSHOT)
    run: LiveRun | None = st.session_state.get(RUN)
    if run is not None:
        st.caption(_progress(run))
    elif snap is None:  # nothing to show under the panes yet: one line, not a column per pane
        st.caption("No replies yet: ▶ Run all panes sends the message to every pane at once.")
        return
    cols = st.columns(len(panes), border=True)
    for i, (col, pane) in enumerate(zip(cols, panes)):
        with col, st.container(key=f"cmp-out-{i}"):
            si = _snapshot_index(snap, pane)
            if snap is None or si is None:
                st.caption("Not run yet.")
                continue
            if si in snap.errors:
                st.error(snap.errors[si])
                continue
            j = snap.job_of[si]
            result = run.results[j] if run else None
            if result is not None:
                _final(result, i)
            elif run is not None:
                _streaming(run, j)


def _progress(run: LiveRun) -> str:
    if run.live:
        return f"⏳ {run.done_count} of {run.total} panes done · {run.elapsed():.1f} s"
    return (f"Last run: {run.total} requests in {run.elapsed():.2f} s (all panes at once)"
            + (" · cancelled" if run.cancelled else ""))


def _snapshot_index(snap: Snapshot | None, pane: Pane) -> int | None:
    if snap is None:
        return None
    for k, p in enumerate(snap.panes):
        if p.id == pane.id:
            return k
    return None


def _pane_settings(panes: list[Pane], i: int) -> None:
    pane = panes[i]
    k = f"cmp.{pane.id}"
    # The pane's endpoint, model, Clone and Remove fold to one line that names the pane and the
    # first two; its parameters to one line that says what it sends. Each part drawn costs the
    # browser time on every slider move of the page (two drop-downs as much as ten buttons). The
    # column is bordered already, so an open section adds no box of its own.
    models, backend = _endpoint_of(pane)
    if not pane.model and models:
        pane.model = models[0]  # what the folded picker would show first
    with section.lazy(f"**{compare.pane_title(panes, i)}** · ⚙️ {pane.endpoint} · {pane.model or 'model?'}",
                      f"{k}-conn", force_open=not pane.model, boxed=False) as shown:  # no model yet: open
        if shown:
            backend = _pane_endpoint(pane, k)
            _clone_remove(panes, i, k)
    with section.lazy(_system_label(pane), f"{k}-sys", boxed=False) as shown:
        if shown:
            _pane_system(pane, k)
    with section.lazy(_params_label(pane, f"{k}-edit"), f"{k}-edit", boxed=False) as shown:
        if shown:
            params_panel.render(pane.params, backend, key=f"{k}.pp", model=pane.model or "",
                                dependents=(SETTINGS_FRAGMENT, COST_FRAGMENT))


def _system_label(pane: Pane) -> str:
    if pane.system is None:
        return "📝 System prompt · the Playground's"
    return "📝 System prompt · own: " + compare.system_label(pane.system, 40)


def _pane_system(pane: Pane, k: str) -> None:
    """A prompt variant: the pane sends its own system prompt in place of the Playground's. A
    change reruns the settings (the titles name what differs) and the worst case (prompt tokens).
    The pane holds the prompt; the widgets are set from it on every draw (a folded section drops
    them), and unticked, the box shows the Playground's prompt as it is now."""
    ss, shared = st.session_state, st.session_state[state.SYSTEM]
    ss[f"{k}.sys.on"] = own = pane.system is not None
    ss[f"{k}.sys.v"] = pane.system if own else shared
    with fragments.rerunning((SETTINGS_FRAGMENT, COST_FRAGMENT)):
        st.checkbox("Own system prompt", key=f"{k}.sys.on",
                    help="Send this pane with its own system prompt instead of the Playground's, to compare "
                         "prompt variants (left empty: no system prompt). The conversation's other turns stay "
                         "the same.",
                    **fragments.hook(_own_system, pane, k, shared))
        st.text_area("System prompt of this pane", key=f"{k}.sys.v", disabled=not own, height=100,
                     label_visibility="collapsed",
                     placeholder="No system prompt" if own else "The Playground has no system prompt",
                     **fragments.hook(_typed_system, pane, k))


def _own_system(pane: Pane, k: str, shared: str) -> None:
    """Ticked: the pane starts from the Playground's prompt; unticked: it follows it again."""
    pane.system = shared if st.session_state[f"{k}.sys.on"] else None


def _typed_system(pane: Pane, k: str) -> None:
    if st.session_state.get(f"{k}.sys.on"):
        pane.system = st.session_state[f"{k}.sys.v"]


def _params_label(pane: Pane, key: str) -> str:
    """Folded, the header says what the pane sends. Open, its ticks say it: the header is not
    redrawn by a slider move, so a summary there would go stale."""
    if st.session_state.get(key) and fragments.browser():
        return "🎚️ Parameters (editing)"
    return "🎚️ Parameters · sends: " + params_panel.sent_summary(pane.params)


def _clone_remove(panes: list[Pane], i: int, k: str) -> None:
    # Material icons (always in the app's font, unlike ⧉) and short words that fit six panes.
    row = st.container(horizontal=True)
    if row.button("Clone", icon=":material/content_copy:", key=f"{k}.clone", type="tertiary",
                  disabled=len(panes) >= compare.MAX_PANES or running(), help="Add a copy of this pane next to it."):
        panes.insert(i + 1, panes[i].clone())
        st.rerun()
    if row.button("Remove", icon=":material/close:", key=f"{k}.remove", type="tertiary",
                  disabled=len(panes) <= compare.MIN_PANES or running(), help="Remove this pane."):
        panes.pop(i)
        st.rerun()


def _endpoint_of(pane: Pane) -> tuple[list[str], str]:
    """The pane's endpoint's models and backend (none and "other" when it is not configured)."""
    try:
        ep = state.resolve_endpoint(pane.endpoint)
    except config.ConfigError:
        return [], "other"
    return list(ep.models), ep.backend


def _pane_endpoint(pane: Pane, k: str) -> str:
    """The pane's endpoint and model pickers; returns the endpoint's backend. They sit in the
    settings fragment: a change reruns the cost line above it too when it alters the worst case."""
    names = state.endpoint_names()
    with fragments.rerunning((SETTINGS_FRAGMENT,), watched=True):
        pane.endpoint = st.selectbox("Endpoint", names, key=f"{k}.endpoint",
                                     index=names.index(pane.endpoint) if pane.endpoint in names else 0,
                                     **fragments.hook(_pick_endpoint, pane, f"{k}.endpoint"))
        models, backend = _endpoint_of(pane)
        if models:
            pane.model = st.selectbox("Model", models, key=f"{k}.model",
                                      index=models.index(pane.model) if pane.model in models else 0,
                                      **fragments.hook(_pick_model, pane, f"{k}.model"))
        else:
            pane.model = st.text_input("Model", value=pane.model or "", key=f"{k}.model",
                                       placeholder="model name, e.g. gpt-4o-mini",
                                       **fragments.hook(_pick_model, pane, f"{k}.model")) or None
    return backend


def _pick_endpoint(pane: Pane, key: str) -> None:
    """A picked endpoint, applied before anything that prices the pane reruns; a model it does
    not serve gives way to its first one (what the model picker will show)."""
    pane.endpoint = st.session_state[key]
    models, _ = _endpoint_of(pane)
    if models and pane.model not in models:
        pane.model = models[0]


def _pick_model(pane: Pane, key: str) -> None:
    pane.model = st.session_state[key] or None


def _streaming(run: LiveRun, j: int) -> None:
    texts = run.choices(j)
    thinking.paint(st.empty(), "\n\n".join(run.thinking(j).values()), True, any(texts.values()))
    if not any(texts.values()) and run.transcripts(j):  # a spoken reply: its transcript as it arrives
        st.caption("🔊 Transcript (the audio plays when the reply has ended)")
        texts = run.transcripts(j)
    if not texts:
        st.caption("waiting for the first token…")
        return
    st.markdown(_choices_markdown(texts, cursor=True))
    st.caption(f"streaming… {sum(len(t) for t in texts.values())} characters")


def _choices_markdown(texts: dict[int, str], cursor: bool = False) -> str:
    if len(texts) == 1:
        t = next(iter(texts.values()))
        return safe_markdown(t) + (" ▌" if cursor else "")
    return "\n\n".join(f"**Choice {i + 1}**\n\n{safe_markdown(t)}" for i, t in sorted(texts.items()))


def _final(result: ChatResult, i: int) -> None:
    if result.error:
        kind = st.warning if result.status in ("stopped", "truncated") else st.error
        kind(f"{result.status.upper()}: {result.error}")
    texts = {c.index: c.text for c in result.choices}
    thinking.render("\n\n".join(c.reasoning for c in result.choices if c.reasoning))
    for c in result.choices:
        thinking.refusal(c.refusal)
    if texts and any(texts.values()):
        st.markdown(_choices_markdown(texts))
    elif result.status == "ok" and not any(c.tool_calls or c.audio for c in result.choices):
        st.caption("_(empty reply)_")  # a spoken or tool-call reply shows below
    reply_extras.result_extras(result, f"cmp.out{i}")  # tool calls (valid or not), structured verdict
    reply_extras.finish_caption([c.finish_reason for c in result.choices], result.status)
    cells = metric_cells(result)
    st.caption(" · ".join(f"{label} **{value}**" for label, value, _ in cells),
               help=cost_breakdown.help_text(result.metrics.cost_parts))
