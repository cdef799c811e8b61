"""`ChatClient(endpoint)`: /chat/completions over the one transport (paramlab.transport).

- Timeouts: connect, read (per socket wait; for a non-streaming reply, the whole deadline) and
  an overall deadline enforced by the transport's watchdog.
- Retries per retry.py; a stream that already produced text is never retried, and a
  non-streaming request that timed out after it was sent is never resent (the server is
  still generating it, and billing it).
- `run()` never raises for API trouble: it returns a ChatResult whose status says what
  happened, with any partial text kept. `complete()` / `stream()` raise ChatError.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Mapping

import orjson
import requests

from paramlab import errors
from paramlab.backends.llamacpp import count_prompt_tokens, count_tokens
from paramlab.client import observers
from paramlab.client.assembly import Delta, choices_from_response, service_tier, usage_of
from paramlab.client.measure import estimate_usage, finish_metrics
from paramlab.client.result import ChatResult, Metrics, Usage
from paramlab.client.retry import RetryPolicy, delay_for, parse_retry_after, should_retry_status
from paramlab.client.streaming import BodyReader, ChatStream
from paramlab.safety.redaction import mask_headers, redact, redact_obj
from paramlab.backends import registry
from paramlab.settings import Endpoint
from paramlab.transport import Timeouts, Transport, UnsupportedEncoding, Watchdog, describe, read_body, request_id


__all__ = ["ChatClient", "ChatStream", "Timeouts", "estimate_usage"]

log = logging.getLogger("paramlab.client.chat")

# A non-streaming request that timed out after it was sent is still being generated (and billed).
NOT_RESENT = ("The request had been sent, so the server may still be generating (and billing) it: it was not "
              "sent again. Turn streaming on to see a slow reply as it is written.")


class ChatClient:
    def __init__(self, endpoint: Endpoint, *, timeouts: Timeouts | None = None,
                 retry: RetryPolicy | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.endpoint = endpoint
        self.transport = Transport(endpoint, timeouts=timeouts, session=session)
        self.timeouts = self.transport.timeouts
        self.session = self.transport.session
        self.retry = retry or RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ChatClient({self.endpoint.name!r}, {self.endpoint.base_url!r})"

    # -- request pieces ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.transport.url("/chat/completions")

    def headers(self, stream: bool = False) -> dict[str, str]:
        return self.transport.headers(self.url, "text/event-stream" if stream else "application/json")

    def _new_result(self, body: dict[str, Any], stream: bool) -> ChatResult:
        return ChatResult(request=body, request_headers=mask_headers(self.headers(stream)), stream=stream,
                          metrics=Metrics(started_at=time.time()))

    def _clean(self, text: str) -> str:
        return self.transport.clean(text)

    def _scrub_raw(self, result: ChatResult) -> None:
        """The raw response is exported by the inspector: a server echoing the key must not leak it."""
        key = self.endpoint.api_key.reveal()
        if key and result.raw is not None and key in orjson.dumps(result.raw).decode("utf-8", "replace"):
            result.raw = redact_obj(result.raw, [key])

    # -- sending, with retries ----------------------------------------------------------
    def _send(self, body: dict[str, Any], stream: bool, watchdog: Watchdog,
              deadline: float, result: ChatResult) -> requests.Response:
        """POST with retries on retryable statuses and connection errors (before any body)."""
        data = orjson.dumps(body)
        watchdog.start(deadline - time.monotonic())
        try:
            return self._attempts(data, self.headers(stream), stream, watchdog, deadline, result)
        except BaseException:
            watchdog.disarm()
            raise

    def _attempts(self, data: bytes, headers: dict[str, str], stream: bool, watchdog: Watchdog,
                  deadline: float, result: ChatResult) -> requests.Response:
        read = self.timeouts.read if stream else max(self.timeouts.read, self.timeouts.total)
        total = self.timeouts.total
        attempt = 0
        while True:
            result.metrics.attempts = attempt + 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.APITimeoutError(f"no answer within the {total:g} s deadline")
            retry_headers: Mapping[str, str] = {}
            try:
                resp = self.transport.send("POST", self.url, data=data, headers=headers, watchdog=watchdog,
                                           connect=min(self.timeouts.connect, remaining),
                                           read=min(read, remaining))
            except errors.APIConnectionError as e:
                if watchdog.fired:
                    raise self._interrupted(watchdog, None) from None
                if not stream and e.sent and isinstance(e, errors.APITimeoutError):
                    raise errors.APITimeoutError(f"{e.message}. {NOT_RESENT}") from None
                err: errors.ChatError = e
            else:
                if resp.status_code < 300:
                    watchdog.arm(resp, deadline - time.monotonic())
                    return resp
                err = self.transport.status_error(resp)
                retry_headers = resp.headers
                if watchdog.fired:
                    raise self._interrupted(watchdog, None)
                if not should_retry_status(resp.status_code, resp.headers, err) or resp.status_code < 400:
                    raise err
            if attempt >= self.retry.max_retries:
                raise err
            wait = delay_for(self.retry, attempt, retry_headers)
            left = deadline - time.monotonic()
            if wait >= left:
                asked = parse_retry_after(retry_headers)
                if asked is not None:
                    err.message = (f"{err.message} — the server asked to wait {asked:g} s before retrying, "
                                   f"longer than the {max(left, 0):.0f} s left of the {total:g} s deadline")
                raise err
            log.info("retrying after %s (attempt %d, waiting %.2fs)", err.error_class, attempt + 1, wait)
            self._sleep(wait)
            attempt += 1

    # -- public API -----------------------------------------------------------------
    def complete(self, body: dict[str, Any], result: ChatResult | None = None) -> ChatResult:
        """Non-streaming request. Raises ChatError; `result` (if given) still holds the attempts."""
        body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        result = result or self._new_result(body, stream=False)
        watchdog = Watchdog()
        deadline = time.monotonic() + self.timeouts.total
        t0 = time.perf_counter()
        try:
            resp = self._send(body, False, watchdog, deadline, result)
        except errors.APITimeoutError as e:
            if watchdog.fired == "deadline" and NOT_RESENT not in e.message:
                e.message = f"{e.message}. {NOT_RESENT}"
            raise
        try:
            raw = read_body(resp)
        except requests.exceptions.RequestException as e:
            raise self._interrupted(watchdog, e) from None
        except UnsupportedEncoding as e:
            raise errors.InvalidResponseError(str(e), status=resp.status_code) from None
        finally:
            watchdog.disarm()
            resp.close()
        if watchdog.fired:
            err = self._interrupted(watchdog, None)
            if watchdog.fired == "deadline":
                err.message = f"{err.message}. {NOT_RESENT}"
            raise err
        latency = time.perf_counter() - t0
        rid = request_id(resp.headers)
        try:
            payload = orjson.loads(raw.lstrip(b"\xef\xbb\xbf"))
        except orjson.JSONDecodeError:
            raise errors.InvalidResponseError(
                f"the server answered {resp.status_code} but not with JSON: "
                f"{self._clean(errors.shorten_body(raw.decode('utf-8', 'replace'))) or '(empty body)'}",
                status=resp.status_code, request_id=rid) from None
        info = errors.parse_error_payload(payload)
        if info and not (isinstance(payload, dict) and payload.get("choices")):
            raise errors.InvalidResponseError(self._clean(info.message), status=resp.status_code, type=info.type,
                                              code=info.code, param=info.param, request_id=rid)
        choices = choices_from_response(payload) if isinstance(payload, dict) else []
        if not choices:
            raise errors.InvalidResponseError(f"the server answered {resp.status_code} with no choices",
                                              status=resp.status_code, request_id=rid)
        result.choices = choices
        result.raw = payload
        self._scrub_raw(result)
        result.id, result.model = payload.get("id"), payload.get("model")
        result.created, result.system_fingerprint = payload.get("created"), payload.get("system_fingerprint")
        result.service_tier = service_tier(payload)
        result.usage = self._fix_llamacpp_usage(usage_of(payload), choices)
        finish_metrics(result, resp.headers, latency, None, None, self.endpoint.name)
        return result

    def _fix_llamacpp_usage(self, usage: Usage | None, choices: list) -> Usage | None:
        """Some servers' non-streaming answer with n > 1 reports the completion tokens of choice 0
        only (llama.cpp, per the registry); recount every choice with the server's own /tokenize."""
        if usage is None or len(choices) < 2 or not registry.for_endpoint(self.endpoint).recount_n_usage:
            return usage
        try:
            counts = [count_tokens(self.endpoint, c.text, timeout=5.0, transport=self.transport) for c in choices]
        except (ValueError, KeyError, TypeError, errors.ChatError):
            return usage  # keep the server's figure rather than guess
        # llama.cpp also counts the end-of-sequence token of a choice that stopped by itself
        completion = sum(counts) + sum(1 for c in choices if c.finish_reason == "stop")
        return Usage(usage.prompt_tokens, completion, (usage.prompt_tokens or 0) + completion,
                     usage.cached_tokens, usage.reasoning_tokens, usage.estimated)

    def _count_on_server(self, result: ChatResult) -> None:
        """A stream that ended without usage (stopped by the user, or a server that sends none):
        where the server tokenizes (llama.cpp), count the prompt and the text received with its own
        chat template and tokenizer, as the context meter does, instead of estimating."""
        u = result.usage
        if u is None or not u.estimated or result.status not in ("ok", "stopped") or not result.choices \
                or any(c.tool_calls for c in result.choices) \
                or registry.for_endpoint(self.endpoint).prompt_tokens != "server":
            return
        def n(text: str) -> int:
            return count_tokens(self.endpoint, text, timeout=2.0, transport=self.transport)
        try:
            prompt = count_prompt_tokens(self.endpoint, result.request.get("messages") or [], timeout=2.0,
                                         transport=self.transport)
            thinking = sum(n(c.reasoning) for c in result.choices)
            completion = sum(n(c.text) for c in result.choices) + thinking
        except (ValueError, KeyError, TypeError, errors.ChatError):
            return  # the estimate stays, labelled as one
        first = len(result.choices)  # tokens/s leaves out each choice's first token (finish_metrics)
        m, before = result.metrics, u.completion_tokens or 0
        if m.tokens_per_s and before > first and completion > first:
            m.tokens_per_s *= (completion - first) / (before - first)
        result.usage = Usage(prompt, completion, prompt + completion, reasoning_tokens=thinking or None,
                             source="/tokenize")  # counted by the server, not sent by it

    def stream(self, body: dict[str, Any], on_event: Callable[[str | None, str], None] | None = None,
               read_body: BodyReader | None = None) -> ChatStream:
        return ChatStream(self, {**body, "stream": True}, on_event, read_body)

    def run(self, body: dict[str, Any], *, on_delta: Callable[[Delta], None] | None = None,
            stream_holder: list | None = None, context: Mapping[str, Any] | None = None,
            on_event: Callable[[str | None, str], None] | None = None,
            read_body: BodyReader | None = None) -> ChatResult:
        """Send (streaming if body says so) and return a ChatResult; never raises ChatError.

        `stream_holder`, if given, receives the ChatStream so another thread can cancel it.
        `on_event(event, data)`, if given, hears every SSE event of a stream as it arrives.
        `read_body(response)`, if given, reads a stream's body instead of this thread (the relay's
        event loop reads it and passes it on; the events are then parsed when it hands the bytes back).
        Observers (the usage ledger, logs) are told about every finished request.
        """
        if body.get("stream"):
            s = self.stream(body, on_event, read_body)
            if stream_holder is not None:
                stream_holder.append(s)
            try:
                for d in s:
                    if on_delta:
                        on_delta(d)
            except errors.ChatError as e:
                self._mark_error(s.result, e)
            result = s.result
            self._count_on_server(result)
        else:
            result = self._new_result({k: v for k, v in body.items() if k not in ("stream", "stream_options")},
                                      stream=False)
            try:
                result = self.complete(body, result)
            except errors.ChatError as e:
                self._mark_error(result, e)
                result.metrics.latency_s = time.time() - result.metrics.started_at
        self._scrub(result)
        observers.publish(self.endpoint, result, dict(context or {}))
        return result

    def _scrub(self, result: ChatResult) -> None:
        """A server that echoes the key back in its reply must not get it into the ledger or sessions."""
        key = self.endpoint.api_key.reveal()
        if not key:
            return
        for c in result.choices:
            if key in c.text:
                c.text = redact(c.text, [key])
            if key in c.reasoning:
                c.reasoning = redact(c.reasoning, [key])
        if result.raw is not None and key in str(result.raw):
            result.raw = redact_obj(result.raw, [key])

    def _mark_error(self, result: ChatResult, e: errors.ChatError) -> None:
        result.status = "stopped" if str(e) == "cancelled" else "error"
        result.error = self._clean(str(e))
        result.error_class = e.error_class
        result.error_info = {"status": e.status, "message": self._clean(e.message), "type": e.type,
                             "code": e.code, "param": e.param}
        if result.metrics.request_id is None:
            result.metrics.request_id = e.request_id

    def _interrupted(self, watchdog: Watchdog, exc: Exception | None,
                     partial: dict[int, str] | None = None) -> errors.ChatError:
        if watchdog.fired == "deadline":
            return errors.APITimeoutError(f"stopped at the {self.timeouts.total:g} s overall deadline",
                                          partial=partial)
        if watchdog.fired == "cancel":
            return errors.APIConnectionError("cancelled", partial=partial)
        if isinstance(exc, requests.exceptions.Timeout):
            return errors.APITimeoutError(f"no data for {self.timeouts.read:g} s (read timeout)", partial=partial)
        what = describe(exc, self.endpoint.address) if exc is not None else "the connection was lost"
        return errors.APIConnectionError(self._clean(f"connection lost: {what}"), partial=partial)
