"""The relay's HTTP routes (Starlette), thin adapters over service.Relay. Served on the app's own
port by st.App (see serve.py). Everything that can block (the ledger, the upstream, starting the
embedded engine) runs in a thread per request; streamed events cross to the event loop one by one."""
from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from paramlab.client.result import ChatResult
from paramlab.relay import chatroom
from paramlab.relay.forward import upstream_error
from paramlab.relay.service import Relay
from paramlab.relay.wire import RelayError

log = logging.getLogger("paramlab.relay")
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass
class _Finished:
    value: Any  # the ChatResult, or the exception the work raised


def _in_thread(fn: Callable[[], Any]) -> "asyncio.Future[Any]":
    """Run fn in its own thread (not a small shared pool: a relayed stream holds its thread throughout)."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future = loop.create_future()

    def done(ok: bool, value: Any) -> None:
        if fut.cancelled():
            return
        fut.set_result(value) if ok else fut.set_exception(value)

    def run() -> None:
        try:
            value, ok = fn(), True
        except BaseException as e:  # noqa: BLE001 - handed to the awaiting request
            value, ok = e, False
        loop.call_soon_threadsafe(done, ok, value)

    threading.Thread(target=run, daemon=True, name="relay-request").start()
    return fut


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


async def _streamed(work: Callable[[Callable[[bytes], None], list], ChatResult],
                    tail: Callable[[ChatResult], bytes | None], media_type: str,
                    failed: Callable[[RelayError], Response]) -> Response:
    """Start `work` in a thread; answer with the upstream's error if it fails before the first byte,
    else stream every piece as it is emitted. A client that goes away cancels the upstream request."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    holder: list = []

    def emit(piece: bytes) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, piece)

    def run() -> None:
        try:
            value = work(emit, holder)
        except BaseException as e:  # noqa: BLE001 - reported to the client below
            value = e
        loop.call_soon_threadsafe(queue.put_nowait, _Finished(value))

    threading.Thread(target=run, daemon=True, name="relay-stream").start()
    first = await queue.get()
    if isinstance(first, _Finished):
        if isinstance(first.value, BaseException):
            raise first.value
        if first.value.status == "error":
            return failed(upstream_error(first.value))

    async def body():
        item, finished = first, False
        try:
            while True:
                if isinstance(item, _Finished):
                    finished = True
                    extra = tail(item.value) if isinstance(item.value, ChatResult) else None
                    if extra:
                        yield extra
                    return
                pieces = [item]
                while not queue.empty():  # whatever else has arrived goes out in the same write
                    nxt = queue.get_nowait()
                    if isinstance(nxt, _Finished):
                        item = nxt
                        break
                    pieces.append(nxt)
                else:
                    item = None
                yield pieces[0] if len(pieces) == 1 else b"".join(pieces)
                if item is None:
                    item = await queue.get()
        finally:
            if not finished and holder:
                holder[0].cancel()  # the client left: stop generating (the ledger keeps what was used)

    return StreamingResponse(body(), media_type=media_type, headers=STREAM_HEADERS)


def _openai_error(e: RelayError) -> Response:
    return JSONResponse(e.body(), status_code=e.status)


def _room_error(e: RelayError) -> Response:
    return JSONResponse(chatroom.reply(None, code=e.status, msg=e.message), status_code=e.status)


def _internal(e: BaseException) -> RelayError:
    log.exception("relay failure: %s", type(e).__name__, exc_info=e)
    return RelayError(500, f"The relay failed: {type(e).__name__}", type="server_error", code="relay_error")


class Handlers:
    def __init__(self, get_relay: Callable[[], Relay]):
        self.get_relay = get_relay

    async def _admit(self, request: Request):
        relay = await _in_thread(self.get_relay)
        raw = await _read_body(request, relay.max_body) if request.method == "POST" else b""
        caller = await _in_thread(lambda: relay.admit(request.headers.get("authorization"), _address(request),
                                                      request.headers.get("api-key")))
        return relay, caller, raw

    async def chat_completions(self, request: Request) -> Response:
        try:
            relay, caller, raw = await self._admit(request)
            prep, client = await _in_thread(lambda: relay.prepare(raw))
            if not prep.stream:
                return JSONResponse(await _in_thread(lambda: relay.complete(prep, client, caller)))
            return await _streamed(lambda emit, holder: relay.stream(prep, client, caller, emit, holder),
                                   relay.stream_tail, "text/event-stream; charset=utf-8", _openai_error)
        except RelayError as e:
            return _openai_error(e)
        except Exception as e:  # noqa: BLE001
            return _openai_error(_internal(e))

    async def models(self, request: Request) -> Response:
        try:
            relay, _, _ = await self._admit(request)
            return JSONResponse(relay.models())
        except RelayError as e:
            return _openai_error(e)
        except Exception as e:  # noqa: BLE001
            return _openai_error(_internal(e))

    async def chat_room(self, request: Request) -> Response:
        try:
            relay, caller, raw = await self._admit(request)
            if request.method == "DELETE":
                relay.rooms.reset(caller)
                return JSONResponse(chatroom.reply("reset"))
            return JSONResponse(await _in_thread(lambda: relay.room_reply(caller, raw)))
        except RelayError as e:
            return _room_error(e)
        except Exception as e:  # noqa: BLE001
            return _room_error(_internal(e))

    async def chat_room_stream(self, request: Request) -> Response:
        try:
            relay, caller, raw = await self._admit(request)
            prep, client, user = await _in_thread(lambda: relay.room_prepare(caller, raw, stream=True))
            return await _streamed(lambda emit, holder: relay.room_stream(caller, prep, client, user, emit, holder),
                                   lambda result: None, "text/plain; charset=utf-8", _room_error)
        except RelayError as e:
            return _room_error(e)
        except Exception as e:  # noqa: BLE001
            return _room_error(_internal(e))

    async def chat_room_reset(self, request: Request) -> Response:
        try:
            relay, caller, _ = await self._admit(request)
            relay.rooms.reset(caller)
            return JSONResponse(chatroom.reply("reset"))
        except RelayError as e:
            return _room_error(e)


SERVED: list[bool] = []  # set once routes() has been asked for: the app serves the relay on its port


def routes(get_relay: Callable[[], Relay]) -> list[Route]:
    SERVED[:] = [True]
    h = Handlers(get_relay)
    return [Route("/v1/chat/completions", h.chat_completions, methods=["POST"]),
            Route("/v1/models", h.models, methods=["GET"]),
            Route("/chat-room", h.chat_room, methods=["POST", "DELETE"]),
            Route("/chat-room/stream", h.chat_room_stream, methods=["POST"]),
            Route("/chat-room/reset", h.chat_room_reset, methods=["POST"])]
