"""A relayed request from body to reply: validated through the schema, sent on with usage asked for,
and the upstream's answer passed back as it came (less the usage chunk the client did not ask for)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson

from paramlab.backends import registry
from paramlab.client.result import ChatResult
from paramlab.client.sse import ServerSentEvent, SSEDecoder
from paramlab.client.streaming import event_error
from paramlab.relay.wire import DONE, RelayError, frame, json_frame
from paramlab.request import schema

UNKNOWN_PARAM = "is not a Chat Completions parameter"


@dataclass
class Prepared:
    body: dict[str, Any]     # what goes upstream
    wants_usage: bool        # the client asked for the usage chunk itself

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RelayError(400, "We could not parse the JSON body of your request: it is not valid JSON.") from None
    if not isinstance(obj, dict):
        raise RelayError(400, "The request body must be a JSON object.")
    return obj


def validate(obj: dict[str, Any], backend: str | None = None) -> Prepared:
    """The schema's checks for the upstream's backend kind (registry.kind_of its endpoint: declared,
    probed or from the URL), a 400 naming the field in OpenAI's shape; the body it builds goes
    upstream, extension samplers (top_k, min_p, …) included where that backend takes them. A value
    the schema would leave out is refused, never dropped."""
    params = {k: v for k, v in obj.items() if k not in ("model", "messages")}
    try:
        body = schema.build_body(obj.get("model"), obj.get("messages"), params, backend)
    except schema.ValidationError as e:
        first = e.errors[0]
        unknown = UNKNOWN_PARAM in first.message
        raise RelayError(400, str(e), param=first.field,
                         code="unsupported_parameter" if unknown else "invalid_value") from None
    left_out = sorted(k for k, v in params.items() if v is not None and k not in body)
    if left_out:
        raise RelayError(400, not_taken(left_out[0], backend), param=left_out[0], code="unsupported_parameter")
    wants = bool(body.get("stream")) and bool((body.get("stream_options") or {}).get("include_usage"))
    if body.get("stream") and not wants:  # ask for exact usage; the extra chunk is stripped again
        body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
    return Prepared(body, wants)


def not_taken(name: str, backend: str | None) -> str:
    """Why a parameter is refused: the upstream's backend does not take it (and which ones do)."""
    takers = [registry.get(k).label for k in registry.kinds_accepting(name)]
    return (f"{name}: the upstream for this model ({registry.get(backend).label}) does not take this parameter"
            + (f"; it is an extension of {', '.join(dict.fromkeys(takers))}" if takers else ""))


