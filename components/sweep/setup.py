"""Sweep page: choosing parameters, values and repeats; the plan's size and worst-case cost;
the confirmation above a threshold; and starting / cancelling the run."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from components.common import words
import streamlit as st

from components.common import budget as budget_ui
from components.common import fragments
from components.common import live
from components.common import params_panel
from components.common import state
from paramlab.request import schema
from paramlab.usage import budget
from paramlab.experiments import sweep
from paramlab.settings import Endpoint
from paramlab.runs.live import LiveRun
from paramlab.client.metrics import fmt_cost
from paramlab.runs.parallel import Job
from paramlab.request.schema import FieldError, ValidationError
from paramlab.experiments.sweep import Axis, SweepJob, SweepPlan

CFG = "sw.cfg"
BASE = "sw.base"
RUN = "sw.run"
STARTED = "sw.started"
CONFIRM_REQUESTS = 20      # above this many requests the user must confirm
CONFIRM_COST = 0.10        # ... or above this worst-case cost in dollars
DEFAULT_MAX_TOKENS = 128   # sweeps multiply requests: bound each reply unless the user sets one
NONE = "(none)"


@dataclass
class Started:
    """A snapshot of what the running / last sweep was started with."""
    plan: SweepPlan
    jobs: list[SweepJob]
    axes: list[str]
    prompt: str


def init() -> None:
    ss = st.session_state
    ss.setdefault(CFG, {"p1": "temperature", "v1": "0, 1, 1.5", "p2": NONE, "v2": "0.5, 1", "repeats": 3,
                        "concurrency": 4, "prompt": "Write one sentence about the sea."})
    if BASE not in ss:
        base = copy.deepcopy(ss[state.PARAMS])
        if base.get("max_tokens") is None and base.get("max_completion_tokens") is None:
            base["max_tokens"] = DEFAULT_MAX_TOKENS
        ss[BASE] = base


def running() -> bool:
    run: LiveRun | None = st.session_state.get(RUN)
    return run is not None and not run.finished


def _w(name: str, widget, label: str, **kw) -> Any:
    """A widget seeded from, and written back to, the canonical config (widget state is per page)."""
    cfg = st.session_state[CFG]
    cfg[name] = widget(label, key=f"w.sw.{name}", **kw)
    return cfg[name]


def form(endpoint: Endpoint | None) -> tuple[SweepPlan | None, list[FieldError]]:
    """The sweep definition; returns the plan (or None) and the errors naming each bad field."""
    init()
    cfg = st.session_state[CFG]
    errors: list[FieldError] = []
    c1, c2, c3, c4 = st.columns([1.2, 1.6, 1.2, 1.6])
    opts = list(sweep.AXES)
    p1 = _w("p1", c1.selectbox, "Parameter 1", options=opts, index=opts.index(cfg["p1"]) if cfg["p1"] in opts else 0,
            help=f"A numeric parameter, or “{sweep.SYSTEM}”: one prompt a value, typed one per line.")
    v1 = _values(c2, "1", p1)
    opts2 = [NONE] + [o for o in opts if o != p1]
    p2 = _w("p2", c3.selectbox, "Parameter 2 (optional)", options=opts2,
            index=opts2.index(cfg["p2"]) if cfg["p2"] in opts2 else 0)
    v2 = _values(c4, "2", p2)
    c5, c6, _ = st.columns([1, 1, 2])
    # no bounds in the widget (it would keep showing a refused number): SweepPlan.validate checks them
    repeats = _w("repeats", c5.number_input, "Repeats per cell",
                 value=int(cfg["repeats"]), step=1, help="Same request this many times: diversity needs ≥ 2.")
    _w("concurrency", c6.slider, "Concurrency limit", min_value=1, max_value=8, value=int(cfg["concurrency"]),
       help="Requests in flight at once. The embedded engine decodes 4 in parallel.")
    _w("prompt", st.text_area, "Message (user)", value=cfg["prompt"], height=68)
    context_choice(cfg)
    if not cfg["prompt"].strip():
        errors.append(FieldError("message", "type the message to send"))
    with st.expander("Base parameters (every cell starts from these; the swept ones are overridden)"):
        st.caption("Seeded from the Playground. max_tokens bounds each reply so the worst case is known.")
        # The request count, worst case, field errors and the plan Run sends all read these: a
        # change reruns the page, not just the panel (which would leave them all stale).
        with fragments.inline():
            params_panel.render(st.session_state[BASE], endpoint.backend if endpoint else "other", key="sw.pp")
    errors += [FieldError(e.field, e.message) for e in schema.validate_params(st.session_state[BASE])]
    axes = []
    for name, text in ((p1, v1), (p2, v2)):
        if name == NONE:
            continue
        try:
            axes.append(Axis(name, tuple(sweep.parse_values(name, text))))
        except ValidationError as e:
            errors += e.errors
    if errors:
        return None, errors
    plan = SweepPlan(dict(st.session_state[BASE]), axes, int(repeats))
    errors += plan.validate()
    return (None if errors else plan), errors


PROMPTS_HELP = (f"One system prompt a line; each is a value of the sweep and replaces the Playground's. "
                f"{sweep.NO_SYSTEM} on a line sends none. Blank lines and repeats are dropped.")


def _values(col, n: str, name: str) -> str:
    """The values box of axis `n`: numbers on one line, or system prompts one per line (a box of
    its own, so switching the parameter keeps what was typed in either)."""
    cfg = st.session_state[CFG]
    if name == sweep.SYSTEM:
        cfg.setdefault("s" + n, "Answer in one short sentence.\nAnswer like a pirate.")
        return _w("s" + n, col.text_area, f"{name} values", value=cfg["s" + n], height=90, help=PROMPTS_HELP)
    return _w("v" + n, col.text_input, f"{name} values" if name != NONE else "values", value=cfg["v" + n],
              disabled=name == NONE, help="Comma-separated, e.g. 0, 0.5, 1, 1.5" if name != NONE else None)


# What is sent before the message: never the Playground's whole conversation unless chosen.
CONTEXT_OPTIONS = ("message", "system", "conversation")


def context_choice(cfg: dict) -> None:
    """The explicit, visible choice of what every request sends before the message."""
    turns = len(st.session_state[state.MESSAGES])
    system = st.session_state[state.SYSTEM].strip()
    labels = {"message": "Only this message",
              "system": "The Playground's system prompt, then this message" if system
              else "The Playground's system prompt (empty), then this message",
              "conversation": f"The Playground's system prompt and its {words.count(turns, 'turn')}, then this message"
              if turns else "The Playground's system prompt and its conversation (no turns yet), then this message"}
    cfg.setdefault("context", "message")
    _w("context", st.radio, "Sent before the message", options=CONTEXT_OPTIONS, index=CONTEXT_OPTIONS.index(
        cfg["context"] if cfg["context"] in CONTEXT_OPTIONS else "message"), format_func=labels.get,
       horizontal=True, help="Every request of the sweep sends exactly this, then the message above.")
    if sweep.SYSTEM in (cfg.get("p1"), cfg.get("p2")):
        st.caption(f"The swept {sweep.SYSTEM} takes the place of the Playground's: each cell sends its own.")


def _messages(prompt: str) -> list[dict]:
    how = st.session_state[CFG].get("context", "message")
    before: list[dict] = []
    if how == "conversation":
        before = state.conversation()
    elif how == "system" and st.session_state[state.SYSTEM].strip():
        before = [{"role": "system", "content": st.session_state[state.SYSTEM]}]
    return before + [{"role": "user", "content": prompt}]


def _body(job: SweepJob, prompt: str) -> dict:
    params, messages = sweep.split_job(job.params, _messages(prompt))
    stream = st.session_state[state.STREAM]
    params["stream"] = True if stream else None
    params["stream_options"] = {"include_usage": True} if stream and st.session_state[state.INCLUDE_USAGE] else None
    return schema.build_body(st.session_state[state.MODEL] or "", messages, params,
                             backend=state.current_backend())


def worst_case(endpoint: Endpoint, jobs: list[SweepJob], prompt: str) -> float | None:
    """Sum of every request's worst case, None (unknown) when pricing cannot tell."""
    def one(job: SweepJob) -> float | None:
        try:
            return budget.worst_case_for(endpoint, _body(job, prompt))
        except Exception:  # noqa: BLE001 - a price problem means "unknown", never a crash
            return None
    return sweep.worst_case_total(jobs, one)


