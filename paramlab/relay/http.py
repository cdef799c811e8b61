"""The relay's HTTP routes (Starlette), thin adapters over service.Relay. Served on the app's own
port by st.App (see serve.py). Everything that can block (the ledger, the upstream, starting the
embedded engine) runs in a thread per request; streamed pieces cross to the event loop as they are emitted,
one wake-up per hand-over."""
from __future__ import annotations

import asyncio
import logging
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.middleware import Middleware
from starlette.routing import Match, Route

from paramlab.client.result import ChatResult
from paramlab.relay import chatroom
from paramlab.relay.forward import Passthrough, upstream_error
from paramlab.relay.handover import Handover
from paramlab.relay.service import HandOver, Relay
from paramlab.relay.wire import RelayError
from paramlab.transport import Timeouts

log = logging.getLogger("paramlab.relay")
MAX_CONCURRENT = 256  # relayed requests in flight at once; more wait for a free thread
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass
class _Finished:
    value: Any  # the ChatResult, or the exception the work raised


# A relayed stream holds its thread from the first byte to the last, so the pool is large (not the
# default executor's few workers); threads are reused, which saves starting one per request.
_POOL = ThreadPoolExecutor(max_workers=MAX_CONCURRENT, thread_name_prefix="relay")


def _in_thread(fn: Callable[[], Any]) -> "asyncio.Future[Any]":
    return asyncio.get_running_loop().run_in_executor(_POOL, fn)


async def _read_body(request: Request, limit: int) -> bytes:
    too_big = RelayError(413, f"The request body is larger than the relay's limit of {limit:,} bytes.",
                         code="request_too_large")
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise too_big
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            raise too_big
    return bytes(buf)


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


class _Pipe:
    """Pieces handed from a worker thread to the event loop. A hand-over wakes the loop once; pieces
    handed over before the loop has taken the last ones ride on that same wake-up (asyncio.Queue
    would wake it, and create a future, for every piece)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._lock = threading.Lock()
        self._items: list = []
        self._signalled = False  # a wake-up is on its way to the loop, or the loop has yet to look
        self._waiter: asyncio.Future | None = None
        self.closed = False      # set on the loop: stop waiting (the client left)

    def put(self, item: Any) -> None:  # worker thread
        with self._lock:
            if self.closed:
                _abandon([item])
                return
            self._items.append(item)
            if self._signalled:
                return
            self._signalled = True
        self._loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:  # loop
        w = self._waiter
        if w is not None and not w.done():
            w.set_result(None)

    def close(self) -> None:  # loop
        with self._lock:
            self.closed = True
            left, self._items = self._items, []
        _abandon(left)
        self._wake()

    async def take(self) -> list:
        """Everything handed over so far (waiting for at least one piece); [] once closed."""
        while not self.closed:
            with self._lock:
                if self._items:
                    items, self._items = self._items, []
                    self._signalled = False
                    return items
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return []


def _abandon(items: list) -> None:
    for item in items:
        if isinstance(item, Handover):
            item.abandon()  # its worker would wait for a loop that will never read it


class _Relayed(Response):
    """A streamed reply written straight to the ASGI `send`: whatever the worker has handed over
    since the last write goes out in one write, at once. A client that leaves cancels the upstream."""

    def __init__(self, pipe: _Pipe, first: list, holder: list, tail: Callable[[ChatResult], bytes | None],
                 media_type: str):
        self.pipe, self.first, self.holder, self.tail = pipe, first, holder, tail
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers(STREAM_HEADERS)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        watcher = asyncio.ensure_future(self._until_disconnect(receive))
        finished = False
        async def body(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        try:
            items = self.first
            while items:
                out: list[bytes] = []
                for i, item in enumerate(items):
                    if isinstance(item, _Finished):
                        finished = True
                        extra = self.tail(item.value) if isinstance(item.value, ChatResult) else None
                        if extra:
                            out.append(extra)
                        break
                    if isinstance(item, Handover):  # the upstream's body, read and passed on right here
                        if out:
                            await body(b"".join(out))
                            out = []
                        if self.pipe.closed:
                            _abandon(items[i:])
                            break
                        await item.relay(body)
                        continue
                    out.append(item)
                if out:
                    await body(out[0] if len(out) == 1 else b"".join(out))
                if finished:
                    break
                items = await self.pipe.take()
            if finished:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.cancel()
            if not finished:
                self._stop()

    def _stop(self) -> None:
        """The client left: stop generating (the ledger keeps what was used)."""
        if self.holder:
            self.holder[0].cancel()  # shuts the upstream's socket: a body being read here ends too

    async def _until_disconnect(self, receive: Any) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.pipe.close()
        self._stop()


async def _streamed(work: Callable[[Callable[[bytes], None], list, HandOver], ChatResult],
                    tail: Callable[[ChatResult], bytes | None], media_type: str,
                    failed: Callable[[RelayError], Response]) -> Response:
    """Start `work` in a thread; answer with the upstream's error if it fails before the first byte,
    else stream every piece as it is emitted. A client that goes away cancels the upstream request."""
    pipe = _Pipe(asyncio.get_running_loop())
    holder: list = []

    def hand_over(resp, passthrough: Passthrough, timeouts: Timeouts) -> Iterable[bytes] | None:
        """In the worker: give the body to the loop (the response below reads and passes it on). The
        watchdog ends the reading at the overall deadline; the wait's own limit only guards against a bug."""
        body = Handover.of(resp, passthrough, timeouts.read)
        if body is None:
            return None
        pipe.put(body)
        return body.body(limit=timeouts.total + 60)

    def run() -> None:
        try:
            value = work(pipe.put, holder, hand_over)
        except BaseException as e:  # noqa: BLE001 - reported to the client below
            value = e
        pipe.put(_Finished(value))

    _POOL.submit(run)
    first = await pipe.take()
    if isinstance(first[0], _Finished):
        if isinstance(first[0].value, BaseException):
            raise first[0].value
        if first[0].value.status == "error":
            return failed(upstream_error(first[0].value))
    return _Relayed(pipe, first, holder, tail, media_type)


