"""The Playground's sections. The page file lists them; the logic lives in paramlab.

Streaming: Send queues a request (PENDING). The reply section starts it as a parallel.Batch in
worker threads and drains the events, painting the panes. The batch and its event generator
live in session_state, so a click during streaming (which reruns the script) does not lose the
stream: the next run keeps draining it. Stop cancels the batch from its callback; the partial
text is kept and marked stopped.
"""
from __future__ import annotations

import time
from typing import Any

import streamlit as st

from components.common import budget as budget_ui
from components.common import backend_params
from components.common import params_panel
from components.playground import actions
from components.playground import presets as presets_ui
from components.playground import attach, tool_flow
from components.common import panes as replies
from components.common import state
from components.common import token_ids
from paramlab.request import context as ctx
from paramlab.runs import run as runs
from paramlab.runs.choice import choice_result
from paramlab.request import schema
from paramlab.request.messages import text_of, user_content
from paramlab.settings import Endpoint
from paramlab.runs.parallel import Batch, Job, JobDelta, JobDone
from paramlab.client.result import ChatResult

RUN = "pl.run"            # paramlab.runs.run.Run of the last/current send
LIVE = "pl.live"          # (Batch, event generator, [run job ids]) while streaming
PENDING = actions.PENDING  # body queued by Send (or Regenerate, Retry, resend), started by replies()
SEND_ERRORS = actions.SEND_ERRORS
RUN_ENDPOINT = "pl.run_endpoint"  # the endpoint the last run went to
PROMPT = "w.prompt"
TICK_S = 0.25


def sidebar_controls(endpoint: Endpoint | None) -> None:
    st.session_state.setdefault("w.stream", st.session_state[state.STREAM])
    st.session_state.setdefault("w.usage", st.session_state[state.INCLUDE_USAGE])
    st.session_state.setdefault("w.label", st.session_state[state.LABEL])
    with st.sidebar:
        st.text_input("Session label", key="w.label", max_chars=200, placeholder="e.g. prompt v2, temperature test",
                      help="Recorded with every request from now on, so the Usage page can filter and total "
                           "by it; rename past ones there.",
                      on_change=lambda: st.session_state.update({state.LABEL: " ".join(st.session_state["w.label"].split())}))
        st.toggle("Stream", key="w.stream",
                  help="Show tokens as they arrive and measure time to first token.",
                  on_change=lambda: st.session_state.update({state.STREAM: st.session_state["w.stream"]}))
        st.toggle("Ask for usage in the stream", key="w.usage",
                  disabled=not st.session_state[state.STREAM],
                  help='Sends stream_options {"include_usage": true}. Turn off for proxies that reject it.',
                  on_change=lambda: st.session_state.update({state.INCLUDE_USAGE: st.session_state["w.usage"]}))
        st.session_state.setdefault("w.no_obfuscation", bool(st.session_state.get(state.NO_OBFUSCATION)))
        st.toggle("Drop obfuscation padding", key="w.no_obfuscation", disabled=not st.session_state[state.STREAM],
                  help='Sends stream_options {"include_obfuscation": false}: OpenAI stops padding each chunk with '
                       "random characters (a side-channel defence). Saves bandwidth on a network you trust.",
                  on_change=lambda: st.session_state.update({state.NO_OBFUSCATION: st.session_state["w.no_obfuscation"]}))
        presets_ui.render()
        st.subheader("Parameters")
        st.caption("Tick a parameter to send it; unticked ones are left out and the server default applies.")
        backend = endpoint.backend if endpoint else "other"
        params_panel.render(st.session_state[state.PARAMS], backend, max_n=max_n(endpoint))
        presets_ui.show_status()
        token_ids.render(endpoint, "pg", _add_bias)


def _add_bias(entries: dict[int, float]) -> None:
    """The helper's ids into the panel's logit_bias, which is ticked so they are sent."""
    text = params_panel.bias_widget_text()
    params_panel.set_logit_bias(token_ids.bias_text_with(text, entries))