def plan_summary(endpoint: Endpoint | None, plan: SweepPlan | None, errors: list[FieldError]) -> bool:
    """Show the request count and worst case, and the confirmation when needed; True when it may start."""
    for e in errors:
        st.error(str(e))
    if plan is None or endpoint is None:
        return False
    jobs = plan.jobs()
    prompt = st.session_state[CFG]["prompt"]
    try:
        _body(jobs[0], prompt)
    except ValidationError as e:
        for err in e.errors:
            st.error(str(err))
        return False
    wc = worst_case(endpoint, jobs, prompt)
    cells = len(plan.cells())
    wc_text = "unknown (no price for this model, or no max_tokens)" if wc is None else fmt_cost(wc)
    sent = _messages(prompt)  # what every request sends; a swept prompt changes only its first turn
    sizes = sorted({len(sweep.split_job(c.values, sent)[1]) for c in plan.cells()})
    sends = words.count(sizes[0], "message") if len(sizes) == 1 else f"{sizes[0]}–{sizes[-1]} messages"
    st.info(f"**{plan.request_count} requests** ({cells} cells × {plan.repeats} repeats) to "
            f"{endpoint.name} · model {st.session_state[state.MODEL]} · each sends {sends} · "
            f"worst-case cost **{wc_text}**", icon="🧮")
    budget_ui.warn(wc, endpoint)
    if sweep.needs_confirmation(plan.request_count, wc, CONFIRM_REQUESTS, CONFIRM_COST):
        return st.checkbox(f"I confirm sending {plan.request_count} requests (worst case {wc_text})",
                           key="sw.confirm", value=False)
    return True


