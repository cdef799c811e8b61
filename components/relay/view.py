"""The Relay page's parts: status and URL, keys (labels only), how to call it, and the recent relayed
requests with tokens, cost and latency, each one openable in the Playground."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from components.common import reopen, services
from components.relay import server
from paramlab.client.metrics import fmt_cost
from paramlab.relay import http as relay_http
from paramlab.relay.service import Relay, recent
from paramlab.usage.ledger import explain

MODES = {
    "keys": ("Relay on", "Every request needs one of the relay keys below (`Authorization: Bearer <relay key>`)."),
    "local": ("Relay open to local clients only",
              "No relay key is set and the app listens on 127.0.0.1 only, so programs on this machine may "
              "call it without a key. Set CHAT_RELAY_KEY before listening on other addresses."),
    "off": ("Relay off", "No relay key is set and the app listens on more than loopback: set CHAT_RELAY_KEY "
                         "(or relay.keys in the config file) to turn it on."),
}


def base_url() -> str:
    """The address this browser reached the app at: clients on the same network use the same one."""
    try:
        u = urlsplit(st.context.url)
        if u.scheme and u.netloc:
            return f"{u.scheme}://{u.netloc}"
    except Exception:  # noqa: BLE001 - older or test contexts have no URL
        pass
    return f"http://{server.server_address() or 'localhost'}:{st.get_option('server.port')}"


def status(relay: Relay) -> None:
    s = relay.status()
    if not relay_http.SERVED:
        st.warning("The relay's routes are not served by this process: start ParamLab with `make run` "
                   "(`streamlit run serve.py`), not `streamlit run playground.py`.", icon=":material/link_off:")
    title, text = MODES[s["mode"]]
    (st.success if s["mode"] == "keys" else st.info if s["mode"] == "local" else st.warning)(
        f"**{title}.** {text}", icon=":material/swap_horiz:")
    for err in s["errors"]:
        st.error(f"Relay configuration: {err}")
    url = base_url()
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**OpenAI-compatible endpoint** (base URL for any OpenAI SDK)")
        st.code(f"{url}/v1", language=None)
        st.markdown("**Chat-room API** (one conversation per client, kept by ParamLab)")
        st.code(f"POST {url}/chat-room\nPOST {url}/chat-room/stream\nPOST {url}/chat-room/reset", language=None)
    with c2:
        st.markdown("**Relay keys** (labels only; the keys are never shown)")
        if s["keys"]:
            rows = []
            for k in s["keys"]:
                try:
                    spent = relay.spent(k["label"])
                except SQLAlchemyError:
                    spent = None
                rows.append({"label": k["label"], "spent today": _money(spent[0]) if spent else "?",
                             "daily budget": _money(k["daily_budget"]),
                             "spent this month": _money(spent[1]) if spent else "?",
                             "monthly budget": _money(k["monthly_budget"])})
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        else:
            st.caption("None configured.")
        st.markdown("**Models** (model name → upstream endpoint)")
        st.dataframe(pd.DataFrame(s["models"], columns=["model", "endpoint"]), hide_index=True, width="stretch")


def _money(v: float | None) -> str:
    return "—" if v is None else f"${v:,.2f}" if v >= 0.01 or v == 0 else f"${v:.4f}"


def examples(relay: Relay) -> None:
    url = base_url()
    model = relay.routes.first_model() or "MODEL"
    key = "$RELAY_KEY" if relay.gate.keys else "local"
    with st.expander("Call it: curl and the openai SDK"):
        st.code(f"""curl {url}/v1/chat/completions \\
  -H "Authorization: Bearer {key}" -H "Content-Type: application/json" \\
  -d '{{"model": "{model}", "messages": [{{"role": "user", "content": "Hello"}}], "stream": true}}'""",
                language="bash")
        st.code(f"""from openai import OpenAI

client = OpenAI(base_url="{url}/v1", api_key="{'<relay key>' if relay.gate.keys else 'local'}")
reply = client.chat.completions.create(model="{model}", messages=[{{"role": "user", "content": "Hello"}}])
print(reply.choices[0].message.content)""", language="python")
        st.code(f"""curl {url}/chat-room -H "Authorization: Bearer {key}" -d '{{"role": "user", "content": "Hello"}}'""",
                language="bash")


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


def requests() -> None:
    """The newest relayed requests; select one to see it and open it in the Playground."""
    head, refresh = st.columns([5, 1], vertical_alignment="bottom")
    head.subheader("Recent relayed requests", anchor=False)
    refresh.button("Refresh", icon=":material/refresh:", key="relay.refresh", width="stretch")
    led = services.ledger()
    if led is None:
        st.error(services.ledger_status() or "The usage ledger is not available.")
        return
    try:
        rows = recent(led, 50)
    except SQLAlchemyError as e:
        st.error(explain(e, led.url))
        return
    if not rows:
        st.caption("Nothing relayed yet. Point an application at the URL above.")
        return
    df = pd.DataFrame(rows)
    df["time"] = df["ts_ms"].map(_when)
    df["client"] = df["session_id"]
    df["cost"] = df["cost"].map(fmt_cost)
    view = df[["id", "time", "label", "client", "model", "status", "prompt_tokens", "completion_tokens", "cost", "ttft_ms",
               "latency_ms"]].rename(columns={"label": "relay key", "prompt_tokens": "prompt tok",
                                              "completion_tokens": "output tok"})
    ev = st.dataframe(view, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                      key="relay.requests", height=300)
    picked = ev.selection.rows if ev is not None else []
    if not picked:
        st.caption("Select a request to see it and open it in the Playground.")
        return
    row = led.request(int(df.iloc[picked[0]]["id"]))
    if row is None:
        st.warning("That request is no longer in the ledger.")
        return
    with st.container(border=True):
        st.markdown(f"**Request {row['id']}** · {_when(row['ts_ms'])} · key `{row['label']}` · client "
                    f"`{row['session_id']}` · {row['endpoint']} · `{row['model']}`")
        reopen.button(row, key=f"relay.open.{row['id']}")
