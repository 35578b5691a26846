"""The client's journey over the API (SPEC §9.3), on SQLite and PostgreSQL: reschedule,
«Приду», feedback — each rule, someone else's visit, and the journal."""

from __future__ import annotations

from typing import Any

from actors.core.messages import ChangeStatus
from actors.core.model import Status
from tests.client.kit import at, events_of, instant, problem, salon_with_clients, slot_body, start, tma
from tests.harness import Harness

A, B = 2001, 2002


async def _book(client: Any, h: Harness, who: int, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/api/v1/appointments", json=body, headers=tma(h, who))
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


def _path(appt: dict[str, Any], what: str) -> str:
    return f"/api/v1/appointments/{appt['id']}/{what}"


async def test_reschedule_moves_own_visit_to_a_free_slot_back_to_new(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    appt = await _book(client, harness, A, slot_body(salon, at("15:00")))
    await _book(client, harness, B, slot_body(salon, at("16:00")))  # B's visit with the same master
    await harness.z.runtime.branch(salon.branch_id).ask(ChangeStatus(appt["id"], Status.CONFIRMED))
    assert (await client.post(_path(appt, "confirm-visit"), headers=tma(harness, A))).status_code == 200

    # Someone else's visit is not found; a taken or off-grid time is refused; nothing changes.
    await problem(await client.patch(_path(appt, "reschedule"), json={"start": at("17:00")},
                                     headers=tma(harness, B)), 404, "not_found")
    for taken in (at("16:00"), at("15:30"), at("17:10")):
        await problem(await client.patch(_path(appt, "reschedule"), json={"start": taken},
                                         headers=tma(harness, A)), 409, "slot_unavailable")
    await problem(await client.patch(_path(appt, "reschedule"), json={"start": "tomorrow"},
                                     headers=tma(harness, A)), 400, "validation_error")

    r = await client.patch(_path(appt, "reschedule"), json={"start": at("17:00")}, headers=tma(harness, A))
    assert r.status_code == 200, await r.get_data(as_text=True)
    moved = await r.get_json()
    assert (moved["start"], moved["status"], moved["staff"]["id"]) == (at("17:00"), "new", salon.staff[0])
    assert moved["client_confirmed_at"] is None  # «Приду» was for the old time
    (event,) = await events_of(harness, "appointment.rescheduled")
    assert event.data["by"] == "client" and event.data["start"] == instant(at("17:00"))
    assert event.actor.startswith("client:")
    # The old time is free again: B takes it; the new one is taken.
    await _book(client, harness, B, slot_body(salon, at("15:00")))
    await problem(await client.post("/api/v1/appointments", json=slot_body(salon, at("17:00")),
                                    headers=tma(harness, B)), 409, "slot_unavailable")
    # Another master, named.
    r = await client.patch(_path(appt, "reschedule"), json={"start": at("17:00"), "staff_id": salon.staff[1]},
                           headers=tma(harness, A))
    assert (await r.get_json())["staff"]["id"] == salon.staff[1]


async def test_reschedule_too_late_by_the_branch_setting(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, cancel_notice_min=60)
    r = await client.patch(f"/api/v1/admin/branches/{salon.branch_id}", json={"reschedule_notice_min": 240},
                           headers=salon.headers)
    assert (await r.get_json())["reschedule_notice_min"] == 240
    appt = await _book(client, harness, A, slot_body(salon, at("12:00")))  # 3 hours ahead of 09:00
    seq = await harness.z.journal.last_seq()
    doc = await problem(await client.patch(_path(appt, "reschedule"), json={"start": at("16:00")},
                                           headers=tma(harness, A)), 409, "too_late")
    assert "240" in doc["detail"]
    assert await harness.z.journal.last_seq() == seq
    # Back to the default (the cancel notice, 60 minutes): allowed.
    r = await client.patch(f"/api/v1/admin/branches/{salon.branch_id}", json={"reschedule_notice_min": None},
                           headers=salon.headers)
    assert (await r.get_json())["reschedule_notice_min"] is None
    r = await client.patch(_path(appt, "reschedule"), json={"start": at("16:00")}, headers=tma(harness, A))
    assert r.status_code == 200, await r.get_data(as_text=True)
    harness.clock.advance(instant(at("16:00")) - instant(at("09:00")) - 59 * 60)
    await problem(await client.patch(_path(appt, "reschedule"), json={"start": at("17:00")},
                                     headers=tma(harness, A)), 409, "too_late")


async def test_confirm_visit_sets_client_confirmed_at_once(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    appt = await _book(client, harness, A, slot_body(salon, at("15:00")))
    await problem(await client.post(_path(appt, "confirm-visit"), headers=tma(harness, B)), 404)
    r = await client.post(_path(appt, "confirm-visit"), headers=tma(harness, A))
    assert r.status_code == 200
    confirmed = await r.get_json()
    assert confirmed["client_confirmed_at"] is not None and confirmed["status"] == "new"
    again = await (await client.post(_path(appt, "confirm-visit"), headers=tma(harness, A))).get_json()
    assert again["client_confirmed_at"] == confirmed["client_confirmed_at"]
    assert len(await events_of(harness, "appointment.visit_confirmed")) == 1
    await client.post(_path(appt, "cancel"), headers=tma(harness, A))
    await problem(await client.post(_path(appt, "confirm-visit"), headers=tma(harness, A)), 409,
                  "invalid_transition")


async def test_feedback_for_own_done_visit_once(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A, B)
    appt = await _book(client, harness, A, slot_body(salon, at("15:00")))
    body = {"rating": 5, "comment": "Отлично!"}
    await problem(await client.post(_path(appt, "feedback"), json=body, headers=tma(harness, A)), 409,
                  "invalid_transition")  # not done yet
    await harness.z.runtime.branch(salon.branch_id).ask(ChangeStatus(appt["id"], Status.DONE))
    await problem(await client.post(_path(appt, "feedback"), json=body, headers=tma(harness, B)), 404)
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "5"}, {}, {"rating": 4, "extra": 1}):
        await problem(await client.post(_path(appt, "feedback"), json=bad, headers=tma(harness, A)), 400)
    r = await client.post(_path(appt, "feedback"), json=body, headers=tma(harness, A))
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert (await r.get_json())["feedback"] == {"rating": 5, "comment": "Отлично!"}
    await problem(await client.post(_path(appt, "feedback"), json={"rating": 1}, headers=tma(harness, A)),
                  409, "feedback_exists")
    (event,) = await events_of(harness, "appointment.feedback")
    assert (event.data["rating"], event.data["comment"]) == (5, "Отлично!")
    mine = await (await client.get("/api/v1/appointments/my", headers=tma(harness, A))).get_json()
    assert mine["items"][0]["feedback"] == {"rating": 5, "comment": "Отлично!"}
    # Replay (snapshot + journal and journal alone) keeps it.
    client = await harness.restart()
    mine = await (await client.get("/api/v1/appointments/my", headers=tma(harness, A))).get_json()
    assert mine["items"][0]["feedback"] == {"rating": 5, "comment": "Отлично!"}


async def test_journey_endpoints_need_telegram_auth(harness: Harness) -> None:
    client = await start(harness)
    for method, what in (("PATCH", "reschedule"), ("POST", "confirm-visit"), ("POST", "feedback")):
        r = await client.open(f"/api/v1/appointments/x/{what}", method=method, json={})
        await problem(r, 401, "unauthorized")
