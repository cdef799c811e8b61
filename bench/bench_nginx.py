"""Streaming through nginx with gzip (proxy_buffering off, as teams run it in front of a model
server) against streaming directly from the embedded engine, alternating in the same run.

Both sides use ParamLab's ChatClient and are timed the same way (bench/streams.py), from just
before the request to each content delta as the caller receives it. Targets: tokens/s ratio >= 0.97
and TTFT overhead <= 5 ms (median of pairs), i.e. decoding gzip delays no token.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from bench import streams
from paramlab.backends.engine import get_engine
from paramlab.client.chat import ChatClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.nginx_peer import NginxPeer  # noqa: E402 - the tests' own nginx launcher

REPS = 10
BODY = streams.greedy_body(64)


def main() -> None:
    endpoint = get_engine().endpoint()
    direct = ChatClient(endpoint)
    with NginxPeer(endpoint.base_url.removesuffix("/v1"), buffering=False) as url:
        proxied = ChatClient(dataclasses.replace(endpoint, name="nginx", base_url=url + "/v1", embedded=False))
        gz, plain = streams.alternate(lambda: streams.via_client(proxied, BODY),
                                      lambda: streams.via_client(direct, BODY), REPS)
    streams.report(("via nginx+gzip", "direct"), gz, plain, 0.97, 5)


if __name__ == "__main__":
    main()
