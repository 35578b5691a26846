"""Idempotency-Key on POST /appointments and /slots/hold: replay, mismatch, concurrency, scope."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.client.kit import at, events_of, problem, salon_with_clients, slot_body, start, tma
from tests.harness import Harness
from tests.seed import seed_salon

A, B = 1001, 1002


def _keyed(h: Harness, who: int, key: str) -> dict[str, str]:
    return {**tma(h, who), "Idempotency-Key": key}


async def _book(client: Any, h: Harness, who: int, key: str, body: dict[str, Any]) -> Any:
    return await client.post("/api/v1/appointments", json=body, headers=_keyed(h, who, key))


async def test_replay_returns_the_first_answer_and_books_once(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    body = slot_body(salon, at("12:00"), comment="первый раз")
    first = await _book(client, harness, A, "k-1", body)
    assert first.status_code == 201
    seq = await harness.z.journal.last_seq()
    # Same request in other clothes: key order, another UTC offset for the same instant.
    again = dict(reversed(list({**body, "start": "2026-03-02T09:00:00Z"}.items())))
    for replay_body in (body, again):
        r = await _book(client, harness, A, "k-1", replay_body)
        assert r.status_code == 201
        assert (await r.get_json())["id"] == (await first.get_json())["id"]
    assert await harness.z.journal.last_seq() == seq
    client = await harness.restart()  # keys live in the journal, not in memory
    r = await _book(client, harness, A, "k-1", body)
    assert r.status_code == 201 and (await r.get_json())["id"] == (await first.get_json())["id"]
    assert len(await events_of(harness, "appointment.created")) == 1


async def test_same_key_other_body_is_422_and_writes_nothing(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    assert (await _book(client, harness, A, "k-1", slot_body(salon, at("12:00")))).status_code == 201
    seq = await harness.z.journal.last_seq()
    for other in (slot_body(salon, at("14:00")), slot_body(salon, at("12:00"), comment="x"),
                  slot_body(salon, at("12:00"), staff=None), {"hold_id": "h-1"}):
        await problem(await _book(client, harness, A, "k-1", other), 422, "idempotency_key_reused")
    # A key first used for a hold cannot answer a booking of the same slot either.
    r = await client.post("/api/v1/slots/hold", json=slot_body(salon, at("15:00")), headers=_keyed(harness, A, "k-2"))
    assert r.status_code == 201
    seq = await harness.z.journal.last_seq()
    await problem(await _book(client, harness, A, "k-2", slot_body(salon, at("15:00"))), 422, "idempotency_key_reused")
    assert await harness.z.journal.last_seq() == seq


async def test_concurrent_duplicates_with_one_key_book_exactly_once(harness: Harness) -> None:
    client = await start(harness, bookings_per_minute=0)
    salon = await salon_with_clients(harness, client, A)
    body = slot_body(salon, at("12:00"), staff=None)
    answers = await asyncio.gather(*(_book(client, harness, A, "dup", body) for _ in range(20)))
    assert {r.status_code for r in answers} == {201}
    assert len({(await r.get_json())["id"] for r in answers}) == 1
    assert len(await events_of(harness, "appointment.created")) == 1
    assert len(harness.z.scheduler.keys) == 0  # type: ignore[union-attr]  # no lock left behind


async def test_keys_are_per_client_across_every_branch(harness: Harness) -> None:
    client = await start(harness, bookings_per_minute=0)
    one = await salon_with_clients(harness, client, A, B)
    two = await seed_salon(harness, client)
    # Per client: B may use A's key.
    a = await _book(client, harness, A, "same", slot_body(one, at("12:00")))
    b = await _book(client, harness, B, "same", slot_body(one, at("14:00")))
    assert (a.status_code, b.status_code) == (201, 201)
    assert (await a.get_json())["id"] != (await b.get_json())["id"]
    # Across branches: A's key from branch one is not a fresh key in branch two.
    seq = await harness.z.journal.last_seq()
    await problem(await _book(client, harness, A, "same", slot_body(two, at("12:00"))), 422, "idempotency_key_reused")
    r = await client.post("/api/v1/slots/hold", json=slot_body(two, at("12:00")), headers=_keyed(harness, A, "same"))
    await problem(r, 422, "idempotency_key_reused")
    assert await harness.z.journal.last_seq() == seq
    # Concurrently, one fresh key sent to both branches: one booking, one refusal.
    answers = await asyncio.gather(_book(client, harness, A, "race", slot_body(one, at("16:00"))),
                                   _book(client, harness, A, "race", slot_body(two, at("16:00"))))
    assert sorted(r.status_code for r in answers) == [201, 422]


async def test_a_refused_request_does_not_use_up_its_key(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    assert (await client.post("/api/v1/appointments", json=slot_body(salon, at("12:00")),
                              headers=tma(harness, B))).status_code == 201
    await problem(await _book(client, harness, A, "k", slot_body(salon, at("12:00"))), 409, "slot_unavailable")
    assert (await _book(client, harness, A, "k", slot_body(salon, at("12:00"), staff=1))).status_code == 201


async def test_booking_by_hold_replays_after_the_hold_is_used(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    r = await client.post("/api/v1/slots/hold", json=slot_body(salon, at("12:00")), headers=tma(harness, A))
    hold_id = (await r.get_json())["hold_id"]
    first = await _book(client, harness, A, "by-hold", {"hold_id": hold_id})
    again = await _book(client, harness, A, "by-hold", {"hold_id": hold_id})
    assert (first.status_code, again.status_code) == (201, 201)
    assert (await first.get_json())["id"] == (await again.get_json())["id"]


async def test_hold_replay_returns_the_same_hold_while_it_lives(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    body = slot_body(salon, at("12:00"))
    first = await client.post("/api/v1/slots/hold", json=body, headers=_keyed(harness, A, "h"))
    again = await client.post("/api/v1/slots/hold", json=body, headers=_keyed(harness, A, "h"))
    assert (first.status_code, again.status_code) == (201, 201)
    assert await first.get_json() == await again.get_json()
    assert len(await events_of(harness, "hold.placed")) == 1
    harness.clock.advance(300)
    r = await client.post("/api/v1/slots/hold", json=body, headers=_keyed(harness, A, "h"))
    await problem(r, 409, "hold_expired")
    assert len(await events_of(harness, "hold.placed")) == 1
