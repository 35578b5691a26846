"""The waitlist with two processes on one PostgreSQL (SPEC §9.5): an offer is one decision in
the branch stream, so when both processes' timers see an offer run out at once, it passes on
exactly once (optimistic concurrency), and either process answers for entries made on the other."""

from __future__ import annotations

import asyncio

from tests.client.kit import at, tma
from tests.client.test_waitlist import A, C, TUESDAY, full_tuesday, wish
from tests.cluster.conftest import Cluster, cluster  # noqa: F401 - the fixture

__all__ = ["cluster"]


async def types_of(c: Cluster, prefix: str) -> list[str]:
    return [rec.type async for rec in c.a.journal.read_all(0) if rec.type.startswith(prefix)]


async def test_an_offer_runs_out_once_with_two_timers(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    salon, booked = await full_tuesday(a.h, a.client)
    for who in (A, C):  # joined through the other process: the branch is caught up on demand
        r = await b.client.post("/api/v1/waitlist", headers=tma(b.h, who), json=wish(salon))
        assert r.status_code == 201, await r.get_data(as_text=True)
    r = await a.client.post(f"/api/v1/appointments/{booked[1]}/cancel", headers=tma(a.h, 2002))
    assert r.status_code == 200
    await cluster.settle()
    r = await b.client.get("/api/v1/waitlist/my", headers=tma(b.h, A))
    [offered] = (await r.get_json())["items"]
    assert offered["offer"]["start"] == at("10:00", TUESDAY)
    offered_to = (await (await b.client.post("/api/v1/clients/auth", headers=tma(b.h, A),
                                             json={"phone": "+79990002001"})).get_json())["client"]["id"]

    passed = asyncio.Event()  # the second offer committed, seen by either process
    for node in (a, b):
        node.h.z.runtime.add_listener(lambda records: passed.set() if any(
            r.type == "waitlist.offered" and r.data["client_id"] != offered_to
            for r in records) else None)
    for node in (a, b):
        node.h.clock.advance(node.h.settings.waitlist_offer_ttl_s)
    a.h.z.scheduler.waitlist_timer.poke()
    b.h.z.scheduler.waitlist_timer.poke()
    await asyncio.wait_for(passed.wait(), 10)
    await cluster.settle()
    for node in (a, b):  # both timers had their chance
        node.h.z.scheduler.waitlist_timer.poke()
    await cluster.settle()
    assert await types_of(cluster, "waitlist.") == [
        "waitlist.joined", "waitlist.joined", "waitlist.offered", "waitlist.declined", "waitlist.offered"]
    for node in (a, b):
        r = await node.client.get("/api/v1/waitlist/my", headers=tma(node.h, C))
        assert (await r.get_json())["items"][0]["offer"]["start"] == at("10:00", TUESDAY)
