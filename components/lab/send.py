"""Send a real request with the Lab's settings (logit_bias included) and show the reply as a heatmap."""
from __future__ import annotations

import streamlit as st

from components.lab import state as ls
from components.lab.text import t
from components.lab import work
from components.common import panes as replies
from components.common import budget as budget_ui
from components.common import state
from components.common import token_heatmap
from paramlab.request import schema
from paramlab.settings import Endpoint
from paramlab.client.result import ChatResult

SEND_ERRORS = "lab.send_errors"
MAX_TOKENS = "lab.w.send_max"


def render(endpoint: Endpoint | None) -> None:
    c1 = c2 = st.container(horizontal=True, vertical_alignment="bottom")  # one flex row: cheaper than columns
    # no bounds in the widget (it would keep showing a refused number): checked here, by name
    max_tokens = c1.number_input("max_tokens", value=40, step=1, key=MAX_TOKENS, width=160)
    problem = _max_tokens_problem(max_tokens)
    if problem:
        st.error(problem)
    # send() reads max_tokens itself: a number typed and not yet committed is committed by the
    # click, after this run bound a callback's arguments (they would send the old value).
    c2.button(t("send"), key="lab.b.send", disabled=endpoint is None or bool(problem) or work.busy(),
              on_click=send, help=t("send_help"))
    for e in st.session_state.get(SEND_ERRORS, []):
        st.error(f"Not sent — {e}")
    res: ChatResult | None = st.session_state.get(ls.SENT)
    if res is None:
        return
    if res.error:
        st.error(res.error)
    for c in res.choices[:1]:
        token_heatmap.render(c.logprobs, key="lab-sent")
        st.caption(f"finish_reason **{c.finish_reason or 'missing'}** · sent: "
                   + ", ".join(f"{k}={v}" for k, v in res.request.items() if k not in ("messages", "model")))
    if res.choices:
        replies.metrics_row(res)


def _max_tokens_problem(value: int) -> str | None:
    return None if 1 <= value <= 512 else f"max_tokens: must be 1 to 512 in the Lab, got {value}"


def send() -> None:
    ss = st.session_state
    endpoint = state.endpoint_now()  # read when clicked: a pick in the same run counts
    if endpoint is None:
        return
    ss.pop(SEND_ERRORS, None)
    max_tokens = int(ss[MAX_TOKENS])
    problem = _max_tokens_problem(max_tokens)
    if problem:
        ss[SEND_ERRORS] = [problem]
        return
    if not budget_ui.gate(endpoint, inline=True):
        return
    msgs = ls.messages()
    prefix = ss[ls.PREFIX]
    if prefix:
        msgs.append({"role": "assistant", "content": prefix})
    _, errors = ls.logit_bias()
    if errors:
        ss[SEND_ERRORS] = errors
        return
    try:
        body = schema.build_body(ss.get(state.MODEL) or "", msgs, ls.request_params(max_tokens, endpoint.backend),
                                 backend=endpoint.backend)
    except schema.ValidationError as e:
        ss[SEND_ERRORS] = [str(err) for err in e.errors]
        return
    client, context = state.client_for(endpoint), state.request_context("lab")
    work.start("Waiting for the model", lambda cancelled: client.run(body, context=context),
               lambda result: ss.__setitem__(ls.SENT, result))
