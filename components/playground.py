"""The Playground's sections. The page file lists them; the work happens in paramlab."""
from __future__ import annotations

import streamlit as st

from components import params_panel, replies, state
from paramlab import schema
from paramlab.config import Endpoint
from paramlab.result import ChatResult, explain_finish_reason

LAST = "pl.last_result"
DRAFT = "pl.draft"


def sidebar_controls(endpoint: Endpoint | None) -> None:
    with st.sidebar:
        st.toggle("Stream", key="w.stream", value=st.session_state[state.STREAM],
                  help="Show tokens as they arrive and measure time to first token.",
                  on_change=lambda: st.session_state.update({state.STREAM: st.session_state["w.stream"]}))
        st.toggle("Ask for usage in the stream", key="w.usage", value=st.session_state[state.INCLUDE_USAGE],
                  disabled=not st.session_state[state.STREAM],
                  help='Sends stream_options {"include_usage": true}. Turn off for proxies that reject it.',
                  on_change=lambda: st.session_state.update({state.INCLUDE_USAGE: st.session_state["w.usage"]}))
        st.subheader("Parameters")
        st.caption("Tick a parameter to send it; unticked ones are left out and the server default applies.")
        params_panel.render(st.session_state[state.PARAMS], endpoint.backend if endpoint else "other")


def system_prompt() -> None:
    st.text_area("System prompt", key="w.system", value=st.session_state[state.SYSTEM], height=68,
                 help="Sent first, with role 'system'. Leave empty to send none.",
                 on_change=lambda: st.session_state.update({state.SYSTEM: st.session_state["w.system"]}))


def history() -> None:
    msgs = st.session_state[state.MESSAGES]
    for m in msgs:
        with st.chat_message(m["role"]):
            st.markdown(replies.safe_markdown(m["content"]))
            if m.get("result") is not None:
                res: ChatResult = m["result"]
                c = res.choices[0]
                st.caption(f"finish_reason **{c.finish_reason or 'missing'}** — {explain_finish_reason(c.finish_reason)}")
                replies.metrics_row(res)
    if msgs and st.button("Clear conversation", key="clear"):
        st.session_state[state.MESSAGES] = []
        st.session_state.pop(LAST, None)
        st.rerun()


def last_reply() -> None:
    result: ChatResult | None = st.session_state.get(LAST)
    if result is None:
        return
    replies.render_result(result)
    if result.choices:
        cols = st.columns(len(result.choices))
        for col, c in zip(cols, result.choices):
            if col.button(f"Continue with choice {c.index + 1}", key=f"cont{c.index}", disabled=not c.text):
                st.session_state[state.MESSAGES].append({"role": "assistant", "content": c.text})
                st.session_state.pop(LAST, None)
                st.rerun()


def composer(endpoint: Endpoint | None) -> None:
    draft = st.session_state.get(DRAFT)
    if draft:
        st.info(f"Your unsent message is kept: “{draft[:200]}”")
    prompt = st.chat_input("Message the model…", disabled=endpoint is None)
    if not prompt or endpoint is None:
        return
    send(endpoint, prompt)


def send(endpoint: Endpoint, prompt: str) -> None:
    msgs = state.conversation() + [{"role": "user", "content": prompt}]
    try:
        body = schema.build_body(st.session_state[state.MODEL] or "", msgs, state.request_params())
    except schema.ValidationError as e:
        st.session_state[DRAFT] = prompt  # nothing the user typed is lost
        for err in e.errors:
            st.error(f"Not sent — {err}")
        return
    st.session_state.pop(DRAFT, None)
    st.session_state.pop(LAST, None)
    st.session_state[state.MESSAGES].append({"role": "user", "content": prompt})
    with st.chat_message("user"):
        st.markdown(replies.safe_markdown(prompt))
    n = int(body.get("n") or 1)
    view = replies.StreamView(n) if body.get("stream") else None
    client = state.client_for(endpoint)
    with st.spinner("Waiting for the model…") if view is None else _nullcontext():
        result = client.run(body, on_delta=view.on_delta if view else None,
                            context=state.request_context("playground"))
    if result.status == "ok" and len(result.choices) == 1 and result.choices[0].text:
        st.session_state[state.MESSAGES].append({"role": "assistant", "content": result.choices[0].text,
                                                 "result": result})
    else:  # n > 1, an error or partial text: the user picks what to keep
        st.session_state[LAST] = result
    st.session_state["pl.last_full"] = result
    st.rerun()


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
