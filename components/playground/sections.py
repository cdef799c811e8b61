"""The Playground's sections. The page file lists them; the logic lives in paramlab.

Streaming: Send (and Regenerate, Retry, resend) queue a request (PENDING); settle_run() starts it
at the top of the next script run as paramlab.runs.run.start: worker threads keep every choice's
text current, and the reply panes are a fragment that repaints itself while the run is live, so
nothing else on the page reruns. Stop (and a closed browser tab) cancels the run; the partial
text is kept and marked stopped. Send is disabled while a reply streams: a reply can never be
thrown away, and the conversation never gets two user turns in a row. A parameter change
reruns only the panel and the fragments that read the parameters (DEPENDENTS).
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from components.common import budget as budget_ui
from components.common import backend_params
from components.common import fragments
from components.common import live
from components.common import params_panel
from components.playground import actions
from components.playground import code_view
from components.playground import presets as presets_ui
from components.playground import attach, tool_flow
from components.common import panes as replies
from components.common import reply_extras
from components.common import section
from components.common import state
from components.common import token_ids
from paramlab.request import context as ctx
from paramlab.runs import run as runs
from paramlab.runs.choice import choice_result
from paramlab.request import schema
from paramlab.request.messages import text_of, user_content
from paramlab.settings import Endpoint
from paramlab.client.result import ChatResult

RUN = "pl.run"            # paramlab.runs.run.Run of the last/current send (run.live while it streams)
PENDING = actions.PENDING  # body queued by Send (or Regenerate, Retry, resend), started by settle_run()
SEND_ERRORS = actions.SEND_ERRORS
RUN_ENDPOINT = "pl.run_endpoint"  # the endpoint the last run went to
PROMPT = "w.prompt"
DRAFT = "pl.draft"  # the message box's text, kept when the page is left
DEPENDENTS = ("pg-preset-status", "pg-context", "pg-send", "pg-code")  # fragments that read the parameters
STREAMING_NOTE = "a reply is still streaming: press Stop (its text is kept) before sending again"


def sidebar_controls(endpoint: Endpoint | None) -> None:
    with st.sidebar:
        with section.lazy(_options_title(), "pl-request-options") as shown:
            if shown:
                _request_options()
        presets_ui.render()
        st.markdown("**Parameters** :small[· tick one to send it; unticked ones are left out and the server "
                    "default applies]")
        backend = endpoint.backend if endpoint else "other"
        params_panel.render(st.session_state[state.PARAMS], backend, max_n=max_n(endpoint),
                            dependents=DEPENDENTS)
        fragments.run("pg-preset-status", presets_ui.show_status, watch=presets_ui.status_view)
        token_ids.render(endpoint, "pg", _add_bias)


def _options_title() -> str:
    """The folded section's title says what its switches are set to."""
    ss = st.session_state
    stream = "streaming" if ss[state.STREAM] else "not streaming"
    label = ss[state.LABEL]
    return f"⚙️ Request: {stream}" + (f" · label “{label}”" if label else "")


def _request_options() -> None:
    """The request's switches, each bound to its shared key (state.bind: seeded from it, written
    back to it, sent again after a page entry); the label is written back with its spaces tidied."""
    ss = st.session_state
    state.keep("w.label", ss[state.LABEL])
    st.text_input("Session label", key="w.label", max_chars=200, placeholder="e.g. prompt v2, temperature test",
                  help="Recorded with every request from now on, so the Usage page can filter and total "
                       "by it; rename past ones there.",
                  on_change=lambda: ss.update({state.LABEL: " ".join(ss["w.label"].split())}))
    st.toggle("Stream", key="w.stream", help="Show tokens as they arrive and measure time to first token.",
              **state.bind("w.stream", state.STREAM, True))
    st.toggle("Ask for usage in the stream", key="w.usage", disabled=not ss[state.STREAM],
              help='Sends stream_options {"include_usage": true}. Turn off for proxies that reject it.',
              **state.bind("w.usage", state.INCLUDE_USAGE, True))
    st.toggle("Drop obfuscation padding", key="w.no_obfuscation", disabled=not ss[state.STREAM],
              help='Sends stream_options {"include_obfuscation": false}: OpenAI stops padding each chunk with '
                   "random characters (a side-channel defence). Saves bandwidth on a network you trust.",
              **state.bind("w.no_obfuscation", state.NO_OBFUSCATION, False))


def _add_bias(entries: dict[int, float]) -> None:
    """The helper's ids into the panel's logit_bias, which is ticked so they are sent."""
    text = params_panel.bias_widget_text()
    params_panel.set_logit_bias(token_ids.bias_text_with(text, entries))


def max_n(endpoint: Endpoint | None) -> int | None:
    """Choices one request may ask for (llama.cpp's parallel slots); unknown elsewhere."""
    return backend_params.max_n(endpoint)


def system_prompt() -> None:
    st.text_area("System prompt", key="w.system", height=68,
                 help="Sent first, with role 'system'. Leave empty to send none.",
                 **state.bind("w.system", state.SYSTEM))


