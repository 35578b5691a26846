"""Visits of several services and masters' own prices and durations (SPEC §9.2), on both backends."""

from __future__ import annotations

from typing import Any

from tests.client.kit import at, register, start, tma
from tests.harness import Harness
from tests.seed import Salon, seed_salon

A, B = 1001, 1002
DAY = {"date_from": "2026-03-02", "date_to": "2026-03-02"}


async def _salon(h: Harness, client: Any) -> Salon:
    """cut 60 min (no buffer), colour 90 min + 15 buffer; Master 1 does both, Master 2 only cut."""
    salon = await seed_salon(h, client, services=(("cut", 60, 0), ("colour", 90, 15), ("style", 30, 10)))
    r = await client.patch(f"/api/v1/admin/staff/{salon.staff[1]}", headers=salon.headers,
                           json={"service_ids": [salon.services["cut"], salon.services["style"]]})
    assert r.status_code == 200, await r.get_data(as_text=True)
    for tg in (A, B):
        await register(client, h, tg)
    return salon


async def _own(client: Any, salon: Salon, staff: int, rows: list[dict[str, Any]]) -> Any:
    return await client.patch(f"/api/v1/admin/staff/{salon.staff[staff]}", headers=salon.headers,
                              json={"service_overrides": rows})


async def test_a_masters_own_price_and_duration_are_validated_shown_and_replayed(harness: Harness) -> None:
    client = await start(harness)
    salon = await _salon(harness, client)
    cut, colour = salon.services["cut"], salon.services["colour"]
    r = await _own(client, salon, 0, [{"service_id": cut, "price": "2500", "duration_min": 45}])
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (await r.get_json())["service_overrides"] == [
        {"service_id": cut, "price": "2500.00", "duration_min": 45}]
    # Refusals, each a problem document, changing nothing.
    for rows, status in (
        ([{"service_id": colour, "price": "1"}], 400),  # Master 2 does not do colour
        ([{"service_id": "nope", "price": "1"}], 400),
        ([{"service_id": cut, "price": "-1"}], 400),
        ([{"service_id": cut, "duration_min": 0}], 400),
        ([{"service_id": cut, "duration_min": 2000}], 400),
        ([{"service_id": cut}], 400),
        ([{"service_id": cut, "price": "1"}, {"service_id": cut, "price": "2"}], 400),
    ):
        r = await _own(client, salon, 1, rows)
        assert r.status_code == status, (rows, await r.get_data(as_text=True))
        assert (await r.get_json())["code"] == "validation_error"
    # GET /services?staff_id= shows the master's values; without it, the catalogue's.
    r = await client.get("/api/v1/services", query_string={"staff_id": salon.staff[0]})
    mine = {s["id"]: s for s in (await r.get_json())["items"]}
    assert (mine[cut]["price"], mine[cut]["duration_min"]) == ("2500.00", 45)
    assert (mine[colour]["price"], mine[colour]["duration_min"]) == ("1500.00", 90)
    r = await client.get("/api/v1/services", query_string={"staff_id": salon.staff[1]})
    assert {s["id"] for s in (await r.get_json())["items"]} == {cut, salon.services["style"]}
    # Slots of that master end at their own end; "any master" lists each master's own end.
    r = await client.get("/api/v1/slots/available", headers=tma(harness, A),
                         query_string={"branch_id": salon.branch_id, "service_id": cut, **DAY})
    ends = {(s["start"], s["staff_id"]): s["end"] for s in (await r.get_json())["slots"]}
    assert ends[(at("12:00"), salon.staff[0])] == at("12:45")
    assert ends[(at("12:00"), salon.staff[1])] == at("13:00")
    # A booking with Master 1 is 45 minutes at 2 500; the answer says so, and so does a restart.
    r = await client.post("/api/v1/appointments", headers=tma(harness, A), json={
        "branch_id": salon.branch_id, "service_id": cut, "start": at("12:00"), "staff_id": salon.staff[0]})
    appt = await r.get_json()
    assert r.status_code == 201, appt
    assert appt["end"] == at("12:45") and appt["total_price"] == "2500.00"
    assert appt["service"]["price"] == "2500.00" and appt["service"]["duration_min"] == 45
    assert appt["services"] == [{"id": cut, "name": "cut", "price": "2500.00", "duration_min": 45}]
    client = await harness.restart()
    r = await client.get(f"/api/v1/admin/staff/{salon.staff[0]}", headers=salon.headers)
    assert (await r.get_json())["service_overrides"] == [
        {"service_id": cut, "price": "2500.00", "duration_min": 45}]
    r = await client.get("/api/v1/appointments/my", headers=tma(harness, A))
    (again,) = (await r.get_json())["items"]
    assert again["end"] == at("12:45") and again["total_price"] == "2500.00"
    # A master who stops doing a service loses their own values for it.
    r = await client.patch(f"/api/v1/admin/staff/{salon.staff[0]}", headers=salon.headers,
                           json={"service_ids": [colour]})
    assert (await r.get_json())["service_overrides"] == []