def _openai_error(e: RelayError) -> Response:
    return JSONResponse(e.body(), status_code=e.status)


def _room_error(e: RelayError) -> Response:
    return JSONResponse(chatroom.reply(None, code=e.status, msg=e.message), status_code=e.status)


def _internal(e: BaseException) -> RelayError:
    log.exception("relay failure: %s", type(e).__name__, exc_info=e)
    return RelayError(500, f"The relay failed: {type(e).__name__}", type="server_error", code="relay_error")


class Handlers:
    """One thread per request does everything that may block (admission with its budget query, routing,
    which may start the embedded engine, and the upstream call), so a relayed request costs one hop."""

    def __init__(self, get_relay: Callable[[], Relay]):
        self.get_relay = get_relay
        self._relay: Relay | None = None

    async def relay(self) -> Relay:
        if self._relay is None:  # built once, in a thread: it may open the ledger
            self._relay = await _in_thread(self.get_relay)
        return self._relay

    @staticmethod
    def _who(request: Request) -> tuple[str | None, str, str | None]:
        return request.headers.get("authorization"), _address(request), request.headers.get("api-key")

    async def chat_completions(self, request: Request) -> Response:
        try:
            relay = await self.relay()
            raw = await _read_body(request, relay.max_body)
            who = self._who(request)
            if not _asks_stream(raw):
                def complete() -> tuple[dict, dict]:
                    caller = relay.admit(*who)
                    prep, client = relay.prepare(raw)
                    return relay.complete(prep, client, caller)
                payload, headers = await _in_thread(complete)
                return JSONResponse(payload, headers=headers)

            def stream(emit, holder, hand_over) -> ChatResult:
                caller = relay.admit(*who)
                prep, client = relay.prepare(raw)
                return relay.stream(prep, client, caller, emit, holder, hand_over)
            return await _streamed(stream, relay.stream_tail, "text/event-stream; charset=utf-8", _openai_error)
        except RelayError as e:
            return _openai_error(e)
        except Exception as e:  # noqa: BLE001
            return _openai_error(_internal(e))

    async def models(self, request: Request) -> Response:
        try:
            relay = await self.relay()
            await _in_thread(lambda: relay.admit(*self._who(request)))
            return JSONResponse(relay.models())
        except RelayError as e:
            return _openai_error(e)
        except Exception as e:  # noqa: BLE001
            return _openai_error(_internal(e))

    async def chat_room(self, request: Request) -> Response:
        try:
            relay = await self.relay()
            raw = await _read_body(request, relay.max_body)
            who = self._who(request)
            if request.method == "DELETE":
                caller = relay.gate.admit(*who)  # forgetting costs nothing: no budget check
                relay.rooms.reset(caller)
                return JSONResponse(chatroom.reply("reset"))
            return JSONResponse(await _in_thread(lambda: relay.room_reply(relay.admit(*who), raw)))
        except RelayError as e:
            return _room_error(e)
        except Exception as e:  # noqa: BLE001
            return _room_error(_internal(e))

    async def chat_room_stream(self, request: Request) -> Response:
        try:
            relay = await self.relay()
            raw = await _read_body(request, relay.max_body)
            who = self._who(request)

            def stream(emit, holder, _hand_over) -> ChatResult:  # the chat-room's text stream: read in this thread
                caller = relay.admit(*who)
                prep, client, user = relay.room_prepare(caller, raw, stream=True)
                return relay.room_stream(caller, prep, client, user, emit, holder)
            return await _streamed(stream, lambda result: None, "text/plain; charset=utf-8", _room_error)
        except RelayError as e:
            return _room_error(e)
        except Exception as e:  # noqa: BLE001
            return _room_error(_internal(e))

    async def chat_room_reset(self, request: Request) -> Response:
        try:
            relay = await self.relay()
            await _read_body(request, relay.max_body)
            relay.rooms.reset(relay.gate.admit(*self._who(request)))
            return JSONResponse(chatroom.reply("reset"))
        except RelayError as e:
            return _room_error(e)
        except Exception as e:  # noqa: BLE001
            return _room_error(_internal(e))