# -- composing ------------------------------------------------------------------------------
def _draft_messages(draft: str) -> list[dict]:
    msgs = state.conversation()
    images = attach.images()
    return msgs + [{"role": "user", "content": user_content(draft, images)}] if draft.strip() or images else msgs


def current_run() -> runs.Run | None:
    return st.session_state.get(RUN)


def streaming() -> bool:
    run = current_run()
    return run is not None and getattr(run, "live", None) is not None and run.live.live


def _send() -> None:
    """Send's callback: validate, move the draft into the conversation, queue the request."""
    if streaming():  # the button is disabled while streaming; a stale click must not lose the reply
        st.session_state[SEND_ERRORS] = [STREAMING_NOTE]
        return
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
    st.session_state[PROMPT] = st.session_state[DRAFT] = ""
    st.session_state.pop(actions.UNDO, None)  # a new turn: undoing an older clear would drop it
    actions.queue(body)
    fragments.rerun_app()  # Send sits in a fragment: the whole page shows the new turn and run


def _send_conversation() -> None:
    """Queue the conversation as it stands (after answering tool calls, or unticking a parameter).
    Called from buttons inside the replies fragment: the whole page reruns so the new turns show
    and settle_run() starts the queued request (a fragment rerun alone would do neither)."""
    try:
        if not budget_ui.gate(state.current_endpoint()):
            return
        try:
            body = schema.build_body(st.session_state[state.MODEL] or "", state.conversation(),
                                     state.request_params(), backend=state.current_backend())
        except schema.ValidationError as e:
            st.session_state[SEND_ERRORS] = [str(x) for x in e.errors]
            return
        actions.queue(body)
    finally:
        fragments.rerun_app()


def _stop() -> None:
    run = current_run()
    if run is not None and run.running:
        run.stop()
    fragments.rerun_app()


def settle_run(endpoint: Endpoint | None) -> None:
    """Before anything is drawn: take a run that ended into the conversation, and start the
    request queued by Send / Regenerate / Retry (a run still streaming is stopped first, so no
    generation is ever left running unseen)."""
    run = current_run()
    if run is not None and getattr(run, "live", None) is not None:
        live.settle(run.live, lambda: _auto_continue(run))
    body = st.session_state.pop(PENDING, None)
    if body is None or endpoint is None:
        return
    if run is not None and run.running:
        run.stop()
    new = runs.start(state.client_for(endpoint), body, endpoint.backend, max_n(endpoint),
                     state.request_context("playground"))
    st.session_state[RUN] = new
    st.session_state[RUN_ENDPOINT] = endpoint.name
    live.watch(new.live)
    live.finish_without_browser(new.live, lambda: _auto_continue(new))


def composer(endpoint: Endpoint | None) -> None:
    """Message box, context meter, Send / Stop and the worst-case cost next to Send."""
    # The draft also lives under a plain key: Streamlit drops a widget's value when its page is left,
    # and the box is the draft's only home.
    st.text_area("Your message", key=PROMPT, height=90, placeholder="Message the model…  (Send below)",
                 disabled=endpoint is None, **state.bind(PROMPT, DRAFT))
    attach.render()
    fragments.run("pg-context", context_meter, endpoint, watch=lambda _: _reply_budget())
    fragments.run("pg-send", _send_row, endpoint, watch=_send_view)


def _send_view(endpoint: Endpoint | None) -> tuple:
    """What the Send row shows that a parameter changes: why Send is blocked and the worst case."""
    p = st.session_state[state.PARAMS]
    return params_panel.invalid_fields(p, endpoint.backend if endpoint else None), p.get("n"), _reply_budget()


def _send_row(endpoint: Endpoint | None) -> None:
    """Send / Stop, the worst case and why Send is blocked (a fragment: it reads the parameters)."""
    busy = streaming()
    invalid = params_panel.invalid_fields(st.session_state[state.PARAMS], endpoint.backend if endpoint else None)
    row = st.container(horizontal=True, vertical_alignment="center")  # one flex row: cheaper than columns
    row.button("Send", type="primary", key="send", on_click=_send, disabled=endpoint is None or bool(invalid) or busy,
              help="While a reply streams, Stop it first (its text is kept)." if busy else
              "Sends the conversation plus your message with the current parameters.")
    row.button("■ Stop", key="stop", on_click=_stop, disabled=not busy,
              help="Ends every stream at once; the text so far is kept and marked stopped.")
    with row:
        worst_case_cost(endpoint)
    if invalid:
        st.caption(f":red[Send is blocked until {', '.join(invalid)} "
                   f"{'is' if len(invalid) == 1 else 'are'} fixed (see the message under the field in the sidebar).]")
    for e in st.session_state.get(SEND_ERRORS, []):
        st.error(f"Not sent — {e}")


