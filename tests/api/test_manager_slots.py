"""``GET /api/v1/dashboard/slots``: free times for a manager's booking form (SQLite and PostgreSQL).

Manager rules: the grid inside working hours, free of appointments and of
every live hold, not in the past; no minimum notice, no horizon.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.client.kit import MONDAY, at, problem, register, slot_body, start, tma
from tests.harness import Harness
from tests.seed import Salon, seed_salon


async def free(client: Any, salon: Salon, headers: dict[str, str], service: str = "cut",
               day: date = MONDAY, **query: Any) -> dict[str, Any]:
    r = await client.get("/api/v1/dashboard/slots", headers=headers, query_string={
        "branch_id": salon.branch_id, "service_id": salon.services[service],
        "date_from": day.isoformat(), "date_to": day.isoformat(), **query})
    assert r.status_code == 200, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


def starts(answer: dict[str, Any], staff_id: str) -> list[str]:
    return [s["start"][11:16] for s in answer["slots"] if s["staff_id"] == staff_id]


async def test_the_grid_from_now_without_notice_or_horizon(harness: Harness) -> None:
    client = await start(harness)
    salon = await seed_salon(harness, client)
    answer = await free(client, salon, salon.headers)
    assert answer["timezone"] == "Europe/Moscow"
    assert answer["days"] == [{"date": "2026-03-02", "free": len({s["start"] for s in answer["slots"]})}]
    assert sorted(answer["staff"], key=lambda s: s["id"]) == sorted(
        [{"id": sid, "name": f"Master {i + 1}"} for i, sid in enumerate(salon.staff)], key=lambda s: s["id"])
    # It is 09:00 in Moscow: a manager may book right now (clients need 60 minutes' notice).
    mine = starts(answer, salon.staff[0])
    assert mine[:3] == ["09:00", "09:15", "09:30"] and mine[-1] == "17:00" and len(mine) == 33
    assert answer["slots"][0]["end"] == "2026-03-02T10:00:00+03:00"
    harness.clock.advance(20 * 60)  # 09:20: the past is gone
    assert starts(await free(client, salon, salon.headers), salon.staff[0])[0] == "09:30"
    # 40 days ahead is past the clients' 30-day horizon, not the manager's.
    far = await free(client, salon, salon.headers, day=MONDAY + timedelta(days=40))
    assert len(starts(far, salon.staff[0])) == 33


async def test_appointments_with_buffers_and_every_live_hold_block(harness: Harness) -> None:
    client = await start(harness)
    salon = await seed_salon(harness, client)
    r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={
        **slot_body(salon, at("10:00"), service="colour"), "client": {"phone": "+79990001111"}})
    assert r.status_code == 201, await r.get_data(as_text=True)  # 10:00–11:30, +15 min buffer
    await register(client, harness, 77)
    r = await client.post("/api/v1/slots/hold", headers=tma(harness, 77),
                          json=slot_body(salon, at("12:00"), staff=1))
    assert r.status_code == 201, await r.get_data(as_text=True)
    answer = await free(client, salon, salon.headers)
    first, second = starts(answer, salon.staff[0]), starts(answer, salon.staff[1])
    assert "09:00" in first and "09:15" not in first  # 09:15–10:15 would overlap 10:00
    assert "11:30" not in first and "11:45" in first  # the buffer runs to 11:45
    assert "11:00" in second and "11:15" not in second and "12:45" not in second and "13:00" in second
    only = await free(client, salon, salon.headers, staff_id=salon.staff[1])
    assert {s["staff_id"] for s in only["slots"]} == {salon.staff[1]}


async def test_auth_scope_and_bad_input(harness: Harness) -> None:
    client = await start(harness)
    salon = await seed_salon(harness, client)
    r = await client.get("/api/v1/dashboard/slots", query_string={"branch_id": "x"})
    await problem(r, 401, "unauthorized")  # a stranger learns nothing, not even "bad query"
    outsider = {"Authorization": f"Bearer {await harness.user('olga', 'manager', ('elsewhere',))}"}
    r = await client.get("/api/v1/dashboard/slots", headers=outsider, query_string={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"],
        "date_from": "2026-03-02", "date_to": "2026-03-02"})
    await problem(r, 403, "forbidden")
    manager = {"Authorization": f"Bearer {await harness.user('anna', 'manager', (salon.branch_id,))}"}
    assert (await free(client, salon, manager))["slots"]
    for query, status in (
        ({"service_id": "nope"}, 404),
        ({"staff_id": "nope"}, 404),
        ({"date_from": "2026-02-30"}, 400),
        ({"date_to": "2026-04-15"}, 400),  # more than 31 days
        ({"date_from": "2026-03-05", "date_to": "2026-03-04"}, 400),
    ):
        r = await client.get("/api/v1/dashboard/slots", headers=manager, query_string={
            "branch_id": salon.branch_id, "service_id": salon.services["cut"],
            "date_from": "2026-03-02", "date_to": "2026-03-02", **query})
        await problem(r, status)
