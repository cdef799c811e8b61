"""The benchmark's reference for streaming: the plainest Streamlit code that shows n choices of a
streamed chat completion with st.write_stream (requests, SSE lines, json.loads)."""
import json
import os

import requests
import streamlit as st

URL = os.environ["BENCH_STREAM_URL"]
N = int(os.environ.get("BENCH_STREAM_N", "4"))

if st.button("Go", key="go"):
    buffers: dict[int, list[str]] = {i: [] for i in range(N)}

    def first_choice():
        """Yield choice 0 as it arrives; keep the others for their columns."""
        with requests.post(URL, json={"model": "paced", "messages": [], "stream": True, "n": N},
                           stream=True, timeout=60) as r:
            for line in r.iter_lines(chunk_size=None):
                if not line.startswith(b"data: ") or line == b"data: [DONE]":
                    continue
                for c in json.loads(line[6:]).get("choices") or ():
                    text = (c.get("delta") or {}).get("content")
                    if text:
                        if c["index"] == 0:
                            yield text
                        else:
                            buffers[c["index"]].append(text)

    cols = st.columns(N)
    with cols[0], st.container(key="pane-0"):
        st.write_stream(first_choice())
    for i in range(1, N):
        with cols[i], st.container(key=f"pane-{i}"):
            st.write_stream(iter(buffers[i]))
