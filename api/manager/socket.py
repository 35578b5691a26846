"""WebSocket ``/api/v1/dashboard/updates`` (SPEC §4); the protocol is in docs/realtime.md.

A plain ASGI handler mounted in front of Quart (``mount``): a socket costs
three small tasks and no Quart request context, so a thousand open boards
stay cheap in memory and one event reaches all of them fast (see
bench/README.md). Per socket:

- the *handler* authenticates the first frame (within ``ws_auth_timeout_s``,
  else 4401), subscribes to the hub, then waits for the first of: the pump
  ends, the browser goes away, the hub drops the socket (4008 too slow,
  1001 server stopping); then it closes the socket with the reason;
- the *pump* sends ``ready``, the journal replay after ``after_seq``, then the
  live frames in order, a ``ping`` after ``ws_ping_interval_s`` of silence,
  and ends with 4401 when the token expires;
- the *reader* reads and discards what the browser sends and notices it leave.

Only these tasks ever await the socket; the hub and the actors never do.

Every socket of the app, this one or any other, is served without
``permessage-deflate`` (``decline_compression``): Hypercorn accepts the
extension whenever a client offers it, as every browser does, and its zlib
compressor made a browser's socket cost 122–180 KiB instead of ≈ 31 KiB
(bench/README.md, "Browser sockets"). The frames are small JSON; they go
uncompressed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import orjson
from hypercorn.protocol.ws_stream import Handshake
from quart import Quart

from api.auth import Principal
from api.context import AppContext
from api.manager.schemas import MAX_SEQ
from api.manager.hub import BAD_FRAME, FORBIDDEN, UNAUTHORIZED, Hub, Subscriber
from api.problems import ApiError

log = logging.getLogger(__name__)

PATH = "/api/v1/dashboard/updates"
CLOSE_TIMEOUT_S = 5.0  # a socket that cannot even take its close frame is left to the server
INTERNAL_ERROR = 1011

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Outcome = tuple[int, str]  # close code and reason


class Refused(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


@dataclass(frozen=True, slots=True)
class Hello:
    """The first frame: ``{"type":"auth","token","branch_ids"?,"after_seq"?}``."""

    token: str
    branch_ids: tuple[str, ...] | None
    after_seq: int | None


def parse_hello(raw: str | bytes | None) -> Hello:
    try:
        msg = orjson.loads(raw or b"")
    except orjson.JSONDecodeError:
        raise Refused(UNAUTHORIZED, "the first frame must be {\"type\":\"auth\",\"token\":…}") from None
    if not isinstance(msg, dict) or msg.get("type") != "auth" or not isinstance(msg.get("token"), str):
        raise Refused(UNAUTHORIZED, "the first frame must be {\"type\":\"auth\",\"token\":…}")
    branch_ids, after_seq = msg.get("branch_ids"), msg.get("after_seq")
    if branch_ids is not None and (
        not isinstance(branch_ids, list) or len(branch_ids) > 1000
        or not all(isinstance(b, str) and 0 < len(b) <= 64 for b in branch_ids)
    ):
        raise Refused(BAD_FRAME, "branch_ids must be a list of branch ids")
    if after_seq is not None and (type(after_seq) is not int or not 0 <= after_seq <= MAX_SEQ):
        raise Refused(BAD_FRAME, "after_seq must be a non-negative 64-bit integer")
    return Hello(msg["token"], tuple(branch_ids) if branch_ids is not None else None, after_seq)


def scope_of(user: Principal, wanted: tuple[str, ...] | None) -> frozenset[str] | None:
    """The branches this socket receives (None: all); 4403 for a branch outside the token."""
    if wanted is None:
        return None if user.is_admin or "*" in user.branches else frozenset(user.branches)
    outside = [b for b in wanted if not user.sees(b)]
    if outside:
        raise Refused(FORBIDDEN, f"branch {outside[0]} is outside your access")
    return frozenset(wanted)


def mount(app: Quart, z: AppContext) -> None:
    """Serve the dashboard socket from ``app`` (ASGI middleware, the Quart way)."""
    inner = app.asgi_app

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await inner(scope, receive, send)  # type: ignore[arg-type]
            return
        decline_compression(send)
        if scope["path"] == PATH:
            await DashboardSocket(z, receive, send).run()
        else:
            await inner(scope, receive, send)  # type: ignore[arg-type]

    app.asgi_app = asgi  # type: ignore[method-assign,assignment]


def decline_compression(send: Send) -> bool:
    """Make the server answer this socket's handshake without ``permessage-deflate``; True if done.

    Hypercorn has no setting for it (it always accepts the extension; its
    issue #307). Its ``send`` for a socket is the bound ``app_send`` of the
    connection's stream, which keeps the parsed handshake until the app
    accepts; with no extension offers left in it, Hypercorn's
    ``server_extensions_handshake`` accepts none, and the answer carries no
    ``Sec-WebSocket-Extensions`` (RFC 6455 §9.1: the client then sends and
    receives plain frames). Under another server (the test client, Uvicorn)
    nothing is found and nothing changes. ``tests/security/test_ws_deflate.py``
    checks it against a real Hypercorn, so an upgrade that moves this fails there.
    """
    handshake = getattr(getattr(send, "__self__", None), "handshake", None)
    if not isinstance(handshake, Handshake) or handshake.accepted:
        return False
    handshake.extensions = None
    return True


class DashboardSocket:
    __slots__ = ("z", "receive", "send")

    def __init__(self, z: AppContext, receive: Receive, send: Send) -> None:
        self.z, self.receive, self.send = z, receive, send

    async def run(self) -> None:
        if (await self.receive())["type"] != "websocket.connect":
            return
        await self.send({"type": "websocket.accept"})
        hub = self.z.hub
        try:
            if hub is None:
                raise Refused(INTERNAL_ERROR, "realtime updates are not available")
            hello, user = await self._authenticate()
            branches = scope_of(user, hello.branch_ids)
        except Refused as refused:
            await self._close(refused.code, refused.reason)
            return
        except _Gone:
            return
        with hub.session(branches, user.login) as sub:
            outcome = await self._serve(hub, sub, user, hello.after_seq)
            if outcome is not None:
                await self._close(*outcome)

    async def _authenticate(self) -> tuple[Hello, Principal]:
        try:
            raw = await asyncio.wait_for(self._text(), self.z.settings.ws_auth_timeout_s)
        except TimeoutError:
            raise Refused(UNAUTHORIZED, "authenticate within the first seconds") from None
        hello = parse_hello(raw)
        if self.z.tokens is None:
            raise Refused(UNAUTHORIZED, "manager sign-in is not configured")
        try:
            return hello, self.z.tokens.current(hello.token, self.z.scheduler.user)
        except ApiError as err:
            raise Refused(UNAUTHORIZED, err.detail) from None

    async def _text(self) -> str | bytes | None:
        msg = await self.receive()
        if msg["type"] == "websocket.disconnect":
            raise _Gone
        return msg.get("text") or msg.get("bytes")

    async def _serve(self, hub: Hub, sub: Subscriber, user: Principal, after_seq: int | None) -> Outcome | None:
        """Run pump and reader until one ends or the hub drops us; None: the browser left."""
        pump = asyncio.create_task(self._pump(hub, sub, user, after_seq))
        reader = asyncio.create_task(self._read())
        try:
            await asyncio.wait((pump, reader, sub.ended), return_when=asyncio.FIRST_COMPLETED)
        finally:
            pump.cancel()
            reader.cancel()
            await asyncio.gather(pump, reader, return_exceptions=True)
        if sub.close_code is not None:
            return sub.close_code, sub.close_reason
        if reader.done() and not reader.cancelled():
            return None
        if pump.cancelled():
            return INTERNAL_ERROR, "stopped"
        err = pump.exception()
        if err is not None:
            log.error("dashboard socket failed", exc_info=err)
            return INTERNAL_ERROR, "internal error; reconnect with after_seq"
        return pump.result()

    async def _pump(self, hub: Hub, sub: Subscriber, user: Principal, after_seq: int | None) -> Outcome:
        send, clock = self.send, self.z.clock
        await send({"type": "websocket.send", "text": orjson.dumps({"type": "ready", "seq": sub.since}).decode()})
        if after_seq is not None:
            async for replayed in hub.replay(after_seq, sub.since, sub.sees):
                await send({"type": "websocket.send", "text": replayed})
        interval = self.z.settings.ws_ping_interval_s
        while True:
            left = user.expires_at - clock.now()
            if left <= 0:
                return UNAUTHORIZED, "the token has expired; sign in again"
            frame = await sub.next(min(interval, left))
            if frame is None:
                if sub.close_code is not None:
                    return sub.close_code, sub.close_reason
                if user.expires_at - clock.now() <= 0:
                    continue
                frame = hub.ping()  # nothing for a while: a heartbeat the browser can watch
            await send({"type": "websocket.send", "text": frame})

    async def _read(self) -> None:
        """Discard what the browser sends; return when it disconnects."""
        while (await self.receive())["type"] != "websocket.disconnect":
            pass

    async def _close(self, code: int, reason: str) -> None:
        """Close with ``code``; a socket that does not even take the close frame is left behind."""
        try:
            await asyncio.wait_for(
                self.send({"type": "websocket.close", "code": code, "reason": reason[:120]}), CLOSE_TIMEOUT_S)
        except (TimeoutError, RuntimeError, OSError):
            pass


class _Gone(Exception):
    """The browser disconnected before authenticating."""

