"""WebSocket ``/api/v1/dashboard/updates`` (SPEC §4); the protocol is in docs/realtime.md.

One socket = one task running three small tasks until the first ends:

- *send*: ``ready``, then the journal replay after ``after_seq``, then the
  live frames from the hub's bounded queue, in order;
- *watch*: the heartbeat (a ``ping`` frame every ``ws_ping_interval_s``
  when nothing else is queued), the token's expiry (4401) and the hub
  dropping the socket (4008 too slow, 1001 server stopping);
- *drain*: reads and discards what the browser sends, so nothing piles up.

Only this task ever awaits the socket; the hub and the actors never do.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
import orjson
from quart import Blueprint, websocket

from api.auth import Principal
from api.context import Zapis, zapis
from api.hub import BAD_FRAME, FORBIDDEN, UNAUTHORIZED, Hub, Subscriber
from api.problems import ApiError

log = logging.getLogger(__name__)

bp = Blueprint("updates", __name__)

CLOSE_TIMEOUT_S = 5.0  # a socket that cannot even take its close frame is left to the server
INTERNAL_ERROR = 1011

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


def parse_hello(raw: str | bytes) -> Hello:
    try:
        msg = orjson.loads(raw)
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
    if after_seq is not None and (type(after_seq) is not int or after_seq < 0):
        raise Refused(BAD_FRAME, "after_seq must be a non-negative integer")
    return Hello(msg["token"], tuple(branch_ids) if branch_ids is not None else None, after_seq)


def scope(user: Principal, wanted: tuple[str, ...] | None) -> frozenset[str] | None:
    """The branches this socket receives (None: all); 4403 for a branch outside the token."""
    if wanted is None:
        return None if user.is_admin or "*" in user.branches else frozenset(user.branches)
    outside = [b for b in wanted if not user.sees(b)]
    if outside:
        raise Refused(FORBIDDEN, f"branch {outside[0]} is outside your access")
    return frozenset(wanted)


async def _authenticate(z: Zapis) -> tuple[Hello, Principal]:
    try:
        raw = await asyncio.wait_for(websocket.receive(), z.settings.ws_auth_timeout_s)
    except TimeoutError:
        raise Refused(UNAUTHORIZED, "authenticate within the first seconds") from None
    hello = parse_hello(raw)
    if z.tokens is None:
        raise Refused(UNAUTHORIZED, "manager sign-in is not configured")
    try:
        return hello, z.tokens.verify(hello.token)
    except ApiError as err:
        raise Refused(UNAUTHORIZED, err.detail) from None


@bp.websocket("/api/v1/dashboard/updates")
async def updates() -> None:
    z = zapis()
    await websocket.accept()
    try:
        if z.hub is None:
            raise Refused(INTERNAL_ERROR, "realtime updates are not available")
        hello, user = await _authenticate(z)
        branches = scope(user, hello.branch_ids)
    except Refused as refused:
        await _close(refused.code, refused.reason)
        return
    with z.hub.session(branches) as sub:
        code, reason = await _serve(z, z.hub, sub, user, hello)
        await _close(code, reason)


async def _serve(z: Zapis, hub: Hub, sub: Subscriber, user: Principal, hello: Hello) -> Outcome:
    tasks = [
        asyncio.create_task(_send(hub, sub, hello.after_seq), name="ws-send"),
        asyncio.create_task(_watch(z, hub, sub, user), name="ws-watch"),
        asyncio.create_task(_drain(), name="ws-drain"),
    ]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    first = next(iter(done))
    if first.cancelled():
        return INTERNAL_ERROR, "stopped"
    err = first.exception()
    if err is not None:
        log.error("dashboard socket failed", exc_info=err)
        return INTERNAL_ERROR, "internal error; reconnect with after_seq"
    return first.result()  # type: ignore[no-any-return]


async def _send(hub: Hub, sub: Subscriber, after_seq: int | None) -> Outcome:
    await websocket.send(orjson.dumps({"type": "ready", "seq": sub.since}).decode())
    if after_seq is not None:
        async for frame in hub.replay(after_seq, sub.since, sub.sees):
            await websocket.send(frame)
    while True:
        await websocket.send(await sub.queue.get())


async def _watch(z: Zapis, hub: Hub, sub: Subscriber, user: Principal) -> Outcome:
    interval = z.settings.ws_ping_interval_s
    while True:
        left = user.expires_at - z.clock.now()
        if left <= 0:
            return UNAUTHORIZED, "the token has expired; sign in again"
        try:
            await asyncio.wait_for(sub.wait_ended(), min(interval, left))
        except TimeoutError:
            if sub.queue.empty():
                sub.offer(hub.ping())
            continue
        return sub.close_code or INTERNAL_ERROR, sub.close_reason


async def _drain() -> Outcome:
    while True:
        await websocket.receive()


async def _close(code: int, reason: str) -> None:
    """Close with ``code``; a socket that does not even take the close frame is left behind."""
    try:
        await asyncio.wait_for(websocket.close(code, reason[:120]), CLOSE_TIMEOUT_S)
    except (TimeoutError, RuntimeError, OSError):
        pass