class Passthrough:
    """Turns each upstream event back into bytes for the client, unchanged except for usage the relay
    asked for on the client's behalf: that chunk is dropped (or its usage field, if it has choices).
    `pass_on` also holds back the stream's end in `held` ([DONE], or an error event: ParamLab's client
    stops reading there too): it waits until the request is recorded (a few ms), so a client that has
    seen the end finds its request in the ledger and budget."""

    def __init__(self, strip_usage: bool):
        self.strip_usage = strip_usage
        self.sent = 0
        self.held: list[bytes] = []
        self._sse = SSEDecoder()  # for feed(): the frames that are not one plain `data: ` line
        self._carry = b""          # feed(): the start of a frame whose end has not come yet
        self._decoding = False     # feed(): the stream has CR line ends or a BOM: every frame is decoded

    def __call__(self, event: str | None, data: str) -> bytes | None:
        out = self._convert(event, data)
        if out is not None:
            self.sent += 1
        return out

    def pass_on(self, event: str | None, data: str) -> bytes | None:
        """The bytes to send the client now for this event, if any."""
        out = self(event, data)
        if out is None:
            return None
        if self.held or ends_stream(event, data):
            self.held.append(out)
            return None
        return out

    @property
    def ended(self) -> bool:
        return bool(self.held)

    def feed(self, data: bytes) -> bytes:
        """What to send the client now for this piece of the body, for a caller that has bytes rather
        than decoded events (the relay's event loop). A frame that is one `data: ` line ended by a blank
        line, as nearly every server sends, goes on as the upstream's own bytes, which is what pass_on
        would make of it; anything else (CR line ends, a BOM, several lines, other fields, comments) and
        a frame that may be usage, an error or [DONE] go through the SSE decoder and pass_on."""
        if self.ended:
            return b""
        buf = self._carry + data if self._carry else data
        self._carry = b""
        if self._decoding or b"\r" in buf or (self.sent == 0 and buf[:1] == b"\xef"):
            self._decoding = True
            return self._passed(self._sse.feed(buf))
        end = buf.rfind(b"\n\n")
        if end < 0:
            self._carry = buf
            return b""
        self._carry = buf[end + 2:]
        out = []
        for f in buf[:end].split(b"\n\n"):
            if f[:6] == b"data: " and b"\n" not in f and not self._maybe_special(f):
                out.append(f + b"\n\n")
                self.sent += 1
            elif f:
                out.append(self._passed(self._sse.feed(f + b"\n\n")))  # the decoder is between frames here
                if self.ended:
                    break
        return b"".join(out)

    def close(self) -> bytes:
        """The body ended: what its last, unterminated frame gives."""
        if self.ended:
            return b""
        rest, self._carry = self._carry, b""
        return self._passed(self._sse.feed(rest) + self._sse.close())

    def _passed(self, events: list[ServerSentEvent]) -> bytes:
        out = []
        for ev in events:
            piece = self.pass_on(ev.event, ev.data)
            if piece is not None:
                out.append(piece)
            if self.ended:
                break
        return b"".join(out)

    def _maybe_special(self, frame: bytes) -> bool:
        return b"[DONE]" in frame or b'"error"' in frame or (self.strip_usage and b'"usage"' in frame)

    def _convert(self, event: str | None, data: str) -> bytes | None:
        if self.strip_usage and '"usage"' in data:
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                obj = None
            if isinstance(obj, dict) and obj.get("usage") is not None:
                if not obj.get("choices"):
                    return None
                return json_frame({k: v for k, v in obj.items() if k != "usage"})
        if event is None and "\n" not in data:
            return b"data: " + data.encode("utf-8") + b"\n\n"
        return frame(data, event)


def ends_stream(event: str | None, data: str) -> bool:
    """[DONE], or an error event (client.streaming raises StreamError there and reads no further)."""
    if data == "[DONE]" or event == "error":
        return True
    if '"error"' not in data:  # the quick test: an error key, or "object": "error"
        return False
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return False
    return isinstance(obj, dict) and event_error(event, obj) is not None


def synthesized_stream(result: ChatResult, include_usage: bool) -> list[bytes]:
    """The upstream ignored stream=true and answered with one JSON body: the client, which asked for a
    stream, gets it as one chunk per choice."""
    base = {"id": result.id or "chatcmpl-relay", "object": "chat.completion.chunk",
            "created": result.created or int(time.time()), "model": result.model or result.request.get("model")}
    out = [json_frame({**base, "choices": [{"index": c.index, "delta": {"role": c.role, "content": c.text},
                                            "finish_reason": c.finish_reason}]}) for c in result.choices]
    if include_usage and result.usage is not None:
        out.append(json_frame({**base, "choices": [], "usage": usage_json(result)}))
    return out + [DONE]


def usage_json(result: ChatResult) -> dict[str, Any]:
    u = result.usage
    return {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
            "total_tokens": u.total_tokens}


def completion_json(result: ChatResult) -> dict[str, Any]:
    """The upstream's JSON reply; usage corrected where ParamLab counted it exactly (llama.cpp reports
    only choice 0's tokens for n > 1), so the client and the ledger agree."""
    payload = dict(result.raw) if isinstance(result.raw, dict) else {}
    u = result.usage
    if u is not None and not u.estimated and isinstance(payload.get("usage"), dict):
        payload["usage"] = {**payload["usage"], **usage_json(result)}
    return payload


def upstream_error(result: ChatResult) -> RelayError:
    """The upstream's failure with its status and message; 502/504 where it never answered."""
    info = result.error_info or {}
    status = info.get("status")
    message = info.get("message") or result.error or "the upstream request failed"
    if result.error_class == "APITimeoutError":
        return RelayError(504, f"The upstream did not answer in time: {message}", type="timeout", code="upstream_timeout")
    if not status or status < 400:
        return RelayError(502, f"The upstream failed: {message}", type="upstream_error", code="bad_gateway")
    return RelayError(int(status), message, type=info.get("type") or "upstream_error", param=info.get("param"),
                      code=info.get("code"))