def start(endpoint: Endpoint, plan: SweepPlan) -> None:
    ss = st.session_state
    if not budget_ui.gate(endpoint):
        return  # a hard budget is used up: the plan stays as typed
    prompt = ss[CFG]["prompt"]
    jobs = plan.jobs()
    client = state.client_for(endpoint)
    ctx = state.request_context("sweep")
    run_jobs = [Job(client, _body(j, prompt), {**ctx, "cell": j.cell, "repeat": j.repeat}) for j in jobs]
    ss[STARTED] = Started(plan, jobs, [a.name for a in plan.axes], prompt)
    old: LiveRun | None = ss.get(RUN)
    if old is not None:
        old.cancel()  # never leave an earlier sweep generating unseen
    ss[RUN] = live.watch(LiveRun(run_jobs, max_workers=int(ss[CFG]["concurrency"])))
    ss.pop("sw.confirm", None)


def cancel() -> None:
    run: LiveRun | None = st.session_state.get(RUN)
    if run is not None:
        run.cancel()


def controls(endpoint: Endpoint | None, plan: SweepPlan | None, may_start: bool) -> None:
    if running():
        st.button("⏹ Cancel sweep", on_click=cancel, type="primary", key="sw.cancel",
                  help="Stops every request; finished cells keep their results.")
    else:
        # Started from this run's plan, not from a callback's: callback arguments are the previous
        # run's, which miss a field committed by this very click.
        if st.button("▶ Run sweep", type="primary", key="sw.go", disabled=not may_start) and plan and endpoint:
            start(endpoint, plan)
            st.rerun()
