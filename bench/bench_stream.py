"""Streaming from the embedded engine: ParamLab's ChatClient against a bare requests loop
(requests.post(stream=True) + iter_lines + json.loads), alternating, same prompt/seed/max_tokens.

Both sides are timed the same way (bench/streams.py), from just before the request to each
content delta as the caller receives it: TTFT = first delta, tokens/s = (deltas - 1) / (last
delta - first delta).
"""
from __future__ import annotations

import requests

from bench import streams
from paramlab.backends.engine import get_engine
from paramlab.client.chat import ChatClient

REPS = 10  # alternating pairs; medians are reported
BODY = streams.greedy_body(64)


def main() -> None:
    endpoint = get_engine().endpoint()
    client, session = ChatClient(endpoint), requests.Session()
    url = endpoint.base_url + "/chat/completions"
    ours, bare = streams.alternate(lambda: streams.via_client(client, BODY),
                                   lambda: streams.bare(session, url, BODY), REPS)
    streams.report(("ChatClient", "requests"), ours, bare, 0.98, 10)


if __name__ == "__main__":
    main()