def max_n(endpoint: Endpoint | None) -> int | None:
    """Choices one request may ask for (llama.cpp's parallel slots); unknown elsewhere."""
    return backend_params.max_n(endpoint)


def system_prompt() -> None:
    st.session_state.setdefault("w.system", st.session_state[state.SYSTEM])
    st.text_area("System prompt", key="w.system", height=68,
                 help="Sent first, with role 'system'. Leave empty to send none.",
                 on_change=lambda: st.session_state.update({state.SYSTEM: st.session_state["w.system"]}))


# -- composing ------------------------------------------------------------------------------
def _draft_messages(draft: str) -> list[dict]:
    msgs = state.conversation()
    images = attach.images()
    return msgs + [{"role": "user", "content": user_content(draft, images)}] if draft.strip() or images else msgs


def _queue_send() -> None:
    """Send's callback: validate, move the draft into the conversation, queue the request."""
    if not budget_ui.gate(state.current_endpoint()):
        return  # a hard budget is used up: the draft stays in the box
    draft = st.session_state.get(PROMPT, "")
    msgs = _draft_messages(draft)
    errors = []
    if not msgs or msgs[-1]["role"] not in ("user", "tool"):
        errors.append("message: type a message (or end the conversation with a user turn) before sending")
    try:
        body = schema.build_body(st.session_state[state.MODEL] or "", msgs, state.request_params(),
                                 backend=state.current_backend())
    except schema.ValidationError as e:
        errors += [str(x) for x in e.errors]
    if errors:
        st.session_state[SEND_ERRORS] = errors  # the draft stays in the box: nothing typed is lost
        return
    if draft.strip() or attach.images():
        st.session_state[state.MESSAGES].append({"role": "user", "content": user_content(draft, attach.images())})
        attach.clear()
    st.session_state[PROMPT] = ""
    st.session_state.pop(actions.UNDO, None)  # a new turn: undoing an older clear would drop it
    actions.queue(body)


def _send_conversation() -> None:
    """Queue the conversation as it stands (after answering tool calls, or unticking a parameter)."""
    if not budget_ui.gate(state.current_endpoint()):
        return
    try:
        body = schema.build_body(st.session_state[state.MODEL] or "", state.conversation(), state.request_params(),
                                 backend=state.current_backend())
    except schema.ValidationError as e:
        st.session_state[SEND_ERRORS] = [str(x) for x in e.errors]
        return
    actions.queue(body)


def _stop() -> None:
    live = st.session_state.get(LIVE)
    if live is not None:
        live[0].cancel()
        st.session_state[RUN].stop()


def composer(endpoint: Endpoint | None) -> ctx.ContextCount | None:
    """Message box, context meter, Send / Stop and the worst-case cost next to Send."""
    st.text_area("Your message", key=PROMPT, height=90, placeholder="Message the model…  (Send below)",
                 disabled=endpoint is None)
    attach.render()
    count = context_meter(endpoint, st.session_state.get(PROMPT, ""))
    streaming = st.session_state.get(LIVE) is not None or st.session_state.get(PENDING) is not None
    invalid = params_panel.invalid_fields(st.session_state[state.PARAMS], endpoint.backend if endpoint else None)
    c1, c2, c3 = st.columns([1, 1, 5], vertical_alignment="center")
    c1.button("Send", type="primary", key="send", on_click=_queue_send, disabled=endpoint is None or bool(invalid),
              use_container_width=True, help="Sends the conversation plus your message with the current parameters.")
    c2.button("■ Stop", key="stop", on_click=_stop, disabled=not streaming, use_container_width=True,
              help="Ends every stream at once; the text so far is kept and marked stopped.")
    with c3:
        worst_case_cost(endpoint, count)
    if invalid:
        st.caption(f":red[Send is blocked until {', '.join(invalid)} "
                   f"{'is' if len(invalid) == 1 else 'are'} fixed (see the message under the field in the sidebar).]")
    for e in st.session_state.get(SEND_ERRORS, []):
        st.error(f"Not sent — {e}")
    return count


