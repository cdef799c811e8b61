"""HTTP client for OpenAI-compatible /chat/completions, on a requests.Session.

- Timeouts: connect, read (per socket wait) and an overall wall-clock deadline enforced by a
  watchdog that shuts the socket down, so a server that trickles bytes cannot hang the app.
- Retries per retry.py; a stream that already produced text is never retried.
- The key lives in a Secret and is only revealed into the Authorization header.
- `run()` never raises for API trouble: it returns a ChatResult whose status says what
  happened, with any partial text kept. `complete()` / `stream()` raise ChatError.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import orjson
import requests
import urllib3
from requests.utils import get_environ_proxies

from paramlab import errors
from paramlab.client import observers
from paramlab.safety import urls as urlsafety
from paramlab.backends.llamacpp import tokenize
from paramlab.client.assembly import ChunkAssembler, Delta, choices_from_response, service_tier
from paramlab.settings import Endpoint
from paramlab.safety.redaction import mask_headers, redact, redact_obj
from paramlab.client.result import ChatResult, Metrics, Usage
from paramlab.client.retry import RetryPolicy, delay_for, should_retry_status
from paramlab.backends import registry
from paramlab.client.sse import SSEDecoder
from paramlab.client.tokens import estimate_messages_tokens, estimate_tokens

log = logging.getLogger("paramlab.client.chat")

USER_AGENT = "ParamLab/0.1"
MAX_RAW_LINES = 2000  # SSE lines kept for the inspector
MAX_ERROR_BODY = 64 * 1024
CHUNK_SIZE = 8192


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0
    total: float = 300.0


def make_session(endpoint: Endpoint) -> requests.Session:
    s = requests.Session()
    # trust_env=False: ~/.netrc must never replace the configured key. Proxies from the
    # environment are applied explicitly in _proxies().
    s.trust_env = False
    s.headers["User-Agent"] = USER_AGENT
    s.verify = endpoint.ca_bundle or endpoint.verify_tls
    adapter = _WatchedAdapter(pool_connections=4, pool_maxsize=32, max_retries=0)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


# The watchdog of the request being sent on this thread: the connection registers its socket
# with it before waiting for the response, so even a server trickling its headers is cut off
# at the deadline (requests gives no handle on the socket until the headers are in).
_current = threading.local()


class _WatchedMixin:
    sock: socket.socket | None

    def connect(self) -> None:
        """Check the address actually connected to, before a byte of the request (or the key) is
        sent: the name may resolve differently now than when check_url() looked (DNS rebinding)."""
        super().connect()  # type: ignore[misc]
        policy = getattr(_current, "peer_policy", None)
        if policy is None or self.sock is None:
            return
        try:
            peer = self.sock.getpeername()[0]
        except OSError:
            return
        ip = urlsafety.parse_literal(str(peer).split("%")[0])
        why = urlsafety.refusal(ip, policy) if ip is not None else f"{peer!r} is not an IP address"
        if why:
            self.sock.close()
            self.sock = None
            raise urlsafety.UnsafeURLError(f"connected to {why}; nothing was sent")

    def getresponse(self, *args: Any, **kwargs: Any):
        watchdog = getattr(_current, "watchdog", None)
        if watchdog is not None and self.sock is not None:
            watchdog.watch(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_WatchedMixin, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedMixin, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any):
        manager = super().proxy_manager_for(proxy, **kwargs)
        # HTTP(S) proxies only: a SOCKS manager brings its own connection classes
        if manager.pool_classes_by_scheme is urllib3.poolmanager.pool_classes_by_scheme:
            manager.pool_classes_by_scheme = _POOLS
        return manager


class _Watchdog:
    """Shuts the request's socket down at the deadline or on cancel, unblocking any recv().

    Started once per request (covering every retry); the socket is registered by the
    connection before the response headers are read, and again from the response.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self._done = False
        self.fired: str | None = None  # "deadline" | "cancel"

    def start(self, seconds: float) -> None:
        with self._lock:
            if self._timer is not None or self._done:
                return
            self._timer = threading.Timer(max(seconds, 0.0), self.fire, ("deadline",))
            self._timer.daemon = True
            self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._done:
                return
            self._sock = sock
            if self.fired:
                _shutdown_socket(sock)

    def arm(self, resp: requests.Response, seconds: float) -> None:
        sock = _response_socket(resp)
        if sock is not None:
            self.watch(sock)
        self.start(seconds)

    def fire(self, why: str) -> None:
        with self._lock:
            if self._done:
                return
            if self.fired is None:
                self.fired = why
            if self._sock is not None:
                _shutdown_socket(self._sock)

    def disarm(self) -> None:
        """The request is over: its socket may go back to the pool, so it is never touched again."""
        with self._lock:
            self._done = True
            self._sock = None
            timer = self._timer
        if timer:
            timer.cancel()


