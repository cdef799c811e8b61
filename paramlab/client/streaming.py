"""A streaming chat request: bytes → decoded body → SSE events → chunks → deltas, live.

The stream's outcome is judged at the end: a finish_reason on every choice and `[DONE]` (or, from
a server that sends none, a clean end after the usage asked for) mean "ok"; anything less is
"truncated" with the text so far kept; `event: error` or an error
object inside the 200 stream raises StreamError with the partial text.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Iterator

import orjson
import requests

from paramlab import errors
from paramlab.client.assembly import ChunkAssembler, Delta, choices_from_response, service_tier, usage_of
from paramlab.client.measure import finish_metrics
from paramlab.client.result import ChatResult
from paramlab.client.sse import SSEDecoder
from paramlab.transport import UnsupportedEncoding, Watchdog, iter_body, read_body

# `client` below is the ChatClient sending the request (chat.py imports this module, not the reverse).
ChatClient = Any

MAX_RAW_LINES = 2000  # SSE events kept for the inspector
# Reads an event stream's decoded body as it arrives, raising requests exceptions as iter_body does.
BodyReader = Callable[[requests.Response], Iterable[bytes]]


class ChatStream:
    """Iterate for Delta objects; `.result` is complete after iteration. cancel() from any thread."""

    def __init__(self, client: ChatClient, body: dict[str, Any],
                 on_event: Callable[[str | None, str], None] | None = None,
                 read_body: BodyReader | None = None):
        self._client = client
        self._body = body
        self._on_event = on_event  # every SSE event as received (the relay passes them through)
        self._read_body = read_body or iter_body  # the event stream's body bytes (the relay reads them elsewhere)
        self._watchdog = Watchdog()
        self.result = client._new_result(body, stream=True)

    def cancel(self) -> None:
        self._watchdog.fire("cancel")

    @property
    def cancelled(self) -> bool:
        return self._watchdog.fired == "cancel"

    def __iter__(self) -> Iterator[Delta]:
        return stream_deltas(self._client, self._body, self.result, self._watchdog, self._on_event, self._read_body)


class _Clock:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.first: float | None = None
        self.last: float | None = None

    def tick(self) -> None:
        self.last = time.perf_counter()
        if self.first is None:
            self.first = self.last


def stream_deltas(client: ChatClient, body: dict[str, Any], result: ChatResult, watchdog: Watchdog,
                  on_event: Callable[[str | None, str], None] | None = None,
                  read_body: BodyReader = iter_body) -> Iterator[Delta]:
    deadline = time.monotonic() + client.timeouts.total
    clock = _Clock()
    resp = client._send(body, True, watchdog, deadline, result)
    asm = ChunkAssembler()
    raw_lines: list[str] = []
    result.raw = raw_lines
    done = False
    head = b""
    ctype = resp.headers.get("content-type", "")
    try:
        if "json" in ctype and "event-stream" not in ctype:
            yield from _json_instead_of_stream(client, resp, result, clock)
            done = True
        else:
            decoder = SSEDecoder()
            for chunk in read_body(resp):
                if not raw_lines and len(head) < 1024:
                    head += chunk  # kept to explain a body that is not an event stream at all
                for ev in decoder.feed(chunk):
                    if on_event is not None:
                        on_event(ev.event, ev.data)
                    if ev.data == "[DONE]":
                        raw_lines.append(ev.data)
                        done = True
                        break
                    yield from _event(client, ev, asm, result, raw_lines, clock)
                if done:
                    break
            else:
                for ev in decoder.close():
                    if on_event is not None:
                        on_event(ev.event, ev.data)
                    if ev.data == "[DONE]":
                        raw_lines.append(ev.data)
                        done = True
                    else:
                        yield from _event(client, ev, asm, result, raw_lines, clock)
            for d in asm.close():
                clock.tick()
                yield d
    except requests.exceptions.RequestException as e:
        if not watchdog.fired:
            _fill(result, asm)
            raise client._interrupted(watchdog, e, asm.partial_texts()) from None
    except UnsupportedEncoding as e:
        _fill(result, asm)
        raise errors.InvalidResponseError(str(e), status=resp.status_code, partial=asm.partial_texts()) from None
    finally:
        watchdog.disarm()
        resp.close()
        _fill(result, asm)
        client._scrub_raw(result)
    latency = time.perf_counter() - clock.t0
    finish_metrics(result, resp.headers, latency, clock.t0, (clock.first, clock.last), client.endpoint.name)
    if watchdog.fired == "cancel":
        result.status = "stopped"
        result.error = "stopped by the user; the text so far is kept"
        return
    if watchdog.fired == "deadline":
        raise client._interrupted(watchdog, None, asm.partial_texts())
    if not raw_lines and not done and "event-stream" not in ctype:
        raise errors.InvalidResponseError(
            f"the server answered {resp.status_code} but not with an event stream "
            f"({ctype or 'no content type'}): "
            f"{errors.shorten_body(head.decode('utf-8', 'replace')) or '(empty body)'}",
            status=resp.status_code)
    if not result.choices and done:
        raise errors.InvalidResponseError("the stream finished with no choices", status=resp.status_code)
    finished = bool(result.choices) and all(c.finish_reason is not None for c in result.choices)
    if not finished or not (done or _whole_without_done(body, asm)):
        result.status = "truncated"
        missing = "[DONE]" if not done else "finish_reason"
        result.error = f"the stream ended without {missing}: the reply may be incomplete"


def _whole_without_done(body: dict[str, Any], asm: ChunkAssembler) -> bool:
    """A stream the server closed cleanly after every choice's finish_reason but with no [DONE]
    (LM Studio, recorded) is whole, unless the usage it was asked for never came: then it was cut
    between the finish and the usage chunk. A connection cut mid-stream raises instead."""
    asked = bool((body.get("stream_options") or {}).get("include_usage"))
    return not asked or asm.usage is not None


def _event(client: ChatClient, ev, asm: ChunkAssembler, result: ChatResult, raw_lines: list[str],
           clock: _Clock) -> Iterator[Delta]:
    if len(raw_lines) < MAX_RAW_LINES:
        raw_lines.append(ev.data if ev.event is None else f"event: {ev.event}\n{ev.data}")
    for d in _handle_event(client, ev.event, ev.data, asm, result):
        clock.tick()
        yield d


def event_error(event: str | None, payload: dict[str, Any]) -> errors.ErrorInfo | None:
    """The error a stream's JSON event reports (an `error` event, an error key, or vLLM's
    "object": "error"), if it is one: the stream ends there."""
    if event == "error" or "error" in payload or payload.get("object") == "error":
        return errors.parse_error_payload(payload)
    return None


def _handle_event(client: ChatClient, event: str | None, data: str, asm: ChunkAssembler,
                  result: ChatResult) -> list[Delta]:
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError:
        if event == "error":
            raise errors.StreamError(client._clean(errors.shorten_body(data)), partial=asm.partial_texts())
        return []  # non-JSON noise between events is ignored
    if not isinstance(payload, dict):
        return []  # JSON that is not a chunk: ignored like other noise
    info = event_error(event, payload)
    if info:
        if isinstance(payload.get("choices"), list) or isinstance(payload.get("usage"), dict):
            asm.add(payload)  # the error chunk may still carry usage (billed) and choices (OpenRouter)
        _fill(result, asm)
        err = payload.get("error") if isinstance(payload.get("error"), dict) else payload
        status = err.get("status_code") or err.get("status")
        raise errors.StreamError(client._clean(info.message), type=info.type, code=info.code,
                                 param=info.param, partial=asm.partial_texts(),
                                 status=status if isinstance(status, int) else None)
    return asm.add(payload)


def _json_instead_of_stream(client: ChatClient, resp, result: ChatResult, clock: _Clock) -> Iterator[Delta]:
    """Some servers ignore stream=true and answer with one JSON body; treat it as a single delta."""
    raw = read_body(resp)
    try:
        payload = orjson.loads(raw.lstrip(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        raise errors.InvalidResponseError(
            f"the server answered {resp.status_code} but not with JSON: "
            f"{errors.shorten_body(raw.decode('utf-8', 'replace'))}", status=resp.status_code) from None
    info = errors.parse_error_payload(payload)
    if info and not (isinstance(payload, dict) and payload.get("choices")):
        raise errors.InvalidResponseError(client._clean(info.message), status=resp.status_code, type=info.type,
                                          code=info.code, param=info.param)
    if not isinstance(payload, dict):
        raise errors.InvalidResponseError("the server answered with no choices", status=resp.status_code)
    result.raw = payload
    choices = choices_from_response(payload)
    if not choices:
        raise errors.InvalidResponseError("the server answered with no choices", status=resp.status_code)
    result.choices = choices
    result.usage = usage_of(payload)
    result.id, result.model = payload.get("id"), payload.get("model")
    result.service_tier = service_tier(payload)
    for c in choices:
        if c.text or c.reasoning:
            clock.tick()
            yield Delta(c.index, c.text, c.logprobs or None, c.reasoning)


def _fill(result: ChatResult, asm: ChunkAssembler) -> None:
    if asm.choices:
        result.choices = asm.ordered()
    result.usage = asm.usage or result.usage
    result.id = asm.id or result.id
    result.model = asm.model or result.model
    result.created = asm.created or result.created
    result.system_fingerprint = asm.system_fingerprint or result.system_fingerprint
    result.service_tier = asm.service_tier or result.service_tier