def _reply_budget() -> int | None:
    p = st.session_state[state.PARAMS]
    return p.get("max_completion_tokens") or p.get("max_tokens")


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def _count_cached(messages: tuple, base_url: str, backend: str, window: int | None, model: str | None,
                  budget: int | None, _endpoint: Endpoint | None) -> ctx.ContextCount:
    return ctx.count([{"role": r, "content": c} for r, c in messages], _endpoint, model, budget)


def context_meter(endpoint: Endpoint | None, draft: str) -> ctx.ContextCount | None:
    msgs = _draft_messages(draft)
    if not msgs:
        return None
    model = st.session_state[state.MODEL]
    count = _count_cached(tuple((m["role"], text_of(m)) for m in msgs),
                          endpoint.base_url if endpoint else "", endpoint.backend if endpoint else "",
                          endpoint.context_window if endpoint else None, model, _reply_budget(), endpoint)
    if count.window:
        st.progress(min(count.fraction or 0.0, 1.0),
                    text=f"Context: {count.prompt_tokens:,} of {count.window:,} tokens ({count.source})")
    else:
        st.caption(f"Context: {count.prompt_tokens:,} tokens ({count.source}); the model's window is unknown.")
    warning = count.warning()
    if warning:
        st.warning(warning, icon="⚠️")
    return count


def worst_case_cost(endpoint: Endpoint | None, count: ctx.ContextCount | None) -> None:
    p = st.session_state[state.PARAMS]
    n = int(p.get("n") or 1)
    budget, note = _reply_budget(), ""
    if budget is None and count is not None and count.window:
        note = " (max_tokens unset: the rest of the context window)"
        budget = max(count.window - count.prompt_tokens, 0)  # unset: the rest of the window
    wc = None
    try:
        from components.common import services
        from paramlab.usage import pricing
        price = services.prices().price_for(st.session_state[state.MODEL], endpoint)
        wc = pricing.worst_case_cost(count.prompt_tokens if count else None, budget, n, price)
    except Exception:  # noqa: BLE001 - pricing is optional; unknown cost is shown as such
        price = None
    from paramlab.client.metrics import fmt_cost
    if wc is None:
        why = "no price for this model" if budget is not None else "set max_tokens to bound it"
        st.caption(f"Worst-case cost: **unknown** ({why})")
    else:
        st.caption(f"Worst-case cost: **{fmt_cost(wc)}** — {count.prompt_tokens:,} prompt tokens + "
                   f"{budget:,} max tokens × n={n}{note}")
    budget_ui.warn(wc, endpoint)


# -- replies ----------------------------------------------------------------------------------
def _continue_with(pos: int) -> None:
    run: runs.Run = st.session_state[RUN]
    st.session_state[state.MESSAGES].append({"role": "assistant", "content": run.slots[pos].text,
                                             "result": choice_result(run, pos)})
    run.continued = True


def reply_panes(endpoint: Endpoint | None) -> None:
    body = st.session_state.pop(PENDING, None)
    if body is not None and endpoint is not None:
        _start(endpoint, body)
    run: runs.Run | None = st.session_state.get(RUN)
    if run is not None and endpoint is not None and st.session_state.get(RUN_ENDPOINT, endpoint.name) != endpoint.name:
        if not any(s.text for s in run.slots):  # another endpoint's error: it does not concern this one
            st.session_state.pop(RUN, None)
            run = None
    busy = st.session_state.get(LIVE) is not None
    if run is None:
        actions.bar(None, busy)
        return
    if st.session_state.get(LIVE) is not None:
        _drive(endpoint, run)
        st.rerun()  # paint the finished panes with their metrics and buttons
    if getattr(run, "continued", False):
        actions.bar(run, busy)
        return
    st.subheader("Replies")
    if endpoint is not None and st.session_state.get(RUN_ENDPOINT, endpoint.name) != endpoint.name:
        st.caption(f"These replies came from {st.session_state[RUN_ENDPOINT]}, before you switched endpoints.")
    for note in run.notes:
        st.info(note, icon="🔀")
    replies.render_run(run, key="run", on_continue=_continue_with,
                       actions=tool_flow.actions(RUN, _send_conversation))
    actions.bar(run, busy)


