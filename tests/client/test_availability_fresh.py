"""GET /slots/available answers from a cache, and every change shows in the very next answer.

Each step asks twice first (the second answer comes from the cache), then
changes one thing — a booking, a hold, a cancel, a master's schedule, the
clock passing the minimum notice, a hold expiring — and the next answer must
already show it (SQLite and PostgreSQL). With two processes on one
PostgreSQL, another process's booking reaches this one's committed state
through the runtime's commit listener, and the next answer here shows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage.postgres import PostgresJournal
from tests.client.kit import TOKEN, at, instant, register, salon_with_clients, slot_body, slots, start, tma
from tests.harness import Harness
from tests.pg import fresh_pg_schema, require_pg_url
from tests.seed import seed_salon

A, B = 1001, 1002


def pairs(answer: dict[str, Any]) -> set[tuple[str, str]]:
    return {(s["start"], s["staff_id"]) for s in answer["slots"]}


async def test_each_change_shows_in_the_next_answer(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)  # Monday 09:00 Moscow; notice 60 min
    first, second = salon.staff

    async def warm() -> dict[str, Any]:
        """A's answer, asked twice: the second must be the same (served from the cache)."""
        answer = await slots(client, harness, A, salon)
        assert await slots(client, harness, A, salon) == answer
        return answer

    before = await warm()
    assert (at("12:00"), first) in pairs(before) and min(s["start"] for s in before["slots"]) == at("10:00")

    # A booking by B.
    r = await client.post("/api/v1/appointments", headers=tma(harness, B), json=slot_body(salon, at("12:00")))
    assert r.status_code == 201, await r.get_data(as_text=True)
    booked = (await r.get_json())["id"]
    after = await slots(client, harness, A, salon)
    assert (at("12:00"), first) not in pairs(after) and (at("12:00"), second) in pairs(after)

    # A hold by B: hidden from A at once, never from B.
    await warm()
    r = await client.post("/api/v1/slots/hold", headers=tma(harness, B), json=slot_body(salon, at("14:00"), staff=1))
    assert r.status_code == 201, await r.get_data(as_text=True)
    expires_at = instant((await r.get_json())["expires_at"])
    held = await slots(client, harness, A, salon)
    assert (at("14:00"), second) not in pairs(held) and (at("14:00"), first) in pairs(held)
    assert (at("14:00"), second) in pairs(await slots(client, harness, B, salon))

    # B cancels the booking: 12:00 with the first master is free again.
    await warm()
    r = await client.post(f"/api/v1/appointments/{booked}/cancel", headers=tma(harness, B))
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (at("12:00"), first) in pairs(await slots(client, harness, A, salon))

    # The first master now works 09:00–13:00.
    await warm()
    short = {d: [["09:00", "13:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    r = await client.patch(f"/api/v1/admin/staff/{first}", headers=salon.headers, json={"schedule": short})
    assert r.status_code == 200, await r.get_data(as_text=True)
    cut_short = await slots(client, harness, A, salon)
    assert max(s["start"] for s in cut_short["slots"] if s["staff_id"] == first) == at("12:00")
    assert (at("15:00"), second) in pairs(cut_short)

    # One minute later, 10:00 is less than the 60 minutes' notice away.
    await warm()
    harness.clock.advance(60)
    later = await slots(client, harness, A, salon)
    assert min(s["start"] for s in later["slots"]) == at("10:15")

    # The hold expires (live while now < expires_at): 14:00 with the second master is back.
    await warm()
    harness.clock.advance(expires_at - 1 - harness.clock.now())
    assert (at("14:00"), second) not in pairs(await slots(client, harness, A, salon))
    harness.clock.advance(1)
    assert (at("14:00"), second) in pairs(await slots(client, harness, A, salon))


async def test_another_processs_booking_shows_in_the_next_answer(tmp_path: Path) -> None:
    url = require_pg_url()
    async with fresh_pg_schema(url) as schema:
        nodes = [Harness(lambda: PostgresJournal(url, schema=schema, poll_s=30.0), tmp_path / name,
                         overrides={"telegram_bot_token": TOKEN}) for name in ("a", "b")]
        try:
            a, b = [await h.start() for h in nodes]
            salon = await seed_salon(nodes[0], a)
            await register(a, nodes[0], A)
            await register(b, nodes[1], B)
            first = salon.staff[0]
            for _ in range(2):  # cached on A
                assert (at("12:00"), first) in pairs(await slots(a, nodes[0], A, salon))
            r = await b.post("/api/v1/appointments", headers=tma(nodes[1], B), json=slot_body(salon, at("12:00")))
            assert r.status_code == 201, await r.get_data(as_text=True)
            await nodes[0].z.runtime.catch_up()  # what the commit hint or the poll does on A
            assert (at("12:00"), first) not in pairs(await slots(a, nodes[0], A, salon))
        finally:
            for h in nodes:
                await h.stop()
