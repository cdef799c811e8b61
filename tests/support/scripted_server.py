"""A scripted OpenAI-compatible server for the honour check: a tiny deterministic "model" that
honours temperature, max_tokens, max_completion_tokens, stop, logprobs/top_logprobs, json_object,
stream_options and tools, but silently ignores logit_bias, n and seed (its sampling is never
seeded) and rejects json_schema with a 400 naming the field. Start with `serve()` on 127.0.0.1."""
from __future__ import annotations

import json
import math
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STORY = " Once upon a time there was a cat who lived in a lighthouse by the sea and watched the ships".split(" ")[1:]
VOCAB = [" " + w if i else w for i, w in enumerate(STORY)] + [" fish", " moon", " storm", " bread", " lamp"]
REJECT_JSON_SCHEMA = {"error": {"message": "response_format.json_schema is not supported by this server",
                                "type": "invalid_request_error", "param": "response_format", "code": None}}


def _tokens(body: dict) -> list[str]:
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or 16
    t = float(body.get("temperature", 1.0))
    rng = random.Random()  # never seeded: seed is ignored
    out = []
    for i in range(limit):
        greedy = VOCAB[i % len(STORY)] if i < len(STORY) else " and"
        out.append(greedy if t == 0 else rng.choice(VOCAB))
    return out


def _logprobs(tokens: list[str], k: int) -> dict:
    content = []
    for tok in tokens:
        alts = [tok] + [v for v in VOCAB if v != tok][: max(k - 1, 0)]
        content.append({"token": tok, "id": VOCAB.index(tok), "logprob": math.log(0.6), "bytes": list(tok.encode()),
                        "top_logprobs": [{"token": a, "id": VOCAB.index(a), "logprob": math.log(0.6 if a == tok else 0.02),
                                          "bytes": list(a.encode())} for a in alts[:k]]})
    return {"content": content}


def answer(body: dict) -> tuple[int, dict | list[str]]:
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return 400, REJECT_JSON_SCHEMA
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or 16
    if body.get("tools") and body.get("tool_choice") == "required":
        msg = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": body["tools"][0]["function"]["name"],
                                                              "arguments": '{"city": "Paris"}'}}]}
        choice, toks = {"index": 0, "message": msg, "finish_reason": "tool_calls"}, []
    else:
        toks = ['{"name": "red"}'] if rf.get("type") == "json_object" else _tokens(body)
        text, reason = "".join(toks), "length" if len(toks) >= limit else "stop"
        for s in body.get("stop") or []:
            if s in text:
                text, reason = text[:text.index(s)], "stop"
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": reason}
        if body.get("logprobs"):
            choice["logprobs"] = _logprobs(toks, int(body.get("top_logprobs") or 0))
    usage = {"prompt_tokens": 12, "completion_tokens": len(toks), "total_tokens": 12 + len(toks)}
    reply = {"id": "chatcmpl-scripted", "object": "chat.completion", "created": int(time.time()),
             "model": body.get("model"), "system_fingerprint": "fp_scripted", "choices": [choice], "usage": usage}
    if not body.get("stream"):
        return 200, reply
    c = choice["message"]
    chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "content": c.get("content") or ""},
                            "finish_reason": None}]},
              {"choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]}]
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({"choices": [], "usage": usage})
    base = {k: reply[k] for k in ("id", "created", "model", "system_fingerprint")}
    return 200, [f"data: {json.dumps({**base, 'object': 'chat.completion.chunk', **ch})}\n\n" for ch in chunks] + ["data: [DONE]\n\n"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        if self.path.rstrip("/") == "/v1/models":
            self._send(200, {"object": "list", "data": [{"id": "scripted", "object": "model"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        self.server.bodies.append(body)
        status, payload = answer(body)
        if isinstance(payload, list):
            data = "".join(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self._send(status, payload)

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def serve() -> ThreadingHTTPServer:
    """Start on a free loopback port; .server_address[1] is the port; call .shutdown() after."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.bodies = []
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv
