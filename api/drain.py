"""Answer at once, end the answer after the request body: no reset under a client still sending.

A handler may answer before the request body has arrived: 413 from the
declared size of an upload or once a chunked one passes its limit, 401 on a
large upload, and so on. Hypercorn closes an HTTP/1.1 connection as soon as
such a response ends, with the client's bytes still unread, and the kernel
turns a close with unread data into a TCP reset: a client that is still
writing may get "connection reset" instead of the answer.

This ASGI middleware lets the answer go out at once (status, headers, body)
but holds back its end until the request body has ended, reading and
discarding the rest; then the response ends and the connection is reused or
closed cleanly. A body is read at most up to ``DRAIN_MAX_BYTES`` (a declared
size above it is not waited for at all) and for at most ``DRAIN_TIMEOUT_S``;
a 408 (the body was too slow already) is not waited for.

The same wrapper adds the security headers to every HTTP response that
lacks them (``create_app`` passes them), Quart's own error pages included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from quart import Quart

DRAIN_MAX_BYTES = 64 * 1024 * 1024
DRAIN_TIMEOUT_S = 30.0
NOT_WAITED_FOR = frozenset({408})

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def mount(app: Quart, headers: Mapping[str, str] | None = None) -> None:
    """Wrap ``app``'s ASGI callable (HTTP only; sockets and lifespan pass through).

    ``headers`` are added to every HTTP response that does not set them itself
    (the security headers: here they cost one set of names per response,
    instead of a ``Headers.setdefault`` per name in an ``after_request`` hook).
    """
    inner = app.asgi_app
    defaults = tuple((name.lower().encode("latin-1"), value.encode("latin-1"))
                     for name, value in (headers or {}).items())

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)  # type: ignore[arg-type]
            return
        body = WatchedBody(scope, receive, send, defaults)
        await inner(scope, body.receive, body.send)  # type: ignore[arg-type]

    app.asgi_app = asgi  # type: ignore[method-assign,assignment]


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class WatchedBody:
    """One request's ``receive`` and ``send``, watched: whether its body has ended, how much of it came.

    Built for every request, so it is kept light: a flag, and a future only
    when a response actually has to wait for the body's end.
    """

    __slots__ = ("_scope", "_receive", "_send", "_defaults", "_status", "_waiter", "ended", "received")

    def __init__(self, scope: Scope, receive: Receive, send: Send,
                 defaults: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        self._scope = scope
        self._receive = receive
        self._send = send
        self._defaults = defaults
        self._status = 0
        self._waiter: asyncio.Future[None] | None = None
        self.ended = False
        self.received = 0

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if not message.get("more_body", False):
                self._end()
        else:  # http.disconnect: nothing more will come
            self._end()
        return message

    def _end(self) -> None:
        self.ended = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def send(self, message: Message) -> None:
        """The app's ``send``: default headers added, the response's last message held back until the body has ended."""
        kind = message["type"]
        if kind == "http.response.start":
            self._status = message["status"]
            if self._defaults:
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self._defaults if h[0] not in present)
                message = {**message, "headers": headers}
        elif (kind == "http.response.body" and not self.ended and not message.get("more_body", False)
              and self._status not in NOT_WAITED_FOR):
            if message.get("body"):  # the answer goes out now, only its end waits
                await self._send({**message, "more_body": True})
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await self.drain()
        await self._send(message)

    async def drain(self) -> None:
        """Read and discard the rest of the body, within the bounds."""
        declared = declared_length(self._scope)
        if declared is not None and declared > DRAIN_MAX_BYTES:
            return
        # The app's own reader (Quart's) may still be receiving too: whichever of us
        # sees the end sets ``ended``, so wait for that, not only for our reads.
        self._waiter = asyncio.get_running_loop().create_future()
        reader = asyncio.create_task(self._discard())
        try:
            await asyncio.wait((reader, self._waiter), timeout=DRAIN_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            self._waiter.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def _discard(self) -> None:
        while not self.ended and self.received <= DRAIN_MAX_BYTES:
            await self.receive()