def _response_socket(resp: requests.Response) -> socket.socket | None:
    for path in (("raw", "_connection", "sock"), ("raw", "_fp", "fp", "raw", "_sock")):
        obj: Any = resp
        for attr in path:
            obj = getattr(obj, attr, None)
            if obj is None:
                break
        if isinstance(obj, socket.socket):
            return obj
    return None


def _shutdown_socket(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class ChatStream:
    """Iterate for Delta objects; `.result` is complete after iteration. cancel() from any thread."""

    def __init__(self, client: "ChatClient", body: dict[str, Any],
                 on_event: Callable[[str | None, str], None] | None = None):
        self._client = client
        self._body = body
        self._on_event = on_event  # every SSE event as received (the relay passes them through)
        self._watchdog = _Watchdog()
        self.result = client._new_result(body, stream=True)

    def cancel(self) -> None:
        self._watchdog.fire("cancel")

    @property
    def cancelled(self) -> bool:
        return self._watchdog.fired == "cancel"

    def __iter__(self) -> Iterator[Delta]:
        return self._client._stream_iter(self._body, self.result, self._watchdog, self._on_event)


class ChatClient:
    def __init__(self, endpoint: Endpoint, *, timeouts: Timeouts | None = None,
                 retry: RetryPolicy | None = None, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.endpoint = endpoint
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self.session = session or make_session(endpoint)
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"ChatClient({self.endpoint.name!r}, {self.endpoint.base_url!r})"

    # -- request pieces ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.endpoint.base_url.rstrip("/") + "/chat/completions"

    def headers(self) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.endpoint.api_key and self._key_host_ok():
            h["Authorization"] = f"Bearer {self.endpoint.api_key.reveal()}"
        if self.endpoint.organization:
            h["OpenAI-Organization"] = self.endpoint.organization
        return h

    def _key_host_ok(self) -> bool:
        return urlsafety.same_host(self.url, self.endpoint.key_host)

    def _check_target(self) -> bool | None:
        """Before every attempt: the URL passes urlsafety on its resolved addresses, and a key
        is only ever sent to the host it was entered for. Returns the policy for checking the
        connected peer again (whether private addresses are allowed), or None where the peer is
        a proxy or our own engine."""
        ep = self.endpoint
        exempt, proxied = urlsafety.is_embedded(ep), bool(self._proxies())
        urlsafety.check_url(self.url, exempt=exempt, proxied=proxied)
        if ep.api_key and not self._key_host_ok():
            raise urlsafety.UnsafeURLError(
                f"the API key was entered for {ep.key_host}, not {ep.host}: it is not sent to another "
                "host; enter the key again for this base URL")
        return None if exempt or proxied else urlsafety.allow_private()

    def _proxies(self) -> dict[str, str]:
        if self.endpoint.proxy:
            return {"http": self.endpoint.proxy, "https": self.endpoint.proxy}
        return get_environ_proxies(self.url)  # HTTP(S)_PROXY, honouring NO_PROXY

    def _new_result(self, body: dict[str, Any], stream: bool) -> ChatResult:
        h = self.headers()
        if stream:
            h["Accept"] = "text/event-stream"
        return ChatResult(request=body, request_headers=mask_headers(h), stream=stream,
                          metrics=Metrics(started_at=time.time()))

    def _scrub_raw(self, result: ChatResult) -> None:
        """The raw response is exported by the inspector: a server echoing the key must not leak it."""
        key = self.endpoint.api_key.reveal()
        if key and result.raw is not None and key in orjson.dumps(result.raw).decode("utf-8", "replace"):
            result.raw = redact_obj(result.raw, [key])

    def _clean(self, text: str) -> str:
        return redact(text, [self.endpoint.api_key.reveal()])

    def _send(self, body: dict[str, Any], stream: bool, watchdog: _Watchdog,
              deadline: float, result: ChatResult) -> requests.Response:
        """POST with retries on retryable statuses and connection errors (before any body)."""
        headers = self.headers()
        if stream:
            headers["Accept"] = "text/event-stream"
        data = orjson.dumps(body)
        watchdog.start(deadline - time.monotonic())
        try:
            return self._attempts(data, headers, watchdog, deadline, result)
        except BaseException:
            watchdog.disarm()
            raise

    def _attempts(self, data: bytes, headers: dict[str, str], watchdog: _Watchdog, deadline: float,
                  result: ChatResult) -> requests.Response:
        attempt = 0
        while True:
            peer_policy = self._check_target()  # every attempt: DNS answers can change between retries
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.APITimeoutError(f"no answer within the {self.timeouts.total:g} s deadline")
            _current.watchdog = watchdog
            _current.peer_policy = peer_policy  # the connection checks its real peer with it
            try:
                resp = self.session.post(self.url, data=data, headers=headers, stream=True,
                                         allow_redirects=False, proxies=self._proxies(),
                                         timeout=(min(self.timeouts.connect, remaining),
                                                  min(self.timeouts.read, remaining)))
            except requests.exceptions.Timeout as e:
                err: errors.ChatError = errors.APITimeoutError(self._clean(f"timed out: {_short_exc(e)}"))
                retry_headers: Mapping[str, str] = {}
            except requests.exceptions.RequestException as e:
                err = errors.APIConnectionError(self._clean(f"could not connect to {self.endpoint.host}: "
                                                            f"{_short_exc(e)}"))
                retry_headers = {}
            else:
                if resp.status_code < 300:
                    watchdog.arm(resp, deadline - time.monotonic())
                    return resp
                err = self._status_error(resp, watchdog, deadline)
                retry_headers = resp.headers
                if watchdog.fired:
                    raise self._interrupted(watchdog, None)
                if not should_retry_status(resp.status_code, resp.headers, err) or resp.status_code < 400:
                    raise err
            finally:
                _current.watchdog = None
                _current.peer_policy = None
            if watchdog.fired:  # the deadline or a cancel cut the attempt short
                raise self._interrupted(watchdog, None)
            if attempt >= self.retry.max_retries:
                raise err
            wait = delay_for(self.retry, attempt, retry_headers)
            if time.monotonic() + wait >= deadline:
                raise err
            log.info("retrying after %s (attempt %d, waiting %.2fs)", err.error_class, attempt + 1, wait)
            self._sleep(wait)
            attempt += 1
            result.metrics.attempts = attempt + 1

    def _status_error(self, resp: requests.Response, watchdog: _Watchdog, deadline: float) -> errors.ChatError:
        rid = resp.headers.get("x-request-id")
        if 300 <= resp.status_code < 400:
            resp.close()
            return errors.RedirectError(
                f"the server redirected ({resp.status_code}) to {resp.headers.get('location', '?')}; "
                "POST requests are not followed: check the base URL", status=resp.status_code, request_id=rid)
        try:  # the watchdog started by _send also bounds a trickling error body
            body = _read_capped(resp, MAX_ERROR_BODY)
        except requests.exceptions.RequestException:
            body = b""
        finally:
            resp.close()
        err = errors.error_for_status(resp.status_code, body, rid)
        err.message = self._clean(err.message)
        return err

    # -- public API -----------------------------------------------------------------
    def complete(self, body: dict[str, Any]) -> ChatResult:
        """Non-streaming request. Raises ChatError."""
        body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        result = self._new_result(body, stream=False)
        watchdog = _Watchdog()
        deadline = time.monotonic() + self.timeouts.total
        t0 = time.perf_counter()
        resp = self._send(body, False, watchdog, deadline, result)
        try:
            raw = _read_all(resp)
        except requests.exceptions.RequestException as e:
            raise self._interrupted(watchdog, e) from None
        finally:
            watchdog.disarm()
            resp.close()
        if watchdog.fired:
            raise self._interrupted(watchdog, None)
        latency = time.perf_counter() - t0
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise errors.InvalidResponseError(
                f"the server answered {resp.status_code} but not with JSON: {errors.shorten_body(raw.decode('utf-8', 'replace'))}",
                status=resp.status_code) from None
        info = errors.parse_error_payload(payload)
        if info and not (isinstance(payload, dict) and payload.get("choices")):
            raise errors.InvalidResponseError(self._clean(info.message), status=resp.status_code, type=info.type,
                                              code=info.code, param=info.param)
        choices = choices_from_response(payload) if isinstance(payload, dict) else []
        if not choices:
            raise errors.InvalidResponseError(f"the server answered {resp.status_code} with no choices",
                                              status=resp.status_code)
        result.choices = choices
        result.raw = payload
        self._scrub_raw(result)
        result.id, result.model = payload.get("id"), payload.get("model")
        result.created, result.system_fingerprint = payload.get("created"), payload.get("system_fingerprint")
        result.service_tier = service_tier(payload)
        result.usage = self._fix_llamacpp_usage(Usage.from_api(payload.get("usage")), choices)
        self._finish_metrics(result, resp, latency, None, None)
        return result

    def _fix_llamacpp_usage(self, usage: Usage | None, choices: list) -> Usage | None:
        """Some servers' non-streaming answer with n > 1 reports the completion tokens of choice 0
        only (llama.cpp, per the registry); recount every choice with the server's own /tokenize."""
        if usage is None or len(choices) < 2 or not registry.for_endpoint(self.endpoint).recount_n_usage:
            return usage
        auth = {"Authorization": self.headers()["Authorization"]} if self.endpoint.api_key else None
        try:
            counts = [len(tokenize(self.endpoint.base_url, c.text, timeout=5.0, headers=auth)) for c in choices]
        except (requests.RequestException, ValueError, KeyError, errors.ChatError):
            return usage  # keep the server's figure rather than guess
        # llama.cpp also counts the end-of-sequence token of a choice that stopped by itself
        completion = sum(counts) + sum(1 for c in choices if c.finish_reason == "stop")
        return Usage(usage.prompt_tokens, completion, (usage.prompt_tokens or 0) + completion,
                     usage.cached_tokens, usage.reasoning_tokens, usage.estimated)

    def stream(self, body: dict[str, Any],
               on_event: Callable[[str | None, str], None] | None = None) -> ChatStream:
        return ChatStream(self, {**body, "stream": True}, on_event)

    def run(self, body: dict[str, Any], *, on_delta: Callable[[Delta], None] | None = None,
            stream_holder: list | None = None, context: Mapping[str, Any] | None = None,
            on_event: Callable[[str | None, str], None] | None = None) -> ChatResult:
        """Send (streaming if body says so) and return a ChatResult; never raises ChatError.

        `stream_holder`, if given, receives the ChatStream so another thread can cancel it.
        `on_event(event, data)`, if given, hears every SSE event of a stream as it arrives.
        Observers (the usage ledger, logs) are told about every finished request.
        """
        if body.get("stream"):
            s = self.stream(body, on_event)
            if stream_holder is not None:
                stream_holder.append(s)
            try:
                for d in s:
                    if on_delta:
                        on_delta(d)
            except errors.ChatError as e:
                self._mark_error(s.result, e)
            result = s.result
        else:
            try:
                result = self.complete(body)
            except errors.ChatError as e:
                result = self._new_result(body, stream=False)
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

    # -- streaming ----------------------------------------------------------------------
    def _stream_iter(self, body: dict[str, Any], result: ChatResult, watchdog: _Watchdog,
                     on_event: Callable[[str | None, str], None] | None = None) -> Iterator[Delta]:
        deadline = time.monotonic() + self.timeouts.total
        t0 = time.perf_counter()
        resp = self._send(body, True, watchdog, deadline, result)
        asm = ChunkAssembler()
        raw_lines: list[str] = []
        result.raw = raw_lines
        t_first = t_last = None
        done = False
        head = b""
        ctype = resp.headers.get("content-type", "")
        try:
            if "json" in ctype and "event-stream" not in ctype:
                yield from self._json_instead_of_stream(resp, result, watchdog)
                done = True
                return_early = True
            else:
                return_early = False
            decoder = SSEDecoder()
            for chunk in (() if return_early else _iter_raw(resp)):
                if not raw_lines and len(head) < 1024:
                    head += chunk  # kept to explain a body that is not an event stream at all
                for ev in decoder.feed(chunk):
                    if on_event is not None:
                        on_event(ev.event, ev.data)
                    if len(raw_lines) < MAX_RAW_LINES:
                        raw_lines.append(ev.data if ev.event is None else f"event: {ev.event}\n{ev.data}")
                    if ev.data == "[DONE]":
                        done = True
                        break
                    deltas = self._handle_event(ev.event, ev.data, asm, result)
                    if deltas:
                        t_last = time.perf_counter()
                        if t_first is None:
                            t_first = t_last
                        yield from deltas
                if done:
                    break
            else:
                for ev in (() if return_early else decoder.close()):
                    if on_event is not None:
                        on_event(ev.event, ev.data)
                    if ev.data == "[DONE]":
                        done = True
                    else:
                        for d in self._handle_event(ev.event, ev.data, asm, result):
                            t_last = time.perf_counter()
                            t_first = t_first or t_last
                            yield d
        except requests.exceptions.RequestException as e:
            if not watchdog.fired:
                _fill(result, asm)
                raise self._interrupted(watchdog, e, asm.partial_texts()) from None
        finally:
            watchdog.disarm()
            resp.close()
            _fill(result, asm)
            self._scrub_raw(result)
        latency = time.perf_counter() - t0
        self._finish_metrics(result, resp, latency, t0, (t_first, t_last))
        if watchdog.fired == "cancel":
            result.status = "stopped"
            result.error = "stopped by the user; the text so far is kept"
            return
        if watchdog.fired == "deadline":
            raise self._interrupted(watchdog, None, asm.partial_texts())
        if not raw_lines and not done and "event-stream" not in ctype:
            raise errors.InvalidResponseError(
                f"the server answered {resp.status_code} but not with an event stream "
                f"({ctype or 'no content type'}): {errors.shorten_body(head.decode('utf-8', 'replace')) or '(empty body)'}",
                status=resp.status_code)
        if not result.choices and done:
            raise errors.InvalidResponseError("the stream finished with no choices", status=resp.status_code)
        if not done or any(c.finish_reason is None for c in result.choices) or not result.choices:
            result.status = "truncated"
            missing = "[DONE]" if not done else "finish_reason"
            result.error = f"the stream ended without {missing}: the reply may be incomplete"

    def _handle_event(self, event: str | None, data: str, asm: ChunkAssembler, result: ChatResult) -> list[Delta]:
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError:
            if event == "error":
                raise errors.StreamError(self._clean(errors.shorten_body(data)), partial=asm.partial_texts())
            return []  # non-JSON noise between events is ignored
        if not isinstance(payload, dict):
            return []  # JSON that is not a chunk: ignored like other noise
        info = errors.parse_error_payload(payload) if (event == "error" or "error" in payload
                                                       or payload.get("object") == "error") else None
        if info:
            _fill(result, asm)
            raise errors.StreamError(self._clean(info.message), type=info.type, code=info.code,
                                     param=info.param, partial=asm.partial_texts())
        return asm.add(payload)

    def _json_instead_of_stream(self, resp, result: ChatResult, watchdog: _Watchdog) -> Iterator[Delta]:
        """Some servers ignore stream=true and answer with one JSON body; treat it as a single delta."""
        raw = _read_all(resp)
        try:
            payload = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise errors.InvalidResponseError(
                f"the server answered {resp.status_code} but not with JSON: "
                f"{errors.shorten_body(raw.decode('utf-8', 'replace'))}", status=resp.status_code) from None
        info = errors.parse_error_payload(payload)
        if info and not (isinstance(payload, dict) and payload.get("choices")):
            raise errors.InvalidResponseError(self._clean(info.message), status=resp.status_code, type=info.type,
                                              code=info.code, param=info.param)
        if not isinstance(payload, dict):
            raise errors.InvalidResponseError("the server answered with no choices", status=resp.status_code)
        result.raw = payload
        choices = choices_from_response(payload)
        if not choices:
            raise errors.InvalidResponseError("the server answered with no choices", status=resp.status_code)
        result.choices = choices
        result.usage = Usage.from_api(payload.get("usage"))
        result.id, result.model = payload.get("id"), payload.get("model")
        result.service_tier = service_tier(payload)
        for c in choices:
            if c.text:
                yield Delta(c.index, c.text, c.logprobs or None)

    def _interrupted(self, watchdog: _Watchdog, exc: Exception | None,
                     partial: dict[int, str] | None = None) -> errors.ChatError:
        if watchdog.fired == "deadline":
            return errors.APITimeoutError(f"stopped at the {self.timeouts.total:g} s overall deadline",
                                          partial=partial)
        if watchdog.fired == "cancel":
            return errors.APIConnectionError("cancelled", partial=partial)
        if isinstance(exc, requests.exceptions.Timeout):
            return errors.APITimeoutError(f"no data for {self.timeouts.read:g} s (read timeout)", partial=partial)
        return errors.APIConnectionError(self._clean(f"connection lost: {_short_exc(exc)}"), partial=partial)

    def _finish_metrics(self, result: ChatResult, resp: requests.Response, latency: float,
                        t0: float | None, stream_times: tuple[float | None, float | None] | None) -> None:
        m = result.metrics
        m.latency_s = latency
        m.request_id = resp.headers.get("x-request-id") or result.id
        m.rate_limits = {k.lower(): v for k, v in resp.headers.items() if k.lower().startswith("x-ratelimit-")}
        if stream_times and stream_times[0] is not None and t0 is not None:
            m.ttft_s = stream_times[0] - t0
        if result.usage is None or result.usage.completion_tokens is None:
            result.usage = estimate_usage(result)
        gen_time = None
        if stream_times and stream_times[0] is not None and stream_times[1] is not None:
            gen_time = stream_times[1] - stream_times[0]
        tokens = result.usage.completion_tokens or 0
        first_tokens = max(len(result.choices), 1)  # one per choice arrives at TTFT, before gen_time starts
        if gen_time and tokens > first_tokens:
            m.tokens_per_s = (tokens - first_tokens) / gen_time
        elif latency and tokens:
            m.tokens_per_s = tokens / latency
        log.info("request endpoint=%s status=%s latency=%.3f ttft=%s tokens=%s attempts=%s",
                 self.endpoint.name, result.status, latency,
                 f"{m.ttft_s:.3f}" if m.ttft_s is not None else "-", tokens, m.attempts)


def estimate_usage(result: ChatResult) -> Usage:
    prompt = estimate_messages_tokens(result.request.get("messages") or [])
    completion = sum(estimate_tokens(c.text) for c in result.choices)
    return Usage(prompt, completion, prompt + completion, estimated=True)


def _fill(result: ChatResult, asm: ChunkAssembler) -> None:
    if asm.choices:
        result.choices = asm.ordered()
    result.usage = asm.usage or result.usage
    result.id = asm.id or result.id
    result.model = asm.model or result.model
    result.created = asm.created or result.created
    result.system_fingerprint = asm.system_fingerprint or result.system_fingerprint
    result.service_tier = asm.service_tier or result.service_tier


def _iter_raw(resp: requests.Response) -> Iterator[bytes]:
    # read1-style: yield whatever arrived, so tokens reach the UI without waiting for a full buffer.
    # Reading resp.raw directly bypasses requests' exception wrapping, so it is redone here:
    # callers only ever see requests exceptions.
    raw = resp.raw
    read = raw.read1 if hasattr(raw, "read1") else raw.read
    while True:
        try:
            chunk = read(CHUNK_SIZE)
        except urllib3.exceptions.ReadTimeoutError as e:
            raise requests.exceptions.ReadTimeout(e) from None
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as e:
            # ProtocolError (reset, incomplete chunked body), SSL errors, a socket shut down by
            # the watchdog (OSError / ValueError on a closed file)
            raise requests.exceptions.ChunkedEncodingError(e) from None
        if not chunk:
            return
        yield chunk


def _read_all(resp: requests.Response) -> bytes:
    return b"".join(_iter_raw(resp))


def _read_capped(resp: requests.Response, limit: int) -> bytes:
    out = bytearray()
    for chunk in _iter_raw(resp):
        out += chunk
        if len(out) >= limit:
            break
    return bytes(out[:limit])


def _short_exc(e: BaseException | None) -> str:
    if e is None:
        return "unknown error"
    text = str(e)
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.strip("()'\" ")[:200] or type(e).__name__
