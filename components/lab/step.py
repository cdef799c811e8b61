"""Step mode: generate token by token, showing the distribution at each step and the token chosen."""
from __future__ import annotations

import copy
import random

from components.common import fragments
from components.common import words
import streamlit as st

from components.lab import chart as lab_chart
from components.lab import state as ls
from components.common import budget as budget_ui
from components.lab.text import t
from components.lab import work
from components.common import state
from paramlab.lab import next_token
from paramlab.lab import reshape
from paramlab.settings import Endpoint

MAX_STEPS = 64  # keep a run bounded
STEP_PICK = "lab.w.step_pick"
STEP_ERROR = "lab.step_error"


def _run(count: int) -> None:
    endpoint = state.endpoint_now()  # read when clicked: a pick in the same run counts
    if endpoint is None or not budget_ui.gate(endpoint, inline=True):
        return
    ss = st.session_state
    run: next_token.StepRun = copy.deepcopy(ss.get(ls.STEPS) or next_token.StepRun())
    rng = random.Random(f"{ss[ls.SEED]}:{len(run.steps)}")
    client, model, msgs, settings = state.client_for(endpoint), ss.get(state.MODEL) or "", ls.messages(), ls.settings()
    context = {**state.request_context("lab"), "action": f"next {count}"}

    def generate(cancelled):  # in a worker thread, on its own copy of the steps
        try:
            for _ in range(count):
                if cancelled.is_set() or run.finished or len(run.steps) >= MAX_STEPS:
                    break
                next_token.step(client, model, msgs, run, settings, rng, context=context)
        except next_token.NextTokenError as e:
            return run, str(e)
        return run, None

    work.start(f"Generating {words.count(count, 'token')}", generate, _generated)


def _generated(result) -> None:
    run, error = result
    st.session_state[ls.STEPS] = run
    st.session_state[STEP_ERROR] = error
    st.session_state.pop(STEP_PICK, None)


def render(endpoint: Endpoint | None) -> None:
    ss = st.session_state
    st.caption(t("step_caption"))
    c1 = c2 = c3 = st.container(horizontal=True)  # one flex row: cheaper than columns
    disabled = endpoint is None or work.busy()
    c1.button(t("next1"), key="lab.b.step1", disabled=disabled, on_click=_run, args=(1,))
    c2.button(t("next5"), key="lab.b.step5", disabled=disabled, on_click=_run, args=(5,))
    if c3.button(t("reset_steps"), key="lab.b.step_reset"):
        ss.pop(ls.STEPS, None)
        ss.pop(STEP_PICK, None)
    if ss.get(STEP_ERROR):
        st.error(ss[STEP_ERROR])
    fragments.run("lab-steps", _steps, watch=ls.view)  # the buttons stay outside: they start requests


def _steps() -> None:
    """The text so far and the distribution at a picked step (a fragment a setting's change reruns)."""
    run: next_token.StepRun | None = st.session_state.get(ls.STEPS)
    if not run or not run.steps:
        return
    st.markdown("**Text so far** (" + f"{len(run.steps)} tokens" + (", end of reply" if run.finished else "")
                + "):")
    st.text(run.text or "(empty)")  # plain text: exactly what was generated, nothing interpreted
    labels = [f"{i + 1}: {next_token.show_token(s.token.token)}" for i, s in enumerate(run.steps)]
    pick = st.select_slider("Step", options=labels, value=labels[-1], key=STEP_PICK) if len(labels) > 1 else labels[0]
    i = labels.index(pick)
    s = run.steps[i]
    rows = reshape.reshape(s.candidates, ls.settings(tuple(run.ids[:i])), s.tail)
    st.markdown(f"Step {i + 1}: chose {ls.md_token(s.token.token)} with probability {s.chosen_prob:.1%} "
                f"(model: {rows[s.chosen].raw_prob:.1%} of the candidates).")
    dist = next_token.NextToken(s.candidates, "", reshape.coverage(s.candidates), s.prefix, s.tail)
    lab_chart.render(dist, rows, key=f"step-{i}")
