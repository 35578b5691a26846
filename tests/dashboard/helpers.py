"""Helpers of the dashboard tests: sockets with timeouts, bookings, a journal whose replay can be paused."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from actors.core.messages import BookSlot
from actors.core.model import Status
from api.telegram.initdata import sign_init_data
from storage.journal import Journal, NewEvent, Recorded
from tests.harness import Harness
from tests.seed import Salon

WS_PATH = "/api/v1/dashboard/updates"
BOT_TOKEN = "123456:TEST-bot-token-for-dashboard-tests"
TIMEOUT = 10.0  # generous: a wait that hits it is a failure, never a pass


def ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + WS_PATH


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Feed:
    """One dashboard socket, read with timeouts."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.ready_seq = -1

    async def frame(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.conn.recv(), timeout))  # type: ignore[no-any-return]

    async def event(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next appointment event (heartbeat pings are skipped)."""
        while True:
            frame = await self.frame(timeout)
            if frame["type"] != "ping":
                return frame

    async def events(self, n: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        return [await self.event(timeout) for _ in range(n)]

    async def close_code(self, timeout: float = TIMEOUT) -> int | None:
        """Read until the server closes; the close code it sent."""
        async def drain() -> None:
            try:
                async for _ in self.conn:
                    pass
            except websockets.ConnectionClosed:
                pass

        await asyncio.wait_for(drain(), timeout)
        return self.conn.close_code


@asynccontextmanager
async def feed(base: str, token: str, *, branch_ids: list[str] | None = None,
               after_seq: int | None = None, **connect: Any) -> AsyncIterator[Feed]:
    """An authenticated socket that has received its ``ready`` frame."""
    hello: dict[str, Any] = {"type": "auth", "token": token}
    if branch_ids is not None:
        hello["branch_ids"] = branch_ids
    if after_seq is not None:
        hello["after_seq"] = after_seq
    async with websockets.connect(ws_url(base), **connect) as conn:
        await conn.send(json.dumps(hello))
        f = Feed(conn)
        ready = await f.frame()
        assert ready["type"] == "ready", ready
        f.ready_seq = ready["seq"]
        yield f


async def client_books(h: Harness, client: Any, salon: Salon, start: str, *,
                       telegram_id: int = 4242, phone: str = "+79990004242",
                       service: str = "cut") -> dict[str, Any]:
    """A booking made through the Telegram client API (``Authorization: tma …``)."""
    init = sign_init_data(BOT_TOKEN, {"id": telegram_id, "first_name": "Иван"}, int(h.clock.now()))
    headers = {"Authorization": f"tma {init}"}
    r = await client.post("/api/v1/clients/auth", json={"phone": phone, "name": "Иван"}, headers=headers)
    assert r.status_code in (200, 201), await r.get_data(as_text=True)
    r = await client.post("/api/v1/appointments", headers=headers, json={
        "branch_id": salon.branch_id, "service_id": salon.services[service], "start": start})
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def manual(client: Any, salon: Salon, start: str, *, phone: str = "+79991112233",
                 headers: dict[str, str] | None = None, **extra: Any) -> Any:
    """``POST /appointments/manual`` (the response, not asserted)."""
    body = {"branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": start,
            "client": {"phone": phone, "name": extra.pop("name", "Анна")}, **extra}
    return await client.post("/api/v1/appointments/manual", json=body, headers=headers or salon.headers)


async def book_direct(h: Harness, salon: Salon, start: int, client_id: str = "c-direct",
                      status: Status = Status.CONFIRMED, comment: str = "") -> str:
    """Book straight through the branch actor (bulk setup without HTTP)."""
    runtime = h.z.runtime
    service = runtime.catalogue.committed.services[salon.services["cut"]]
    booked = await runtime.branch(salon.branch_id).ask(BookSlot(
        appointment_id=runtime.new_id(), client_id=client_id, source="manual", status=status,
        comment=comment, service=service, start=start, by_manager=True), "user:setup")
    return booked.appointment.id  # type: ignore[no-any-return]


class GatedJournal:
    """A journal whose ``read_all`` can pause after N records, and whose next branch
    append can be held in doubt, until released.

    Lets a test change things while a socket is in the middle of its replay,
    and look at every read while a booking's append has not committed yet.
    """

    def __init__(self, inner: Journal) -> None:
        self._inner = inner
        self.pause_after: int | None = None
        self.paused = asyncio.Event()
        self.release = asyncio.Event()
        self.hold_next_append: asyncio.Event | None = None  # set it to let the held append go on
        self.append_held = asyncio.Event()
        self.fail_held: Exception | None = None  # raised instead of committing the held append

    async def append(self, stream: str, expected_version: int, events: Sequence[NewEvent]) -> list[Recorded]:
        gate = self.hold_next_append
        if gate is not None and stream.startswith("branch:"):
            self.hold_next_append = None
            self.append_held.set()
            await asyncio.wait_for(gate.wait(), TIMEOUT)
            if self.fail_held is not None:
                raise self.fail_held
        return await self._inner.append(stream, expected_version, events)  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def read_all(self, after_seq: int = 0, *, stream: str | None = None,
                       limit: int | None = None) -> AsyncIterator[Recorded]:
        gate, self.pause_after = self.pause_after, None  # one read pauses, once
        n = 0
        async for rec in self._inner.read_all(after_seq, stream=stream, limit=limit):
            yield rec
            n += 1
            if gate is not None and n == gate:
                self.paused.set()
                await asyncio.wait_for(self.release.wait(), TIMEOUT)
