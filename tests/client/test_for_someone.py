"""«Записать другого человека» over the API (issue 16, problem 9), on SQLite and PostgreSQL: a client
books a visit for a named person with their phone; the visit is that person's, the booker's
«Мои записи» shows it and the booker may cancel or move it; the person's own Telegram account
sees it too; old answers unchanged; bad input is a 400."""

from __future__ import annotations

from typing import Any

from tests.client.kit import at, events_of, phone_of, problem, register, salon_with_clients, slot_body, start, tma
from tests.harness import Harness

DAUGHTER, MOTHER, STRANGER = 3001, 3002, 3003
MOTHER_PHONE = "8 (916) 555-01-02"  # typed as a person would; stored as E.164
MOTHER_E164 = "+79165550102"


async def _my(client: Any, h: Harness, who: int) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/appointments/my", headers=tma(h, who))
    assert r.status_code == 200, await r.get_data(as_text=True)
    return (await r.get_json())["items"]  # type: ignore[no-any-return]


async def test_booking_for_a_mother_by_slot_and_by_hold(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, DAUGHTER, STRANGER)
    daughter = await register(client, harness, DAUGHTER)

    r = await client.post("/api/v1/appointments", headers=tma(harness, DAUGHTER), json=slot_body(
        salon, at("15:00"), **{"for": {"name": " Мама ", "phone": MOTHER_PHONE}}))
    assert r.status_code == 201, await r.get_data(as_text=True)
    visit = await r.get_json()
    assert visit["client"]["name"] == "Мама" and visit["client"]["phone"] == MOTHER_E164
    assert visit["client"]["telegram_id"] is None and visit["booked_by"] == daughter["id"]
    (created,) = [e for e in await events_of(harness, "client.registered") if e.data["phone"] == MOTHER_E164]
    assert created.data["source"] == "bot"
    (booked,) = await events_of(harness, "appointment.created")
    assert booked.data["booked_by"] == daughter["id"] and booked.data["client_id"] == visit["client"]["id"]
    r = await client.get("/api/v1/system/journal", headers=await harness.admin_headers(),
                         query_string={"type": "appointment.created"})
    [said] = [e["text"] for e in (await r.get_json())["events"]]
    assert said.startswith("Клиент Анна записала другого человека на 02.03 15:00") and "придёт Мама" in said, said

    # By hold: the booker's hold, the same mother (found by phone, not created again).
    r = await client.post("/api/v1/slots/hold", headers=tma(harness, DAUGHTER), json=slot_body(salon, at("17:00")))
    assert r.status_code == 201, await r.get_data(as_text=True)
    r = await client.post("/api/v1/appointments", headers=tma(harness, DAUGHTER), json={
        "hold_id": (await r.get_json())["hold_id"], "for": {"name": "Мама", "phone": MOTHER_E164}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    second = await r.get_json()
    assert second["client"]["id"] == visit["client"]["id"] and second["booked_by"] == daughter["id"]
    assert len([e for e in await events_of(harness, "client.registered") if e.data["phone"] == MOTHER_E164]) == 1

    # Her own booking is unchanged: booked_by null. Her own phone as «for» is just her.
    own = await client.post("/api/v1/appointments", headers=tma(harness, DAUGHTER), json=slot_body(
        salon, at("12:00"), **{"for": {"name": "Я", "phone": phone_of(DAUGHTER)}}))
    own_visit = await own.get_json()
    assert own.status_code == 201 and own_visit["booked_by"] is None
    assert own_visit["client"]["id"] == daughter["id"]

    mine = await _my(client, harness, DAUGHTER)
    assert [a["id"] for a in mine] == [second["id"], visit["id"], own_visit["id"]]  # newest start first
    assert await _my(client, harness, STRANGER) == []

    # The booker cancels and moves it under the client rules; a stranger gets 404.
    await problem(await client.post(f"/api/v1/appointments/{visit['id']}/cancel", headers=tma(harness, STRANGER)),
                  404, "not_found")
    r = await client.patch(f"/api/v1/appointments/{second['id']}/reschedule", json={"start": at("16:00")},
                           headers=tma(harness, DAUGHTER))
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (await r.get_json())["booked_by"] == daughter["id"]
    r = await client.post(f"/api/v1/appointments/{visit['id']}/cancel", headers=tma(harness, DAUGHTER))
    assert r.status_code == 200 and (await r.get_json())["status"] == "cancelled"

    # The mother joins Telegram later with her phone: she sees the visit booked for her.
    await register(client, harness, MOTHER, MOTHER_PHONE)
    assert {a["id"] for a in await _my(client, harness, MOTHER)} == {visit["id"], second["id"]}

    # Replay (snapshot and journal) keeps booked_by.
    client = await harness.restart()
    mine = await _my(client, harness, DAUGHTER)
    assert [(a["id"], a["booked_by"]) for a in mine] == [
        (second["id"], daughter["id"]), (visit["id"], daughter["id"]), (own_visit["id"], None)]


async def test_a_taken_slot_creates_no_person_and_bad_input_is_400(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, DAUGHTER, STRANGER)
    r = await client.post("/api/v1/appointments", headers=tma(harness, STRANGER), json=slot_body(salon, at("15:00")))
    assert r.status_code == 201
    before = len(await events_of(harness, "client.registered"))
    await problem(await client.post("/api/v1/appointments", headers=tma(harness, DAUGHTER), json=slot_body(
        salon, at("15:00"), **{"for": {"name": "Мама", "phone": MOTHER_PHONE}})), 409, "slot_unavailable")
    assert len(await events_of(harness, "client.registered")) == before
    for whom in ({"name": "Мама", "phone": "не телефон"}, {"name": "  ", "phone": MOTHER_PHONE},
                 {"name": "Мама"}, {"phone": MOTHER_PHONE}, {"name": "Мама", "phone": 79165550102},
                 {"name": "Мама", "phone": MOTHER_PHONE, "age": 70}, "Мама"):
        doc = await problem(await client.post("/api/v1/appointments", headers=tma(harness, DAUGHTER), json=slot_body(
            salon, at("16:00"), **{"for": whom})), 400)
        assert doc["code"] == "validation_error", (whom, doc)
    r = await client.post("/api/v1/appointments", json=slot_body(
        salon, at("16:00"), **{"for": {"name": " ", "phone": MOTHER_PHONE}}),
        headers={**tma(harness, DAUGHTER), "Accept-Language": "ru"})
    assert (await r.get_json())["detail"] == "Поле «Кого записываем»: укажите имя человека, которого записываете"
    assert len(await events_of(harness, "client.registered")) == before
