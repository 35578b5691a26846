"""Concurrent clients and a manager, writing into the ledger until told to stop.

Clients (Telegram ``initData``): book a random slot, hold one and then book
it by ``hold_id`` or release it, cancel one of their own bookings (once per
appointment), and read free slots. Every hold and booking carries a unique
``Idempotency-Key``, which the journal stores in the same event, so the
checks can tell exactly which request an event came from.

The manager (JWT, scoped to the branch): status changes and reschedules of
known appointments, always naming the ``version`` it last saw, so each
command is identified by (appointment, from_version) and a stale one is a
409 that changes nothing. It refreshes its view from the board now and then.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.reliability.ledger import Call, Ledger, Outcome
from tests.reliability.world import STATUSES, Person, World, iso, iso_ts

REQUEST_TIMEOUT_S = 15.0
_keys = itertools.count(1)


def new_key(cycle: int) -> str:
    return f"c{cycle}-k{next(_keys)}-{random.getrandbits(32):08x}"


@dataclass
class Traffic:
    """One cycle's load against ``base_url``; ``run()`` until ``stop`` is set."""

    world: World
    ledger: Ledger
    base_url: str
    cycle: int
    seed: int
    managers: int = 1
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    _cancel_tried: set[str] = field(default_factory=set)

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=len(self.world.people) + self.managers + 4)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
            workers = [self._client(http, p, random.Random(self.seed * 1000 + i))
                       for i, p in enumerate(self.world.people)]
            workers += [self._manager(http, random.Random(self.seed * 1000 - 1 - i)) for i in range(self.managers)]
            await asyncio.gather(*workers)

    # ------------------------------------------------------------ clients

    async def _client(self, http: httpx.AsyncClient, me: Person, rng: random.Random) -> None:
        while not self.stop.is_set():
            roll = rng.random()
            if roll < 0.40:
                await self._book(http, me, rng)
            elif roll < 0.70:
                await self._hold(http, me, rng)
            elif roll < 0.85:
                await self._cancel(http, me, rng)
            else:
                await self._read_slots(http, me, rng)

    def _slot(self, rng: random.Random) -> dict[str, Any]:
        w = self.world
        body: dict[str, Any] = {"branch_id": w.branch_id, "service_id": rng.choice(w.services)[0],
                                "start": iso(w.random_start(rng))}
        if rng.random() < 0.7:
            body["staff_id"] = rng.choice(w.staff)
        return body

    async def _book(self, http: httpx.AsyncClient, me: Person, rng: random.Random) -> None:
        key = new_key(self.cycle)
        body = self._slot(rng)
        call = Call("book", self.cycle, key=key, client_id=me.client_id, target=body)
        await self.ledger.send(http, call, "POST", "/api/v1/appointments", json=body,
                               headers={**me.headers, "Idempotency-Key": key})
        if call.outcome is Outcome.OK:
            call.appointment_id = call.body["id"]
            self.world.learn(call.body, me.client_id)

    async def _hold(self, http: httpx.AsyncClient, me: Person, rng: random.Random) -> None:
        key = new_key(self.cycle)
        body = self._slot(rng)
        call = Call("hold", self.cycle, key=key, client_id=me.client_id, target=body)
        await self.ledger.send(http, call, "POST", "/api/v1/slots/hold", json=body,
                               headers={**me.headers, "Idempotency-Key": key})
        if call.outcome is not Outcome.OK or self.stop.is_set():
            return
        hold_id = call.hold_id = call.body["hold_id"]
        if rng.random() < 0.6:
            key = new_key(self.cycle)
            book = Call("book_hold", self.cycle, key=key, client_id=me.client_id, hold_id=hold_id)
            await self.ledger.send(http, book, "POST", "/api/v1/appointments", json={"hold_id": hold_id},
                                   headers={**me.headers, "Idempotency-Key": key})
            if book.outcome is Outcome.OK:
                book.appointment_id = book.body["id"]
                self.world.learn(book.body, me.client_id)
        else:
            release = Call("release", self.cycle, client_id=me.client_id, hold_id=hold_id)
            await self.ledger.send(http, release, "DELETE", f"/api/v1/slots/hold/{hold_id}", headers=me.headers)

    async def _cancel(self, http: httpx.AsyncClient, me: Person, rng: random.Random) -> None:
        mine = [a for a, k in self.world.appointments.items()
                if k.owner == me.client_id and k.status in ("new", "confirmed") and a not in self._cancel_tried]
        if not mine:
            await self._read_slots(http, me, rng)
            return
        appt_id = rng.choice(mine)
        self._cancel_tried.add(appt_id)  # one cancel per appointment: its event names this request
        call = Call("cancel", self.cycle, client_id=me.client_id, appointment_id=appt_id)
        await self.ledger.send(http, call, "POST", f"/api/v1/appointments/{appt_id}/cancel", headers=me.headers)
        if call.outcome is Outcome.OK:
            self.world.learn(call.body)

    async def _read_slots(self, http: httpx.AsyncClient, me: Person, rng: random.Random) -> None:
        w = self.world
        day = w.window()["date_from"]
        await self.ledger.read(http, "/api/v1/slots/available", headers=me.headers, params={
            "branch_id": w.branch_id, "service_id": rng.choice(w.services)[0], "date_from": day, "date_to": day})

    # ------------------------------------------------------------ manager

    async def _manager(self, http: httpx.AsyncClient, rng: random.Random) -> None:
        stale = True
        while not self.stop.is_set():
            if stale:
                await refresh_from_board(http, self.world, self.ledger)
                stale = False
            if not self.world.appointments:
                await asyncio.sleep(0.02)  # nothing booked yet: let the clients run
                stale = True
                continue
            appt_id = rng.choice(list(self.world.appointments))
            known = self.world.appointments[appt_id]
            if rng.random() < 0.8:
                status = rng.choice([s for s in STATUSES if s != known.status])
                call = Call("status", self.cycle, appointment_id=appt_id, from_version=known.version,
                            target={"status": status})
                body: dict[str, Any] = {"status": status, "version": known.version}
                path = f"/api/v1/appointments/{appt_id}/status"
            else:
                start, staff_id = known.start, known.staff_id
                while (start, staff_id) == (known.start, known.staff_id):  # the same place is a no-op
                    start, staff_id = self.world.random_start(rng), rng.choice(self.world.staff)
                call = Call("reschedule", self.cycle, appointment_id=appt_id, from_version=known.version,
                            target={"start": start, "staff_id": staff_id})
                body = {"start": iso(start), "staff_id": staff_id, "version": known.version}
                path = f"/api/v1/appointments/{appt_id}/reschedule"
            await self.ledger.send(http, call, "PATCH", path, json=body, headers=self.world.manager_headers)
            if call.outcome is Outcome.OK:
                self.world.learn(call.body)
            elif call.code == "version_conflict":
                stale = True


async def refresh_from_board(http: httpx.AsyncClient, world: World, ledger: Ledger | None = None) -> int | None:
    """Learn every appointment of the booking window from ``GET /dashboard/board``; its HTTP status."""
    params = {"branch_id": world.branch_id, **world.window()}
    try:
        r = await http.get("/api/v1/dashboard/board", params=params, headers=world.manager_headers)
    except httpx.TransportError:
        return None
    if ledger is not None:
        ledger.reads[f"/api/v1/dashboard/board {r.status_code}"] += 1
    if r.status_code == 200:
        for column in r.json()["columns"]:
            for card in column["cards"]:
                world.learn(card, card["client"]["id"])
    return r.status_code


def board_cards(board: dict[str, Any]) -> dict[str, tuple[int, str, int, str]]:
    """``{id: (version, status, start, staff_id)}`` of a board answer."""
    return {c["id"]: (c["version"], c["status"], iso_ts(c["start"]), c["staff"]["id"])
            for col in board["columns"] for c in col["cards"]}
