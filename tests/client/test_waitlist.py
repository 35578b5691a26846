"""The waitlist over HTTP (SPEC §9.3), on SQLite and PostgreSQL.

A salon with one master working 09:00–12:00; on Tuesday every hour is booked
by client B. Clients wait for Tuesday; B's cancellations free the time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from storage.journal import Recorded
from tests.client.kit import MONDAY, at, problem, salon_with_clients, start, tma
from tests.harness import Harness
from tests.seed import Salon

A, B, C = 2001, 2002, 2003
TUESDAY = MONDAY + timedelta(days=1)
MORNING = {d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
ENTRY_KEYS = {"id", "branch_id", "service_ids", "date_from", "date_to", "staff_id", "time_from", "time_to",
              "status", "offer"}


async def full_tuesday(h: Harness, client: Any) -> tuple[Salon, list[str]]:
    salon = await salon_with_clients(h, client, A, B, C, staff=1, schedule=MORNING)
    booked = []
    for hhmm in ("09:00", "10:00", "11:00"):
        r = await client.post("/api/v1/appointments", headers=tma(h, B), json={
            "branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": at(hhmm, TUESDAY)})
        assert r.status_code == 201, await r.get_data(as_text=True)
        booked.append((await r.get_json())["id"])
    return salon, booked


def wish(salon: Salon, **extra: Any) -> dict[str, Any]:
    day = TUESDAY.isoformat()
    return {"branch_id": salon.branch_id, "service_ids": [salon.services["cut"]], "date_from": day, "date_to": day,
            **extra}


async def join(client: Any, h: Harness, who: int, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/api/v1/waitlist", headers=tma(h, who), json=body)
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def mine(client: Any, h: Harness, who: int) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/waitlist/my", headers=tma(h, who))
    assert r.status_code == 200, await r.get_data(as_text=True)
    return (await r.get_json())["items"]  # type: ignore[no-any-return]


def committed(h: Harness, wanted: Callable[[Recorded], bool]) -> asyncio.Event:
    """Set once a committed record matches ``wanted`` (a test waits on it, never sleeps)."""
    seen = asyncio.Event()
    h.z.runtime.add_listener(lambda records: seen.set() if any(wanted(r) for r in records) else None)
    return seen


async def test_join_list_and_the_managers_view(harness: Harness) -> None:
    client = await start(harness)
    salon, _ = await full_tuesday(harness, client)
    entry = await join(client, harness, A, wish(salon, staff_id=salon.staff[0], time_from="09:00", time_to="11:00"))
    assert entry.keys() == ENTRY_KEYS
    assert entry | {"id": ""} == {
        "id": "", "branch_id": salon.branch_id, "service_ids": [salon.services["cut"]],
        "date_from": "2026-03-03", "date_to": "2026-03-03", "staff_id": salon.staff[0],
        "time_from": "09:00", "time_to": "11:00", "status": "waiting", "offer": None}
    assert await mine(client, harness, A) == [entry]
    assert await mine(client, harness, C) == []
    r = await client.get("/api/v1/dashboard/waitlist", headers=salon.headers,
                         query_string={"branch_id": salon.branch_id, "date": "2026-03-03"})
    assert r.status_code == 200
    board = await r.get_json()
    assert board["timezone"] == "Europe/Moscow"
    [item] = board["items"]
    assert item["id"] == entry["id"] and item["client"]["phone"] == "+79990002001"
    assert item["services"] == [{"id": salon.services["cut"], "name": "cut"}]
    r = await client.get("/api/v1/dashboard/waitlist", headers=salon.headers,
                         query_string={"branch_id": salon.branch_id, "date": "2026-03-04"})
    assert (await r.get_json())["items"] == []
    r = await client.get("/api/v1/dashboard/waitlist", query_string={"branch_id": salon.branch_id})
    await problem(r, 401)


async def test_a_cancellation_is_offered_booked_declined_and_passed_on(harness: Harness) -> None:
    client = await start(harness)
    salon, booked = await full_tuesday(harness, client)
    first = await join(client, harness, A, wish(salon))
    second = await join(client, harness, C, wish(salon))
    r = await client.post(f"/api/v1/appointments/{booked[1]}/cancel", headers=tma(harness, B))
    assert r.status_code == 200
    [offered] = await mine(client, harness, A)
    assert offered["id"] == first["id"] and offered["status"] == "offered"
    offer = offered["offer"]
    assert offer["start"] == at("10:00", TUESDAY) and offer["end"] == at("11:00", TUESDAY)
    assert offer["staff_id"] == salon.staff[0]
    assert offer["expires_at"] == at("09:15")  # ZAPIS_WAITLIST_OFFER_TTL_S: 15 minutes after 09:00
    assert (await mine(client, harness, C))[0]["status"] == "waiting"
    # The held time is not free for anyone else, and the hold is A's own.
    r = await client.post("/api/v1/appointments", headers=tma(harness, C), json={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": offer["start"]})
    await problem(r, 409, "slot_unavailable")
    await problem(await client.post("/api/v1/appointments", headers=tma(harness, C),
                                    json={"hold_id": offer["hold_id"]}), 409, "hold_expired")
    # «Не подходит»: the next entry gets it.
    r = await client.delete(f"/api/v1/slots/hold/{offer['hold_id']}", headers=tma(harness, A))
    assert r.status_code == 204
    assert (await mine(client, harness, A))[0] | {"id": ""} == first | {"id": ""}  # waiting again, no offer
    [then] = await mine(client, harness, C)
    assert then["id"] == second["id"] and then["offer"]["start"] == offer["start"]
    # «Записаться»: books with the hold; the entry is booked.
    r = await client.post("/api/v1/appointments", headers=tma(harness, C), json={"hold_id": then["offer"]["hold_id"]})
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert (await r.get_json())["start"] == offer["start"]
    assert (await mine(client, harness, C))[0]["status"] == "booked"
    # A's declined time is never offered to A again; the next freed hour is.
    await client.post(f"/api/v1/appointments/{booked[2]}/cancel", headers=tma(harness, B))
    assert (await mine(client, harness, A))[0]["offer"]["start"] == at("11:00", TUESDAY)
    # Leaving passes the offer on (nobody is left: the hour is simply free) and is idempotent.
    for _ in range(2):
        r = await client.delete(f"/api/v1/waitlist/{first['id']}", headers=tma(harness, A))
        assert r.status_code == 204
    assert (await mine(client, harness, A))[0]["status"] == "ended"
    r = await client.post("/api/v1/slots/hold", headers=tma(harness, B), json={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": at("11:00", TUESDAY)})
    assert r.status_code == 201
    await problem(await client.delete(f"/api/v1/waitlist/{second['id']}", headers=tma(harness, A)), 404)
    await problem(await client.delete("/api/v1/waitlist/nope", headers=tma(harness, A)), 404, "not_found")


async def test_an_offer_that_runs_out_passes_on_by_the_timer_and_survives_a_restart(harness: Harness) -> None:
    client = await start(harness, waitlist_offer_ttl_s=600)
    salon, booked = await full_tuesday(harness, client)
    await join(client, harness, A, wish(salon))
    await join(client, harness, C, wish(salon))
    r = await client.patch(f"/api/v1/appointments/{booked[0]}/status", headers=salon.headers,
                           json={"status": "cancelled"})
    assert r.status_code == 200
    [offered] = await mine(client, harness, A)
    assert offered["offer"]["expires_at"] == at("09:10")
    client = await harness.restart()  # the offer and the queue are journaled
    assert (await mine(client, harness, A))[0]["offer"] == offered["offer"]
    passed = committed(harness, lambda rec: rec.type == "waitlist.offered")
    harness.clock.advance(600)
    harness.z.scheduler.waitlist_timer.poke()
    await asyncio.wait_for(passed.wait(), 5)
    assert (await mine(client, harness, A))[0]["status"] == "waiting"
    assert (await mine(client, harness, C))[0]["offer"]["start"] == at("09:00", TUESDAY)
    types = [rec.type async for rec in harness.z.journal.read_all(0) if rec.type.startswith("waitlist.")]
    assert types == ["waitlist.joined", "waitlist.joined", "waitlist.offered", "waitlist.declined",
                     "waitlist.offered"]


async def test_bad_requests_are_problem_documents_in_both_languages(harness: Harness) -> None:
    client = await start(harness)
    salon, _ = await full_tuesday(harness, client)
    far = (MONDAY + timedelta(days=40)).isoformat()
    cases: list[tuple[dict[str, Any], int, str]] = [
        (wish(salon, date_to=MONDAY.isoformat()), 400, "validation_error"),  # reversed
        (wish(salon, date_to=far), 400, "validation_error"),  # longer than 31 days
        (wish(salon, date_from="2026-02-01", date_to="2026-02-02"), 400, "validation_error"),  # past
        (wish(salon, date_from="2026-02-30"), 400, "validation_error"),
        (wish(salon, time_from="9"), 400, "validation_error"),
        (wish(salon, time_from="11:00", time_to="10:00"), 400, "validation_error"),
        (wish(salon, service_ids=[]), 400, "validation_error"),
        (wish(salon, service_ids=[salon.services["cut"], salon.services["cut"]]), 400, "validation_error"),
        (wish(salon, extra=1), 400, "validation_error"),
        (wish(salon, branch_id="nope"), 404, "not_found"),
        (wish(salon, service_ids=["nope"]), 404, "not_found"),
        (wish(salon, staff_id="nope"), 404, "not_found"),
    ]
    for body, status, code in cases:
        r = await client.post("/api/v1/waitlist", headers=tma(harness, A), json=body)
        await problem(r, status, code)
    r = await client.post("/api/v1/waitlist", headers={**tma(harness, A), "Accept-Language": "ru"},
                          json=wish(salon, date_from="2026-02-01", date_to="2026-02-02"))
    assert "прошли" in (await problem(r, 400))["detail"]
    r = await client.post("/api/v1/waitlist", headers={**tma(harness, A), "Accept-Language": "ru"},
                          json=wish(salon, time_from="11:00", time_to="10:00"))
    assert (await problem(r, 400))["detail"] == "Время «до» должно быть позже времени «с»"
    r = await client.post("/api/v1/waitlist", headers=tma(harness, A), json=wish(salon, date_from="2026-02-28"))
    assert r.status_code == 201  # started in the past, still ahead: fine
    await problem(await client.post("/api/v1/waitlist", json=wish(salon)), 401)
    await problem(await client.post("/api/v1/waitlist", headers=tma(harness, 9999), json=wish(salon)), 403)


async def test_a_manager_sees_only_their_branches(harness: Harness) -> None:
    client = await start(harness)
    salon, _ = await full_tuesday(harness, client)
    token = await harness.user("olga", "manager", ())
    r = await client.get("/api/v1/dashboard/waitlist", headers={"Authorization": f"Bearer {token}"},
                         query_string={"branch_id": salon.branch_id})
    await problem(r, 403, "forbidden")
    r = await client.get("/api/v1/dashboard/waitlist", headers=salon.headers, query_string={"branch_id": "nope"})
    await problem(r, 404)
    r = await client.get("/api/v1/dashboard/waitlist", headers=salon.headers, query_string={})
    await problem(r, 400, "validation_error")


async def test_the_dashboard_socket_sends_waitlist_frames_live_and_on_resume(harness: Harness) -> None:
    from tests.dashboard.helpers import feed

    client = await start(harness)
    salon, booked = await full_tuesday(harness, client)
    token = salon.headers["Authorization"].removeprefix("Bearer ")
    async with harness.serve() as base, feed(base, token, branch_ids=[salon.branch_id]) as live:
        entry = await join(client, harness, A, wish(salon))
        joined = await live.event()
        assert (joined["type"], joined["branch_id"], joined["entry"]["id"]) == (
            "waitlist.joined", salon.branch_id, entry["id"])
        assert joined["entry"]["status"] == "waiting" and joined["entry"]["client"]["phone"] == "+79990002001"
        await client.post(f"/api/v1/appointments/{booked[0]}/cancel", headers=tma(harness, B))
        cancelled, offered = await live.events(2)
        assert cancelled["type"] == "appointment.cancelled" and offered["type"] == "waitlist.offered"
        assert offered["seq"] > cancelled["seq"] and offered["entry"]["offer"]["start"] == at("09:00", TUESDAY)
        async with feed(base, token, after_seq=live.ready_seq) as again:  # the replay, in seq order
            assert [f["type"] for f in await again.events(3)] == [
                "waitlist.joined", "appointment.cancelled", "waitlist.offered"]