async def test_a_visit_of_two_services_is_one_block_of_the_summed_length(harness: Harness) -> None:
    client = await start(harness)
    salon = await _salon(harness, client)
    cut, colour, style = (salon.services[k] for k in ("cut", "colour", "style"))
    await _own(client, salon, 0, [{"service_id": colour, "price": "3000.00", "duration_min": 60}])
    # Order kept: cut (60) then colour (Master 1: 60, own price) → 120 min + colour's 15 min buffer.
    q = [("branch_id", salon.branch_id), ("service_id", cut), ("service_id", colour),
         ("date_from", DAY["date_from"]), ("date_to", DAY["date_to"])]
    r = await client.get("/api/v1/slots/available", headers=tma(harness, A), query_string=q)
    slots = (await r.get_json())["slots"]
    assert slots and {s["staff_id"] for s in slots} == {salon.staff[0]}  # Master 2 lacks colour
    assert {s["end"] for s in slots if s["start"] == at("12:00")} == {at("14:00")}
    assert at("16:00") in {s["start"] for s in slots} and at("16:15") not in {s["start"] for s in slots}
    # Hold it, then book the hold.
    r = await client.post("/api/v1/slots/hold", headers=tma(harness, A), json={
        "branch_id": salon.branch_id, "service_ids": [cut, colour], "start": at("12:00")})
    hold = await r.get_json()
    assert r.status_code == 201, hold
    assert hold["end"] == at("14:00") and hold["service_ids"] == [cut, colour]
    assert hold["total_price"] == "4500.00"
    r = await client.post("/api/v1/appointments", headers=tma(harness, A), json={"hold_id": hold["hold_id"]})
    appt = await r.get_json()
    assert r.status_code == 201, appt
    assert appt["service"]["id"] == cut and appt["service"]["duration_min"] == 60
    assert [s["name"] for s in appt["services"]] == ["cut", "colour"]
    assert appt["services"][1] == {"id": colour, "name": "colour", "price": "3000.00", "duration_min": 60}
    assert (appt["start"], appt["end"], appt["total_price"]) == (at("12:00"), at("14:00"), "4500.00")
    # The colour's buffer follows the visit: 14:00–14:15 is taken for anyone.
    r = await client.post("/api/v1/appointments", headers=tma(harness, B), json={
        "branch_id": salon.branch_id, "service_id": cut, "start": at("13:00"), "staff_id": salon.staff[0]})
    assert r.status_code == 409
    r = await client.get("/api/v1/slots/available", headers=tma(harness, B), query_string={
        "branch_id": salon.branch_id, "service_id": style, "staff_id": salon.staff[0], **DAY})
    starts = {s["start"] for s in (await r.get_json())["slots"]}
    assert at("14:00") not in starts and at("14:15") in starts
    # A booking by slot of a visit, with a named master who lacks one of the services: 409, clear code.
    r = await client.post("/api/v1/appointments", headers=tma(harness, B), json={
        "branch_id": salon.branch_id, "service_ids": [cut, colour], "start": at("15:00"),
        "staff_id": salon.staff[1]})
    problem = await r.get_json()
    assert r.status_code == 409 and problem["code"] == "staff_lacks_service", problem
    # service_id and service_ids together, or a hold with neither: 422; a repeated service: 400.
    for body in ({"branch_id": salon.branch_id, "service_id": cut, "service_ids": [cut], "start": at("15:00")},
                 {"branch_id": salon.branch_id, "start": at("15:00")}):
        r = await client.post("/api/v1/slots/hold", headers=tma(harness, B), json=body)
        assert r.status_code == 422, await r.get_data(as_text=True)
    r = await client.post("/api/v1/slots/hold", headers=tma(harness, B), json={
        "branch_id": salon.branch_id, "service_ids": [cut, cut], "start": at("15:00")})
    assert r.status_code == 400
    # The journal carries the ids; a restart (snapshot + replay) answers the same visit.
    r = await client.get("/api/v1/system/journal", headers={**salon.headers, "Accept-Language": "ru"},
                         query_string={"type": "appointment.created"})
    (text,) = [e["text"] for e in (await r.get_json())["events"] if e["data"]["appointment_id"] == appt["id"]]
    assert "cut + colour, мастер Master 1" in text, text
    events = await harness.z.runtime.journal.read_stream(f"branch:{salon.branch_id}")
    events = [e for e in events if e.type == "appointment.created"]
    assert events[-1].data["service_ids"] == [cut, colour] and events[-1].data["total_price"] == "4500.00"
    client = await harness.restart()
    r = await client.get("/api/v1/appointments/my", headers=tma(harness, A))
    (again,) = (await r.get_json())["items"]
    assert again["services"] == appt["services"] and again["end"] == at("14:00")


