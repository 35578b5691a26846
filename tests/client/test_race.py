"""THE RACE: 50 Telegram clients book (or hold) one staff member's start at once, over real HTTP.

Through a real Hypercorn: exactly one 201, 49 × 409 ``slot_unavailable``, and
exactly one appointment (or live hold) in the branch's state and its journal.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.client.kit import at, events_of, instant, register, slot_body, start, tma
from tests.harness import Harness
from tests.seed import seed_salon

N = 50


async def _fire(url: str, path: str, requests: list[tuple[dict[str, Any], dict[str, str]]]) -> list[httpx.Response]:
    """Open every connection first, then release all requests together."""
    go = asyncio.Event()
    limits = httpx.Limits(max_connections=N + 5, max_keepalive_connections=N + 5)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        warm = await asyncio.gather(*(http.get("/healthz") for _ in range(N)))
        assert all(r.status_code == 200 for r in warm)

        async def one(body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
            await go.wait()
            return await http.post(path, json=body, headers=headers)

        tasks = [asyncio.create_task(one(b, h)) for b, h in requests]
        go.set()
        return await asyncio.wait_for(asyncio.gather(*tasks), 60)


async def _contenders(harness: Harness) -> tuple[Any, Any, list[int]]:
    client = await start(harness, holds_per_minute=0, bookings_per_minute=0)
    salon = await seed_salon(harness, client)
    users = [10_000 + i for i in range(N)]
    await asyncio.gather(*(register(client, harness, u) for u in users))
    return client, salon, users


def _outcome(responses: list[httpx.Response]) -> tuple[list[httpx.Response], list[httpx.Response]]:
    won = [r for r in responses if r.status_code == 201]
    lost = [r for r in responses if r.status_code == 409]
    assert len(won) + len(lost) == N, [r.text for r in responses if r.status_code not in (201, 409)]
    assert all(r.json()["code"] == "slot_unavailable" for r in lost)
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in lost)
    return won, lost


async def test_fifty_clients_book_one_start_exactly_one_wins(harness: Harness) -> None:
    _, salon, users = await _contenders(harness)
    body = slot_body(salon, at("12:00"))
    async with harness.serve() as url:
        responses = await _fire(url, "/api/v1/appointments", [(body, tma(harness, u)) for u in users])
    won, lost = _outcome(responses)
    assert (len(won), len(lost)) == (1, N - 1)
    winner = won[0].json()
    assert winner["status"] == "new" and winner["staff"]["id"] == salon.staff[0]
    state = harness.z.runtime.branch(salon.branch_id).committed
    assert [a.id for a in state.appointments.values()] == [winner["id"]]
    booked = await events_of(harness, "appointment.created")
    assert [e.data["appointment_id"] for e in booked] == [winner["id"]]
    assert booked[0].data["start"] == instant(body["start"]) and booked[0].data["staff_id"] == salon.staff[0]
    # And it is what a restart rebuilds.
    await harness.restart()
    state = harness.z.runtime.branch(salon.branch_id).committed
    assert [a.id for a in state.appointments.values()] == [winner["id"]]


async def test_fifty_clients_hold_one_start_exactly_one_wins(harness: Harness) -> None:
    _, salon, users = await _contenders(harness)
    body = slot_body(salon, at("12:00"))
    async with harness.serve() as url:
        responses = await _fire(url, "/api/v1/slots/hold", [(body, tma(harness, u)) for u in users])
    won, _ = _outcome(responses)
    assert len(won) == 1
    hold_id = won[0].json()["hold_id"]
    state = harness.z.runtime.branch(salon.branch_id).committed
    assert [h.id for h in state.live_holds(harness.clock.now())] == [hold_id]
    placed = await events_of(harness, "hold.placed")
    assert [e.data["hold_id"] for e in placed] == [hold_id]


async def test_fifty_clients_without_staff_fill_both_masters_then_the_rest_lose(harness: Harness) -> None:
    _, salon, users = await _contenders(harness)
    body = slot_body(salon, at("12:00"), staff=None)  # the server picks a free master
    async with harness.serve() as url:
        responses = await _fire(url, "/api/v1/appointments", [(body, tma(harness, u)) for u in users])
    won = [r for r in responses if r.status_code == 201]
    assert len(won) == 2 and sum(r.status_code == 409 for r in responses) == N - 2
    assert {r.json()["staff"]["id"] for r in won} == set(salon.staff)
    assert len(await events_of(harness, "appointment.created")) == 2
