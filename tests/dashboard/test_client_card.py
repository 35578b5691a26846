"""The client card (SPEC §9.1): edit, merge a duplicate, and the visit stats."""

from __future__ import annotations

from datetime import timedelta

from actors.core.model import Status
from api.telegram.initdata import sign_init_data
from tests.client.kit import MONDAY, at, problem
from tests.dashboard.conftest import Env
from tests.dashboard.helpers import BOT_TOKEN, book_direct, client_books, manual


async def card(env: Env, client_id: str, expect: int = 200) -> dict:  # type: ignore[type-arg]
    r = await env.client.get(f"/api/v1/clients/{client_id}", headers=env.salon.headers)
    assert r.status_code == expect, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def test_editing_a_card_normalises_and_refuses_another_clients_phone(env: Env) -> None:
    c, h = env.client, env.salon.headers
    first = (await (await manual(c, env.salon, at("10:00"), phone="+79990000101", name="Ирина")).get_json())
    second = (await (await manual(c, env.salon, at("12:00"), phone="+79990000102", name="Олег")).get_json())
    cid = first["client"]["id"]
    r = await c.patch(f"/api/v1/clients/{cid}", headers=h, json={
        "name": "Ирина Петрова", "phone": "8 (999) 000-01-03", "email": "irina@example.com",
        "birthday": "1990-05-17", "notes": "аллергия на аммиак"})
    assert r.status_code == 200, await r.get_data(as_text=True)
    edited = await r.get_json()
    assert (edited["name"], edited["phone"], edited["birthday"]) == ("Ирина Петрова", "+79990000103", "1990-05-17")
    seq = await env.h.z.journal.last_seq()
    await problem(await c.patch(f"/api/v1/clients/{cid}", headers=h, json={"phone": second["client"]["phone"]}),
                  409, "client_conflict")
    await problem(await c.patch(f"/api/v1/clients/{cid}", headers=h, json={"birthday": "1990-02-30"}), 400)
    await problem(await c.patch(f"/api/v1/clients/{cid}", headers=h, json={"telegram_id": 5}), 400)
    await problem(await c.patch("/api/v1/clients/nobody", headers=h, json={"notes": "x"}), 404)
    same = await c.patch(f"/api/v1/clients/{cid}", headers=h, json={"notes": "аллергия на аммиак"})
    assert same.status_code == 200
    assert await env.h.z.journal.last_seq() == seq  # refusals and a no-op wrote nothing
    # the board shows the new name
    board = await (await c.get("/api/v1/dashboard/board", headers=h,
                               query_string={"date_from": "2026-03-02", "date_to": "2026-03-02"})).get_json()
    names = {card["client"]["name"] for col in board["columns"] for card in col["cards"]}
    assert "Ирина Петрова" in names


async def test_merging_a_duplicate_moves_visits_and_the_telegram_link(env: Env) -> None:
    c, h = env.client, env.salon.headers
    booked = await client_books(env.h, c, env.salon, at("11:00"), telegram_id=4242, phone="+79990004242")
    dup_id = booked["client"]["id"]  # the Telegram profile
    phoned = await (await manual(c, env.salon, at("14:00"), phone="+79990000555", name="Иван Смирнов",
                                 comment="")).get_json()
    keep_id = phoned["client"]["id"]  # the one the front desk created by phone
    await problem(await c.post(f"/api/v1/clients/{keep_id}/merge", headers=h, json={"from_id": keep_id}), 400)
    r = await c.post(f"/api/v1/clients/{keep_id}/merge", headers=h, json={"from_id": dup_id})
    assert r.status_code == 200, await r.get_data(as_text=True)
    merged = await r.get_json()
    assert merged["telegram_id"] == 4242 and merged["phone"] == "+79990000555" and merged["name"] == "Иван Смирнов"
    await card(env, dup_id, 404)
    kept = await card(env, keep_id)
    assert {a["id"] for a in kept["appointments"]} == {booked["id"], phoned["id"]}
    assert all(a["client"]["id"] == keep_id for a in kept["appointments"])
    listed = (await (await c.get("/api/v1/clients", headers=h, query_string={"q": "Иван"})).get_json())["items"]
    assert [x["id"] for x in listed] == [keep_id]
    # the Telegram user is now this client: their own list has both visits, and they may cancel the old one
    tma = {"Authorization": "tma " + sign_init_data(BOT_TOKEN, {"id": 4242, "first_name": "Иван"},
                                                    int(env.h.clock.now()))}
    mine = (await (await c.get("/api/v1/appointments/my", headers=tma)).get_json())["items"]
    assert {a["id"] for a in mine} == {booked["id"], phoned["id"]}
    r = await c.post(f"/api/v1/appointments/{booked['id']}/cancel", headers=tma)
    assert r.status_code == 200 and (await r.get_json())["status"] == "cancelled"


