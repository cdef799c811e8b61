"""An upstream event stream's body, read on the app's event loop instead of the request's worker thread.

The worker thread sends the request with every rule of the transport (URL and peer checks, the key only
to its host, proxy, watchdog) and reads the response's headers; then it hands the connection's socket to
the event loop, which reads each piece as it arrives, passes its events straight on to the client
(forward.Passthrough: plain frames as the upstream's own bytes, less the usage chunk the relay asked
for, the stream's end held back) and keeps the decoded bytes. When the stream is over the worker
parses those bytes exactly as if it had read them itself (the result, the ledger's row, the request
log). Each relayed token then wakes one thread (the loop) instead of two (worker, then loop), which on
a small machine is CPU the upstream engine keeps.

Only a plain TCP socket is handed over: a TLS connection stays in the worker thread (`of` says None).
A watchdog's cancel or deadline shuts the socket down, which ends the reading here as it would there.
"""
from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from typing import Any, Awaitable, Callable, Iterator

import httptools
import requests

from paramlab.relay.forward import Passthrough
from paramlab.transport.decoding import BodyDecoder, UnsupportedEncoding
from paramlab.transport.watchdog import response_socket

READ_SIZE = 64 * 1024
Send = Callable[[bytes], Awaitable[None]]


class Handover:
    def __init__(self, sock: socket.socket, pre: bytes, framing: bytes, decoder: BodyDecoder,
                 passthrough: Passthrough, read_timeout: float):
        self._sock, self._pre, self._framing, self._decoder = sock, pre, framing, decoder
        self._passthrough, self._read_timeout = passthrough, read_timeout
        self._done = threading.Event()
        self.chunks: list[bytes] = []  # the decoded body as it came, for the worker to parse
        self.error: requests.exceptions.RequestException | None = None
        self._fresh: list[bytes] = []  # body bytes of the current read (the parser's on_body)
        self._complete = False          # the parser saw the body's end
        self._wake: asyncio.Future | None = None
        self._inbox: list[Any] = []     # what the socket gave: bytes, b"" at its end, or an error
        self._timer: asyncio.TimerHandle | None = None  # the read timeout (longest silence)

    # -- the worker thread ---------------------------------------------------------------------
    @classmethod
    def of(cls, resp: requests.Response, passthrough: Passthrough, read_timeout: float) -> "Handover | None":
        """Take the response's connection for the event loop, or None if it must stay in this thread."""
        sock = response_socket(resp)
        head = getattr(resp.raw, "_fp", None)  # http.client's response: its framing and read buffer
        buffer = getattr(head, "fp", None)
        if sock is None or isinstance(sock, ssl.SSLSocket) or buffer is None:
            return None
        chunked = getattr(head, "chunked", None)
        if chunked is None or (chunked and head.chunk_left is not None):
            return None  # not an http.client response, or its body is already being read
        try:
            decoder = BodyDecoder(resp.headers.get("content-encoding"))
        except UnsupportedEncoding:
            return None  # iter_body reports it, as for any request
        if chunked:
            framing = b"Transfer-Encoding: chunked\r\n"
        elif head.length is not None:
            framing = b"Content-Length: %d\r\n" % head.length
        else:
            framing = b""  # the body ends when the connection does
        sock.setblocking(False)
        pre = buffer.peek(READ_SIZE)  # whatever came in with the headers (non-blocking: b"" if nothing)
        buffer.read(len(pre))
        return cls(sock, pre, framing, decoder, passthrough, read_timeout)

    def body(self, limit: float) -> Iterator[bytes]:
        """The decoded body once the loop is done with it, then its failure as iter_body raises it."""
        if not self._done.wait(limit):
            raise requests.exceptions.ChunkedEncodingError("the relay's event loop never finished the stream")
        yield from self.chunks
        if self.error is not None:
            raise self.error

    # -- the event loop ------------------------------------------------------------------------
    def abandon(self) -> None:
        """Nobody will read this body (the client left before it started)."""
        if not self._done.is_set():
            self.error = requests.exceptions.ChunkedEncodingError("the client left before the stream began")
            self._done.set()

    async def relay(self, send: Send) -> None:
        """Read the body to its end (or [DONE], or a failure), sending the client each piece's events."""
        loop = asyncio.get_running_loop()
        parser = httptools.HttpResponseParser(self)
        fd = self._sock.fileno()
        last = [loop.time()]
        self._timer = loop.call_later(self._read_timeout, self._check_silence, loop, last)
        try:
            parser.feed_data(b"HTTP/1.1 200 OK\r\n" + self._framing + b"\r\n")
            loop.add_reader(fd, self._readable)
            data: Any = self._pre
            first = True
            while True:
                if isinstance(data, BaseException):
                    raise data
                if data:
                    parser.feed_data(data)
                elif not first:  # the connection ended
                    if self._framing:  # before the chunked or sized body was whole
                        raise requests.exceptions.ChunkedEncodingError("the upstream connection ended mid-stream")
                    self._complete = True  # a body that ends with its connection
                first = False
                out = self._pass_on()
                if out:
                    await send(out)
                if self._passthrough.ended or self._complete:  # [DONE] or an error: no more is read
                    return
                data = await self._read()
                last[0] = loop.time()
        except requests.exceptions.RequestException as e:
            self.error = e
        except httptools.HttpParserError as e:
            self.error = requests.exceptions.ChunkedEncodingError(f"the upstream's body is malformed: {e}")
        except UnsupportedEncoding as e:
            self.error = requests.exceptions.ContentDecodingError(str(e))
        except BaseException as e:  # noqa: BLE001 - never leave the worker waiting
            self.error = requests.exceptions.ChunkedEncodingError(f"the relay stopped reading: {type(e).__name__}")
            raise
        finally:
            self._timer.cancel()
            loop.remove_reader(fd)
            self._done.set()

    def _pass_on(self) -> bytes:
        fresh, self._fresh = self._fresh, []
        out = []
        for chunk in fresh:
            data = self._decoder.feed(chunk)
            if data:
                self.chunks.append(data)
                out.append(self._passthrough.feed(data))
        if self._complete:
            tail = self._decoder.flush()
            if tail:
                self.chunks.append(tail)
                out.append(self._passthrough.feed(tail))
            out.append(self._passthrough.close())
        return b"".join(out)

    def _readable(self) -> None:
        try:
            data: Any = self._sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            data = requests.exceptions.ChunkedEncodingError(e)
        if not data or isinstance(data, BaseException):  # the end: nothing more to wait for
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
        self._deliver(data)

    def _deliver(self, data: Any) -> None:
        self._inbox.append(data)
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def _read(self) -> Any:
        while not self._inbox:
            self._wake = asyncio.get_running_loop().create_future()
            await self._wake
        if len(self._inbox) == 1 or not all(isinstance(d, bytes) and d for d in self._inbox):
            return self._inbox.pop(0)
        data, self._inbox = b"".join(self._inbox), []
        return data

    def _check_silence(self, loop: asyncio.AbstractEventLoop, last: list[float]) -> None:
        left = last[0] + self._read_timeout - loop.time()
        if left > 0:
            self._timer = loop.call_later(left, self._check_silence, loop, last)
        else:
            self._deliver(requests.exceptions.ReadTimeout(f"no data for {self._read_timeout:g} s"))

    # -- httptools callbacks -------------------------------------------------------------------
    def on_body(self, body: bytes) -> None:
        self._fresh.append(body)

    def on_message_complete(self) -> None:
        self._complete = True