def _start(endpoint: Endpoint, body: dict[str, Any]) -> None:
    p = runs.plan(body, endpoint.backend, max_n(endpoint))
    run = runs.Run.start(int(body.get("n") or 1), p.bodies, p.note)
    st.session_state[RUN] = run
    st.session_state[RUN_ENDPOINT] = endpoint.name
    _launch(endpoint, run, list(range(len(p.bodies))))


def _launch(endpoint: Endpoint, run: runs.Run, job_ids: list[int]) -> None:
    client = state.client_for(endpoint)
    context = state.request_context("playground")
    batch = Batch([Job(client, run.bodies[j], context) for j in job_ids])
    st.session_state[LIVE] = (batch, batch.events(poll=0.05), job_ids)


def _drive(endpoint: Endpoint | None, run: runs.Run) -> None:
    """Drain the live batch into the run, painting the panes; fan out missing choices."""
    st.subheader("Replies")
    notes = st.empty()
    notes.caption(" ".join(run.notes))
    panes = replies.LivePanes(run)
    last_tick = 0.0
    while st.session_state.get(LIVE) is not None:
        batch, events, ids = st.session_state[LIVE]
        for ev in events:
            if isinstance(ev, JobDelta):
                slot = run.on_delta(ids[ev.job], ev.delta)
                if slot is not None:
                    panes.paint(run.slots.index(slot))
            elif isinstance(ev, JobDone):
                run.on_done(ids[ev.job], ev.result)
                panes.paint_all(force=True)
            now = time.monotonic()
            if now - last_tick > TICK_S:
                last_tick = now
                panes.tick(time.time() - run.started)
        st.session_state[LIVE] = None
        if run.status == "stopped":
            break
        missing = run.missing()
        if missing > 0 and endpoint is not None:
            ids = run.refill(runs.fanout_bodies(run.bodies[0], missing))
            run.notes.append(f"The server returned {run.n - missing} of n={run.n} choices, so ParamLab sent "
                             f"{missing} more request(s) with n=1 to fill the rest.")
            notes.caption(" ".join(run.notes))
            panes.paint_all(force=True)
            _launch(endpoint, run, ids)
    if run.status == "running":
        run.status = "done"
    _auto_continue(run)


def _auto_continue(run: runs.Run) -> None:
    """A single successful reply joins the conversation right away."""
    if run.n == 1 and len(run.slots) == 1 and run.slots[0].status == "ok" and run.slots[0].text \
            and not tool_flow.has_calls(run, 0):  # a reply with tool calls waits for its answers
        _continue_with(0)


# -- session ----------------------------------------------------------------------------------
def session_box(endpoint: Endpoint | None) -> None:
    from components.playground import sessions as session_ui
    session_ui.render(endpoint)


def endpoint_and_sidebar() -> Endpoint | None:
    from components.common import endpoint_picker
    endpoint = endpoint_picker.render()
    sidebar_controls(endpoint)
    return endpoint


def last_results() -> list[ChatResult]:
    run: runs.Run | None = st.session_state.get(RUN)
    return run.chat_results() if run else []


def last_body() -> dict | None:
    run: runs.Run | None = st.session_state.get(RUN)
    return run.bodies[0] if run and run.bodies else None


def next_body() -> dict | None:
    """The request Send would make now (None while it would not validate)."""
    try:
        return schema.build_body(st.session_state[state.MODEL] or "",
                                 _draft_messages(st.session_state.get(PROMPT, "")), state.request_params(),
                                 backend=state.current_backend())
    except schema.ValidationError:
        return None
