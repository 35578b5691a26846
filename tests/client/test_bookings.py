"""Booking, my appointments and cancelling, as a Telegram client sees them."""

from __future__ import annotations

from typing import Any

from tests.client.kit import at, events_of, instant, problem, salon_with_clients, slot_body, start, tma
from tests.harness import Harness

A, B = 1001, 1002
APPOINTMENT_KEYS = {"id", "branch_id", "status", "start", "end", "source", "comment", "created_at",
                    "updated_at", "version", "client", "service", "staff", "client_confirmed_at", "feedback",
                    "services", "total_price", "booked_by"}


async def _book(client: Any, h: Harness, who: int, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/api/v1/appointments", json=body, headers=tma(h, who))
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def test_a_booking_answers_specs_shape_and_journals_appointment_created(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    appt = await _book(client, harness, A, slot_body(salon, at("12:00"), service="colour", comment="хна"))
    assert appt.keys() == APPOINTMENT_KEYS
    me = harness.z.runtime.clients.committed.by_telegram_client(A)
    assert me is not None
    assert appt["status"] == "new" and appt["source"] == "bot" and appt["version"] == 1
    assert (appt["start"], appt["end"]) == (at("12:00"), at("13:30"))  # 90 minutes, Moscow offset
    assert appt["client"] == {"id": me.id, "name": "Анна", "phone": "+79990001001", "telegram_id": A}
    assert appt["service"] == {"id": salon.services["colour"], "name": "colour", "price": "1500.00",
                               "currency": "RUB", "duration_min": 90}
    assert appt["staff"] == {"id": salon.staff[0], "name": "Master 1"}
    (event,) = await events_of(harness, "appointment.created")
    assert event.stream == f"branch:{salon.branch_id}" and event.actor == f"client:{me.id}"
    assert event.data["appointment_id"] == appt["id"] and event.data["start"] == instant(at("12:00"))
    # The realtime feed renders the event's appointment in the same shape.
    from api.shapes import appointment_json
    state = harness.z.runtime.branch(salon.branch_id).committed
    assert appointment_json(state.appointments[appt["id"]], harness.z.scheduler) == appt
    # The 15-minute buffer after "colour" keeps the master busy until 13:45.
    r = await client.post("/api/v1/appointments", json=slot_body(salon, at("13:30")), headers=tma(harness, A))
    await problem(r, 409, "slot_unavailable")
    assert (await client.post("/api/v1/appointments", json=slot_body(salon, at("13:45")),
                              headers=tma(harness, A))).status_code == 201


async def test_my_appointments_newest_first_with_a_cursor(harness: Harness) -> None:
    client = await start(harness, bookings_per_minute=0)
    salon = await salon_with_clients(harness, client, A, B)
    mine = [await _book(client, harness, A, slot_body(salon, at(t))) for t in ("10:00", "14:00", "12:00")]
    mine.append(await _book(client, harness, A, slot_body(salon, at("12:00"), staff=1)))
    await _book(client, harness, B, slot_body(salon, at("16:00")))  # not A's
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/appointments/my", query_string=query, headers=tma(harness, A))
        assert r.status_code == 200
        page = await r.get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 4 and {a["id"] for a in seen} == {a["id"] for a in mine}
    keys = [(instant(a["start"]), a["id"]) for a in seen]
    assert keys == sorted(keys, reverse=True)
    assert seen[0]["start"] == at("14:00") and seen[-1]["start"] == at("10:00")
    r = await client.get("/api/v1/appointments/my", headers=tma(harness, B))
    assert [a["start"] for a in (await r.get_json())["items"]] == [at("16:00")]


async def test_cancel_own_appointment_only_in_time_and_once(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    appt = await _book(client, harness, A, slot_body(salon, at("15:00")))
    late = await _book(client, harness, A, slot_body(salon, at("12:00"), staff=1))
    await problem(await client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=tma(harness, B)), 404)
    r = await client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=tma(harness, A))
    assert r.status_code == 200
    cancelled = await r.get_json()
    assert (cancelled["id"], cancelled["status"], cancelled["version"]) == (appt["id"], "cancelled", 2)
    await problem(await client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=tma(harness, A)),
                  409, "invalid_transition")
    (event,) = await events_of(harness, "appointment.cancelled")
    assert event.data["appointment_id"] == appt["id"]
    # The freed time can be booked again.
    assert (await _book(client, harness, B, slot_body(salon, at("15:00"))))["start"] == at("15:00")
    # Less than the branch's 120-minute cancel notice before the visit: too late.
    harness.clock.advance(instant(at("12:00")) - instant(at("10:01")))
    seq = await harness.z.journal.last_seq()
    r = await client.post(f"/api/v1/appointments/{late['id']}/cancel", headers=tma(harness, A))
    doc = await problem(r, 409, "invalid_transition")
    assert "too late" in doc["detail"]
    assert await harness.z.journal.last_seq() == seq


async def test_a_manager_status_makes_cancel_impossible(harness: Harness) -> None:
    from actors.core.messages import ChangeStatus
    from actors.core.model import Status

    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    appt = await _book(client, harness, A, slot_body(salon, at("15:00")))
    await harness.z.runtime.branch(salon.branch_id).ask(ChangeStatus(appt["id"], Status.IN_PROGRESS))
    r = await client.post(f"/api/v1/appointments/{appt['id']}/cancel", headers=tma(harness, A))
    await problem(r, 409, "invalid_transition")
