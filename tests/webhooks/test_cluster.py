"""Two app instances on one PostgreSQL schema (SPEC §9.5): whichever process serves the admin API,
the elected leader alone delivers, every event once and in seq order; when it stops, the other
takes over where it left off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from storage.postgres import PostgresJournal
from tests.harness import Harness
from tests.pg import fresh_pg_schema, require_pg_url
from tests.seed import seed_salon
from tests.webhooks.conftest import QUICK, World

pytestmark = pytest.mark.postgres


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[list[Harness]]:
    url = require_pg_url()
    async with fresh_pg_schema(url) as schema:
        nodes = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            nodes.append(Harness(lambda: PostgresJournal(url, schema=schema), tmp_path / name, overrides=dict(QUICK)))
        try:
            yield nodes
        finally:
            for h in nodes:
                await h.stop()


def leading(h: Harness) -> bool:
    return bool(h.z.webhooks is not None and h.z.webhooks.deliveries.endpoints)


async def test_the_leader_alone_delivers_and_the_other_takes_over(pair: list[Harness], receivers: Any) -> None:
    a, b = pair
    client_a = await a.start()
    salon = await seed_salon(a, client_a, staff=3)
    client_b = await b.start()
    await b.z.runtime.catch_up()
    on_b = World(b, client_b, salon)
    receiver = await receivers()
    hook = await on_b.register(receiver.url, ["appointment.created"])  # registered through B
    on_a = World(a, client_a, salon)
    await on_a.book(3)
    await receiver.wait_for(3)
    leader, other = (a, b) if leading(a) else (b, a)
    assert leading(leader) and not leading(other)
    await b.z.runtime.catch_up()
    assert leader.z.webhooks is not None
    await leader.z.webhooks.deliveries.settle()  # the attempts are saved by a writer task, after the POST
    seen = [r.delivery for r in receiver.received]
    assert seen == sorted(set(seen)) and len(seen) == 3
    for world in (on_a, on_b):  # either process answers the deliveries
        attempts = await world.deliveries(hook["id"])
        assert sorted(x["seq"] for x in attempts) == seen and {x["outcome"] for x in attempts} == {"delivered"}
    await leader.stop()  # its term ends; the other is elected and goes on from the stored positions
    survivor = World(other, other.client(), salon, booked=3)
    survivor.salon.headers = {"Authorization": f"Bearer {await other.user()}"}
    await survivor.book(2)
    got = await receiver.wait_for(5, timeout=20)
    deliveries = [r.delivery for r in got]
    assert deliveries == sorted(set(deliveries)) and len(deliveries) == 5  # none twice, none missing
    assert all(r.signed_with(hook["secret"]) for r in got)