async def test_two_telegram_accounts_cannot_be_merged(env: Env) -> None:
    a = await client_books(env.h, env.client, env.salon, at("11:00"), telegram_id=501, phone="+79990000501")
    b = await client_books(env.h, env.client, env.salon, at("12:00"), telegram_id=502, phone="+79990000502")
    await problem(await env.client.post(f"/api/v1/clients/{a['client']['id']}/merge", headers=env.salon.headers,
                                        json={"from_id": b["client"]["id"]}), 409, "client_conflict")


async def test_stats_count_visits_money_and_the_last_and_next_visit(env: Env) -> None:
    h = env.h
    day = 86400
    base = int(h.clock.now())
    ids = [await book_direct(h, env.salon, base + 3600 * (k + 1), client_id="c-stats") for k in range(4)]
    later = await book_direct(h, env.salon, base + 3 * day, client_id="c-stats")
    h.clock.advance(6 * 3600)
    for appt_id, status in zip(ids, (Status.DONE, Status.DONE, Status.NO_SHOW, Status.CANCELLED)):
        await h.z.scheduler.change_status(appt_id, status, None, "user:test")
    stats = h.z.scheduler.client_stats("c-stats")
    assert (stats.visits_done, stats.no_shows, stats.cancelled) == (2, 1, 1)
    assert str(stats.spent) == "3000.00"  # two done cuts at 1 500 (tests/seed.py)
    assert stats.last_visit is not None and stats.last_visit.id == ids[1]
    assert stats.next_visit is not None and stats.next_visit.id == later
    r = await manual(env.client, env.salon, at("16:00", MONDAY + timedelta(days=1)), phone="+79990000888",
                     name="Без визитов")
    assert r.status_code == 201, await r.get_data(as_text=True)
    first = await r.get_json()
    empty = await card(env, first["client"]["id"])
    assert empty["stats"] == {"visits_done": 0, "no_shows": 0, "cancelled": 0, "spent": "0.00",
                              "last_visit": None, "next_visit": first["start"]}


async def test_a_merge_and_an_edit_survive_a_restart_from_the_snapshot(env: Env) -> None:
    c, h = env.client, env.salon.headers
    keep = await (await manual(c, env.salon, at("10:00"), phone="+79990000601", name="Анна")).get_json()
    dup = await (await manual(c, env.salon, at("13:00"), phone="+79990000602", name="Аня")).get_json()
    keep_id, dup_id = keep["client"]["id"], dup["client"]["id"]
    await c.post(f"/api/v1/clients/{keep_id}/merge", headers=h, json={"from_id": dup_id})
    await c.patch(f"/api/v1/clients/{keep_id}", headers=h, json={"notes": "постоянная клиентка"})
    env.client = await env.h.restart()  # a clean stop saves a snapshot; the start loads it
    await card(env, dup_id, 404)
    kept = await card(env, keep_id)
    assert kept["client"]["notes"] == "постоянная клиентка"
    assert {a["id"] for a in kept["appointments"]} == {keep["id"], dup["id"]}