async def test_manual_booking_and_reschedule_keep_the_visits_services(harness: Harness) -> None:
    client = await start(harness)
    salon = await _salon(harness, client)
    cut, style = salon.services["cut"], salon.services["style"]
    await _own(client, salon, 1, [{"service_id": style, "duration_min": 60, "price": "900"}])
    r = await client.get("/api/v1/dashboard/slots", headers=salon.headers, query_string=[
        ("branch_id", salon.branch_id), ("service_id", cut), ("service_id", style),
        ("date_from", DAY["date_from"]), ("date_to", DAY["date_to"])])
    ends = {(s["start"], s["staff_id"]): s["end"] for s in (await r.get_json())["slots"]}
    assert ends[(at("12:00"), salon.staff[0])] == at("13:30")  # 60 + 30
    assert ends[(at("12:00"), salon.staff[1])] == at("14:00")  # 60 + own 60
    r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={
        "branch_id": salon.branch_id, "service_ids": [cut, style], "start": at("12:00"),
        "staff_id": salon.staff[0], "client": {"phone": "+79990000001", "name": "Ольга"}})
    appt = await r.get_json()
    assert r.status_code == 201, appt
    assert appt["end"] == at("13:30") and appt["total_price"] == "3000.00"
    # To Master 2: the same services with Master 2's durations (the price stays as booked).
    r = await client.patch(f"/api/v1/appointments/{appt['id']}/reschedule", headers=salon.headers,
                           json={"start": at("15:00"), "staff_id": salon.staff[1]})
    moved = await r.get_json()
    assert r.status_code == 200, moved
    assert (moved["start"], moved["end"]) == (at("15:00"), at("17:00"))
    assert [s["id"] for s in moved["services"]] == [cut, style] and moved["total_price"] == "3000.00"
    r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={
        "branch_id": salon.branch_id, "start": at("12:00"), "client": {"phone": "+79990000001"}})
    assert r.status_code == 422
