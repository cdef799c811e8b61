"""SSE decoding + JSON parsing of a 100,000-event chat stream: paramlab's SSEDecoder + orjson
against openai-python's SSEDecoder (iter_bytes + json.loads of each event's data, as its Stream
does), on the same bytes, fed in the same network-sized chunks, in the same run."""
from __future__ import annotations

import gc
import json
import random
import time
import zlib

import orjson

from paramlab.client.sse import SSEDecoder
from paramlab.transport.decoding import BodyDecoder

EVENTS = 100_000
ROUNDS = 3
WORDS = ("the", " sea", " is", " vast", ",", " and", " waves", " réveillent", " 海", " 🌊", " shore", ".", "\n",
         " light", " wind", " über", " calm", " deep", " blue", " salt")


def make_stream(n: int = EVENTS) -> bytes:
    """Chunks shaped like the embedded llama.cpp server's (see tests/data/chat_stream.sse)."""
    rng = random.Random(7)
    head = {"created": 1795266793, "id": "chatcmpl-tRr5lWd62LevLXdUu5ksAocVtcWgXqA7",
            "model": "smollm2-135m-instruct", "system_fingerprint": "b0-unknown", "object": "chat.completion.chunk"}
    out = [b"data: " + json.dumps({"choices": [{"finish_reason": None, "index": 0,
                                                "delta": {"role": "assistant", "content": None}}], **head}).encode()
           + b"\n\n"]
    for _ in range(n - 3):
        payload = {"choices": [{"finish_reason": None, "index": 0, "delta": {"content": rng.choice(WORDS)}}], **head}
        out.append(b"data: " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n")
    out.append(b"data: " + json.dumps({"choices": [{"finish_reason": "length", "index": 0, "delta": {}}], **head,
                                      "usage": {"completion_tokens": n, "prompt_tokens": 40,
                                                "total_tokens": n + 40}}).encode() + b"\n\n")
    out.append(b"data: [DONE]\n\n")
    return b"".join(out)


def network_chunks(data: bytes) -> list[bytes]:
    """Reads of the sizes a socket hands over: mostly small (one or a few events), sometimes full buffers."""
    rng = random.Random(11)
    chunks, i = [], 0
    while i < len(data):
        size = rng.choice((64, 180, 300, 700, 1400, 1448, 2896, 4096, 8192, 16384))
        chunks.append(data[i:i + size])
        i += size
    return chunks


def run_ours(chunks: list[bytes]) -> int:
    dec = SSEDecoder()
    loads = orjson.loads
    n = 0
    for chunk in chunks:
        for ev in dec.feed(chunk):
            if ev.data == "[DONE]":
                continue
            loads(ev.data)
            n += 1
    for ev in dec.close():
        if ev.data != "[DONE]":
            loads(ev.data)
            n += 1
    return n


def run_openai(chunks: list[bytes]) -> int:
    from openai._streaming import SSEDecoder as OpenAIDecoder
    n = 0
    for sse in OpenAIDecoder().iter_bytes(iter(chunks)):
        if sse.data.startswith("[DONE]"):
            continue
        json.loads(sse.data)
        n += 1
    return n


def timed(fn, chunks) -> tuple[float, int]:
    gc.collect()
    t0 = time.perf_counter()
    n = fn(chunks)
    return time.perf_counter() - t0, n


def main() -> None:
    data = make_stream()
    chunks = network_chunks(data)
    print(f"   stream: {EVENTS:,} events, {len(data) / 1e6:.1f} MB in {len(chunks):,} reads "
          f"(mean {len(data) // len(chunks)} B)")
    ours, theirs = [], []
    for _ in range(ROUNDS):  # alternate, best of ROUNDS each
        t, n1 = timed(run_ours, chunks)
        ours.append(t)
        t, n2 = timed(run_openai, chunks)
        theirs.append(t)
    assert n1 == n2 == EVENTS - 1, (n1, n2)
    ours_eps, theirs_eps = EVENTS / min(ours), EVENTS / min(theirs)
    print(f"   paramlab SSEDecoder + orjson : {ours_eps:>12,.0f} events/s")
    print(f"   openai SSEDecoder + json     : {theirs_eps:>12,.0f} events/s")
    print(f"   ratio {ours_eps / theirs_eps:.2f}x (target >= 3) -> {ours_eps / theirs_eps / 3:.2f}x target")
    # the same stream gzip-compressed (as nginx sends it), decoded incrementally before the SSE decoder
    gz = zlib.compressobj(wbits=31)
    packed = b"".join(gz.compress(c) + gz.flush(zlib.Z_SYNC_FLUSH) for c in chunks) + gz.flush()
    gz_chunks = network_chunks(packed)
    best = min(timed(lambda cs: run_ours_gzip(cs), gz_chunks)[0] for _ in range(ROUNDS))
    print(f"   paramlab gzip + SSEDecoder   : {EVENTS / best:>12,.0f} events/s "
          f"({EVENTS / best / theirs_eps:.2f}x openai's decoder on the plain stream)")


def run_ours_gzip(chunks: list[bytes]) -> int:
    dec = BodyDecoder("gzip")
    return run_ours([dec.feed(c) for c in chunks] + [dec.flush()])


if __name__ == "__main__":
    main()
