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
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from quart import Quart

DRAIN_MAX_BYTES = 64 * 1024 * 1024
DRAIN_TIMEOUT_S = 30.0
NOT_WAITED_FOR = frozenset({408})

Scope = MutableMapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def mount(app: Quart) -> None:
    """Wrap ``app``'s ASGI callable (HTTP only; sockets and lifespan pass through)."""
    inner = app.asgi_app

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await inner(scope, receive, send)  # type: ignore[arg-type]
            return
        body = WatchedBody(receive, declared_length(scope))
        await inner(scope, body.receive, body.ending_after(send))  # type: ignore[arg-type]

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
    """One request's ``receive``, watched: whether its body has ended, how much of it came."""

    __slots__ = ("_receive", "_declared", "ended", "received")

    def __init__(self, receive: Receive, declared: int | None) -> None:
        self._receive = receive
        self._declared = declared
        self.ended = asyncio.Event()
        self.received = 0

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if not message.get("more_body", False):
                self.ended.set()
        else:  # http.disconnect: nothing more will come
            self.ended.set()
        return message

    def ending_after(self, send: Send) -> Send:
        """``send``, with the response's last message held back until the body has ended."""
        status = 0

        async def wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif (message["type"] == "http.response.body" and not message.get("more_body", False)
                  and not self.ended.is_set() and status not in NOT_WAITED_FOR):
                if message.get("body"):  # the answer goes out now, only its end waits
                    await send({**message, "more_body": True})
                    message = {"type": "http.response.body", "body": b"", "more_body": False}
                await self.drain()
            await send(message)

        return wrapped

    async def drain(self) -> None:
        """Read and discard the rest of the body, within the bounds."""
        if self._declared is not None and self._declared > DRAIN_MAX_BYTES:
            return
        # The app's own reader (Quart's) may still be receiving too: whichever of us
        # sees the end sets ``ended``, so wait for that, not only for our reads.
        reader = asyncio.create_task(self._discard())
        ended = asyncio.create_task(self.ended.wait())
        try:
            await asyncio.wait((reader, ended), timeout=DRAIN_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            ended.cancel()
            await asyncio.gather(reader, ended, return_exceptions=True)

    async def _discard(self) -> None:
        while not self.ended.is_set() and self.received <= DRAIN_MAX_BYTES:
            await self.receive()