def _count(endpoint: Endpoint | None) -> ctx.ContextCount | None:
    msgs = _draft_messages(st.session_state.get(PROMPT, ""))
    if not msgs:
        return None
    return _count_cached(tuple((m["role"], text_of(m)) for m in msgs),
                         endpoint.base_url if endpoint else "", endpoint.backend if endpoint else "",
                         endpoint.context_window if endpoint else None, st.session_state[state.MODEL],
                         _reply_budget(), endpoint)


def _reply_budget() -> int | None:
    p = st.session_state[state.PARAMS]
    return p.get("max_completion_tokens") or p.get("max_tokens")


@st.cache_data(show_spinner=False, max_entries=64, ttl=3600)
def _count_cached(messages: tuple, base_url: str, backend: str, window: int | None, model: str | None,
                  budget: int | None, _endpoint: Endpoint | None) -> ctx.ContextCount:
    return ctx.count([{"role": r, "content": c} for r, c in messages], _endpoint, model, budget)


def context_meter(endpoint: Endpoint | None) -> None:
    count = _count(endpoint)
    if count is None:
        return
    if count.window:
        st.progress(min(count.fraction or 0.0, 1.0),
                    text=f"Context: {count.prompt_tokens:,} of {count.window:,} tokens ({count.source})")
    else:
        st.caption(f"Context: {count.prompt_tokens:,} tokens ({count.source}); the model's window is unknown.")
    warning = count.warning()
    if warning:
        st.warning(warning, icon="⚠️")


def worst_case_cost(endpoint: Endpoint | None) -> None:
    count = _count(endpoint)
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
    text = run.slots[pos].text or reply_extras.spoken_text(run, pos)  # an audio-only reply: its transcript
    st.session_state[state.MESSAGES].append({"role": "assistant", "content": text,
                                             "result": choice_result(run, pos)})
    run.continued = True


def _continue_clicked(pos: int) -> None:
    """The button sits in the replies fragment: the whole page reruns, so the conversation shows
    the new turn (a fragment rerun alone hid the panes and showed nothing in their place)."""
    _continue_with(pos)
    fragments.rerun_app()


def _auto_continue(run: runs.Run) -> None:
    """A single reply joins the conversation as soon as it ends, a stopped one with its partial text."""
    if run.status == "running":
        run.status = "done"
    if run.n == 1 and len(run.slots) == 1 and (run.slots[0].text or reply_extras.spoken_text(run, 0)) \
            and run.slots[0].status in ("ok", "stopped", "truncated") \
            and not tool_flow.has_calls(run, 0):  # a reply with tool calls waits for its answers
        _continue_with(0)


def reply_panes(endpoint: Endpoint | None) -> None:
    run = current_run()
    if run is not None and endpoint is not None and st.session_state.get(RUN_ENDPOINT, endpoint.name) != endpoint.name:
        if not run.running and not any(s.text for s in run.slots):  # another endpoint's error: not this one's
            st.session_state.pop(RUN, None)
            run = None
    if run is not None:
        live.painter("pg-replies", getattr(run, "live", None), lambda: _draw_replies(run, endpoint),
                     on_end=lambda: _auto_continue(run))
    actions.bar(run, streaming())


def _draw_replies(run: runs.Run, endpoint: Endpoint | None) -> None:
    if getattr(run, "continued", False):
        return
    st.subheader("Replies", anchor=False)
    if endpoint is not None and st.session_state.get(RUN_ENDPOINT, endpoint.name) != endpoint.name:
        st.caption(f"These replies came from {st.session_state[RUN_ENDPOINT]}, before you switched endpoints.")
    live_run = getattr(run, "live", None)
    if live_run is not None and live_run.live:
        with live_run.lock:  # the workers write under this lock: paint one consistent picture
            notes, slots = list(run.notes), [replies.copy_slot(s) for s in run.slots]
        if notes:
            st.caption(" ".join(notes))
        replies.render_live(slots, run.n, run.started)
        return
    for note in run.notes:
        st.info(note, icon="🔀")
    replies.render_run(run, key="run", on_continue=_continue_clicked,
                       actions=tool_flow.actions(RUN, _send_conversation))


# -- session ----------------------------------------------------------------------------------
def session_box(endpoint: Endpoint | None) -> None:
    from components.playground import sessions as session_ui
    session_ui.render(endpoint)


def endpoint_and_sidebar() -> Endpoint | None:
    from components.common import endpoint_picker
    endpoint = endpoint_picker.render()
    sidebar_controls(endpoint)
    return endpoint


def code(endpoint: Endpoint | None) -> None:
    """View code, a fragment: it shows the next request, so parameter changes redraw it."""
    fragments.run("pg-code", _code, endpoint, watch=_code_view)


def _code_view(endpoint: Endpoint | None) -> dict | None:
    """The request the open code view shows (a closed one shows none)."""
    return next_body() if code_view.is_open() else None


def _code(endpoint: Endpoint | None) -> None:
    code_view.render(endpoint, last_body(), next_body())


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
