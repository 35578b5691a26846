"""Status changes, reschedules and manual bookings: SPEC §2's rules over HTTP."""

from __future__ import annotations

from typing import Any

from tests.dashboard.conftest import Env
from tests.dashboard.helpers import bearer, client_books, manual
from tests.seed import seed_salon


async def _status(env: Env, appt_id: str, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return await env.client.patch(f"/api/v1/appointments/{appt_id}/status",
                                  headers=headers or env.salon.headers, json=body)


async def _reschedule(env: Env, appt_id: str, **body: Any) -> Any:
    return await env.client.patch(f"/api/v1/appointments/{appt_id}/reschedule",
                                  headers=env.salon.headers, json=body)


async def _problem(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, await r.get_data(as_text=True)
    assert r.content_type == "application/problem+json"
    assert (await r.get_json())["code"] == code


async def test_status_change_is_journaled_with_who_made_it(env: Env) -> None:
    booked = await client_books(env.h, env.client, env.salon, "2026-03-02T12:00:00+03:00")
    anna = bearer(await env.h.user("anna", "manager", (env.salon.branch_id,)))
    r = await _status(env, booked["id"], anna, status="confirmed", version=1)
    assert r.status_code == 200
    body = await r.get_json()
    assert (body["status"], body["version"], body["source"]) == ("confirmed", 2, "bot")
    last = [rec async for rec in env.journal.read_all(0)][-1]
    assert (last.type, last.actor) == ("appointment.status_changed", "user:anna")
    assert last.data["status"] == "confirmed" and last.data["previous"] == "new"


async def test_same_status_is_a_no_op_and_a_stale_version_is_409(env: Env) -> None:
    appt = await (await manual(env.client, env.salon, "2026-03-02T12:00:00+03:00")).get_json()
    seq = await env.journal.last_seq()
    r = await _status(env, appt["id"], status="confirmed")
    assert r.status_code == 200 and (await r.get_json())["version"] == 1
    assert await env.journal.last_seq() == seq  # nothing journaled
    await _problem(await _status(env, appt["id"], status="done", version=7), 409, "version_conflict")
    # the version is checked before anything else, even for a no-op
    await _problem(await _status(env, appt["id"], status="confirmed", version=2), 409, "version_conflict")
    await _problem(await _status(env, appt["id"], status="finished"), 400, "validation_error")
    await _problem(await _status(env, "nope", status="done"), 404, "not_found")


async def test_leaving_cancelled_into_a_taken_slot_is_409(env: Env) -> None:
    c, s = env.client, env.salon
    one = await (await manual(c, s, "2026-03-02T12:00:00+03:00", staff_id=s.staff[0])).get_json()
    assert (await _status(env, one["id"], status="cancelled")).status_code == 200
    other = await manual(c, s, "2026-03-02T12:30:00+03:00", staff_id=s.staff[0], phone="+79991112234")
    assert other.status_code == 201  # the cancelled card freed the time
    await _problem(await _status(env, one["id"], status="new"), 409, "slot_unavailable")
    assert (await _status(env, one["id"], status="cancelled")).status_code == 200  # still allowed


async def test_reschedule_rules(env: Env) -> None:
    c, s = env.client, env.salon
    one = await (await manual(c, s, "2026-03-02T12:00:00+03:00", staff_id=s.staff[0])).get_json()
    two = await (await manual(c, s, "2026-03-02T14:00:00+03:00", staff_id=s.staff[0],
                              phone="+79991112234")).get_json()
    r = await _reschedule(env, one["id"], start="2026-03-02T16:00:00+03:00", version=1)
    assert r.status_code == 200
    moved = await r.get_json()
    assert (moved["start"], moved["end"], moved["version"]) == (
        "2026-03-02T16:00:00+03:00", "2026-03-02T17:00:00+03:00", 2)
    await _problem(await _reschedule(env, one["id"], start="2026-03-02T14:30:00+03:00"),
                   409, "slot_unavailable")
    await _problem(await _reschedule(env, one["id"], start="2026-03-02T17:30:00+03:00"),
                   409, "slot_unavailable")  # past the end of the working day
    await _problem(await _reschedule(env, one["id"], start="2026-03-02T10:00:00+03:00", version=1),
                   409, "version_conflict")
    r = await _reschedule(env, one["id"], start="2026-03-02T14:00:00+03:00", staff_id=s.staff[1])
    assert r.status_code == 200 and (await r.get_json())["staff"]["id"] == s.staff[1]
    await _problem(await _reschedule(env, one["id"], start="2026-03-02 14:00"), 400, "validation_error")
    await _problem(await _reschedule(env, one["id"], start="2026-03-02T15:00:00+03:00",
                                     staff_id="nobody"), 404, "not_found")
    for final in ("done", "cancelled", "no_show"):
        assert (await _status(env, two["id"], status=final)).status_code == 200
        await _problem(await _reschedule(env, two["id"], start="2026-03-03T12:00:00+03:00"),
                       409, "invalid_transition")


async def test_manual_booking_finds_the_client_by_phone_or_creates_one(env: Env) -> None:
    c, s = env.client, env.salon
    telegram = await client_books(env.h, c, s, "2026-03-02T12:00:00+03:00", phone="+79990004242")
    r = await manual(c, s, "2026-03-03T12:00:00+03:00", phone="8 (999) 000-42-42", comment="звонок")
    assert r.status_code == 201, await r.get_data(as_text=True)
    appt = await r.get_json()
    assert appt["client"]["id"] == telegram["client"]["id"]  # never a second profile
    assert (appt["status"], appt["source"], appt["comment"]) == ("confirmed", "manual", "звонок")
    fresh = await (await manual(c, s, "2026-03-03T14:00:00+03:00", phone="+7 911 222-33-44",
                                name="Пётр", status="new")).get_json()
    again = await (await manual(c, s, "2026-03-04T14:00:00+03:00", phone="89112223344")).get_json()
    assert fresh["status"] == "new" and fresh["client"]["name"] == "Пётр"
    assert again["client"]["id"] == fresh["client"]["id"]
    clients = env.h.z.runtime.clients.committed.clients
    assert len(clients) == 2
    assert clients[fresh["client"]["id"]].source == "manual"
    rec = [r async for r in env.journal.read_all(0) if r.type == "client.registered"][-1]
    assert rec.actor == "user:admin"


async def test_manual_booking_refusals_change_nothing(env: Env) -> None:
    c, s = env.client, env.salon
    await manual(c, s, "2026-03-02T12:00:00+03:00", staff_id=s.staff[0])
    seq = await env.journal.last_seq()
    await _problem(await manual(c, s, "2026-03-02T12:00:00+03:00", staff_id=s.staff[0],
                                phone="+79995556677"), 409, "slot_unavailable")
    await _problem(await manual(c, s, "2026-03-02T12:00:00+03:00", phone="12"), 400, "validation_error")
    await _problem(await manual(c, s, "2026-03-02T12:00:00+03:00", status="cancelled"),
                   400, "validation_error")
    await _problem(await manual(c, s, "2026-03-02T08:00:00+03:00"), 409, "slot_unavailable")  # past
    assert await env.journal.last_seq() == seq  # no client profile was created either
    r = await c.post("/api/v1/appointments/manual", json={"branch_id": s.branch_id})
    await _problem(r, 401, "unauthorized")  # authenticated before the body is looked at


async def test_managers_cannot_touch_other_branches(env: Env) -> None:
    a = env.salon
    b = await seed_salon(env.h, env.client)
    in_b = await (await manual(env.client, b, "2026-03-02T12:00:00+03:00")).get_json()
    anna = bearer(await env.h.user("anna", "manager", (a.branch_id,)))
    await _problem(await _status(env, in_b["id"], anna, status="done"), 403, "forbidden")
    r = await env.client.patch(f"/api/v1/appointments/{in_b['id']}/reschedule", headers=anna,
                               json={"start": "2026-03-02T15:00:00+03:00"})
    await _problem(r, 403, "forbidden")
    await _problem(await manual(env.client, b, "2026-03-02T15:00:00+03:00", headers=anna),
                   403, "forbidden")