def _asks_stream(raw: bytes) -> bool:
    """Whether the body asks for a stream (the response type depends on it; bad JSON is reported later)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return False
    return isinstance(obj, dict) and obj.get("stream") is True


def nodelay_listeners(port: int) -> int:
    """Turn Nagle's algorithm off on this process's listening sockets on `port`; returns how many.

    Streamlit binds its listening socket with protocol 0, so asyncio (which only sets TCP_NODELAY on
    IPPROTO_TCP sockets) leaves Nagle on for every connection: a response's body then waits for the
    client's delayed ACK of its headers, about 40 ms per JSON reply and per stream's first event.
    Accepted sockets inherit TCP_NODELAY from the listening one (Linux); elsewhere this finds none."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return 0
    done = 0
    for entry in fds.iterdir():
        try:
            s = socket.fromfd(int(entry.name), socket.AF_INET, socket.SOCK_STREAM)  # a duplicate of the fd
        except (OSError, ValueError):
            continue
        with s:
            try:
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) and s.getsockname()[1] == port:
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    done += 1
            except (OSError, IndexError, TypeError):
                continue
    return done


class ServedFirst:
    """ASGI middleware (st.App's user middleware, which runs before Streamlit's own): a request for one of
    the relay's routes goes straight to it, not through Streamlit's path-security, session and gzip
    middleware, which would otherwise wrap every write of every stream (and, with the exception layers,
    cost a few Python calls per relayed token). None of them concerns these routes: their paths are
    fixed, they use no session cookie, an event stream is never compressed, and a JSON reply here is as
    an OpenAI-compatible server sends it. Anything else, a wrong method or a trailing slash included,
    goes on to Streamlit, whose router has the same routes."""

    def __init__(self, app: Any, routes: list[Route]):
        self.app, self.routes = app, routes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child)
                    await route.handle(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def served_first(routes: list[Route]) -> Middleware:
    return Middleware(ServedFirst, routes=routes)


SERVED: list[bool] = []  # set once routes() has been asked for: the app serves the relay on its port


def routes(get_relay: Callable[[], Relay]) -> list[Route]:
    SERVED[:] = [True]
    h = Handlers(get_relay)
    return [Route("/v1/chat/completions", h.chat_completions, methods=["POST"]),
            Route("/v1/models", h.models, methods=["GET"]),
            Route("/chat-room", h.chat_room, methods=["POST", "DELETE"]),
            Route("/chat-room/stream", h.chat_room_stream, methods=["POST"]),
            Route("/chat-room/reset", h.chat_room_reset, methods=["POST"])]
