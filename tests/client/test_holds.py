"""Holds (SPEC §2): 5 minutes, one per client per branch, hidden from others only, journaled."""

from __future__ import annotations

from datetime import datetime

from tests.client.kit import at, free_pairs, instant, problem, salon_with_clients, slot_body, slots, start, tma
from tests.harness import Harness

A, B = 1001, 1002


async def _hold(client: object, h: Harness, who: int, body: dict[str, object]) -> dict[str, object]:
    r = await client.post("/api/v1/slots/hold", json=body, headers=tma(h, who))  # type: ignore[attr-defined]
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def test_hold_answer_and_visibility(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    noon = at("12:00")
    pair = (instant(noon), salon.staff[0])
    held = await _hold(client, harness, A, slot_body(salon, noon))
    assert held.keys() == {"hold_id", "expires_at", "start", "end", "staff_id"}
    assert (held["start"], held["end"], held["staff_id"]) == (noon, at("13:00"), salon.staff[0])
    assert datetime.fromisoformat(str(held["expires_at"])).timestamp() == harness.clock.now() + 300
    assert pair in free_pairs(await slots(client, harness, A, salon))  # own hold: still visible
    assert pair not in free_pairs(await slots(client, harness, B, salon))  # others': hidden
    # The 60-minute hold also hides the overlapping starts for others, and only for that master.
    others = free_pairs(await slots(client, harness, B, salon))
    assert (instant(at("11:15")), salon.staff[0]) not in others
    assert (instant(at("12:00")), salon.staff[1]) in others and (instant(at("13:00")), salon.staff[0]) in others
    for path in ("/api/v1/slots/hold", "/api/v1/appointments"):
        r = await client.post(path, json=slot_body(salon, noon), headers=tma(harness, B))
        await problem(r, 409, "slot_unavailable")
    # Without a staff choice B gets the other master.
    r = await client.post("/api/v1/appointments", json=slot_body(salon, noon, staff=None), headers=tma(harness, B))
    assert r.status_code == 201 and (await r.get_json())["staff"]["id"] == salon.staff[1]


async def test_an_expired_hold_frees_the_slot_by_itself(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    pair = (instant(at("12:00")), salon.staff[0])
    held = await _hold(client, harness, A, slot_body(salon, at("12:00")))
    seq = await harness.z.journal.last_seq()
    harness.clock.advance(299)
    assert pair not in free_pairs(await slots(client, harness, B, salon))
    harness.clock.advance(1)  # exactly at expires_at the hold is gone
    assert pair in free_pairs(await slots(client, harness, B, salon))
    assert await harness.z.journal.last_seq() == seq  # nobody had to do anything
    r = await client.post("/api/v1/appointments", json={"hold_id": held["hold_id"]}, headers=tma(harness, A))
    await problem(r, 409, "hold_expired")
    await problem(await client.delete(f"/api/v1/slots/hold/{held['hold_id']}", headers=tma(harness, A)), 404)
    r = await client.post("/api/v1/appointments", json=slot_body(salon, at("12:00")), headers=tma(harness, B))
    assert r.status_code == 201


async def test_a_new_hold_replaces_the_old_one_in_that_branch(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    first = await _hold(client, harness, A, slot_body(salon, at("12:00")))
    second = await _hold(client, harness, A, slot_body(salon, at("15:00")))
    state = harness.z.runtime.branch(salon.branch_id).committed
    assert [h.id for h in state.live_holds(harness.clock.now())] == [second["hold_id"]]
    free_for_b = free_pairs(await slots(client, harness, B, salon))
    assert (instant(at("12:00")), salon.staff[0]) in free_for_b
    assert (instant(at("15:00")), salon.staff[0]) not in free_for_b
    r = await client.post("/api/v1/appointments", json={"hold_id": first["hold_id"]}, headers=tma(harness, A))
    await problem(r, 409, "hold_expired")


async def test_holds_survive_a_restart_and_booking_with_one_consumes_it(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    held = await _hold(client, harness, A, slot_body(salon, at("12:00")))
    client = await harness.restart()
    r = await client.post("/api/v1/slots/hold", json=slot_body(salon, at("12:00")), headers=tma(harness, B))
    await problem(r, 409, "slot_unavailable")
    r = await client.post("/api/v1/appointments", json={"hold_id": held["hold_id"], "comment": "без укладки"},
                          headers=tma(harness, A))
    assert r.status_code == 201
    appt = await r.get_json()
    assert (appt["start"], appt["staff"]["id"], appt["comment"]) == (at("12:00"), salon.staff[0], "без укладки")
    r = await client.post("/api/v1/appointments", json={"hold_id": held["hold_id"]}, headers=tma(harness, A))
    await problem(r, 409, "hold_expired")
    assert harness.z.runtime.branch(salon.branch_id).committed.live_holds(harness.clock.now()) == []


async def test_booking_by_slot_over_ones_own_hold_consumes_it(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    held = await _hold(client, harness, A, slot_body(salon, at("12:00")))
    r = await client.post("/api/v1/appointments", json=slot_body(salon, at("12:00")), headers=tma(harness, A))
    assert r.status_code == 201
    r = await client.post("/api/v1/appointments", json={"hold_id": held["hold_id"]}, headers=tma(harness, A))
    await problem(r, 409, "hold_expired")
    assert len(harness.z.runtime.branch(salon.branch_id).committed.appointments) == 1


async def test_release_a_hold(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    held = await _hold(client, harness, A, slot_body(salon, at("12:00")))
    await problem(await client.delete(f"/api/v1/slots/hold/{held['hold_id']}", headers=tma(harness, B)), 404)
    r = await client.delete(f"/api/v1/slots/hold/{held['hold_id']}", headers=tma(harness, A))
    assert r.status_code == 204 and await r.get_data() == b""
    assert (instant(at("12:00")), salon.staff[0]) in free_pairs(await slots(client, harness, B, salon))
    await problem(await client.delete(f"/api/v1/slots/hold/{held['hold_id']}", headers=tma(harness, A)), 404)


async def test_holds_in_two_branches_coexist(harness: Harness) -> None:
    client = await start(harness)
    one = await salon_with_clients(harness, client, A)
    two = await salon_with_clients(harness, client)
    h1 = await _hold(client, harness, A, slot_body(one, at("12:00")))
    h2 = await _hold(client, harness, A, slot_body(two, at("12:00")))
    now = harness.clock.now()
    assert [h.id for h in harness.z.runtime.branch(one.branch_id).committed.live_holds(now)] == [h1["hold_id"]]
    assert [h.id for h in harness.z.runtime.branch(two.branch_id).committed.live_holds(now)] == [h2["hold_id"]]


async def test_a_hold_in_a_branch_closed_meanwhile_cannot_be_booked(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    held = await _hold(client, harness, A, slot_body(salon, at("12:00")))
    r = await client.delete(f"/api/v1/admin/branches/{salon.branch_id}", headers=salon.headers)
    assert r.status_code == 204
    seq = await harness.z.journal.last_seq()
    r = await client.post("/api/v1/appointments", json={"hold_id": held["hold_id"]}, headers=tma(harness, A))
    await problem(r, 409, "hold_expired")
    await problem(await client.post("/api/v1/appointments", json=slot_body(salon, at("14:00")),
                                    headers=tma(harness, A)), 404, "not_found")
    assert await harness.z.journal.last_seq() == seq
