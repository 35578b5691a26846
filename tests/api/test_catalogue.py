"""Catalogue administration and the public catalogue, through the real app (both backends)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.harness import Harness
from tests.seed import EVERY_DAY_9_TO_18, seed_salon

BRANCH = {"name": "Центр", "timezone": "Europe/Moscow", "address": "ул. Ленина, 1"}


async def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, await response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = await response.get_json()
    assert body["code"] == code and body["status"] == status and body["detail"]
    return body  # type: ignore[no-any-return]


async def test_branch_crud(harness: Harness) -> None:
    client = await harness.start()
    h = await harness.admin_headers()
    r = await client.post("/api/v1/admin/branches", json=BRANCH, headers=h)
    assert r.status_code == 201
    branch = await r.get_json()
    assert branch["slot_step_min"] == 15 and branch["horizon_days"] == 30
    assert branch["min_notice_min"] == 60 and branch["cancel_notice_min"] == 120
    r = await client.patch(f"/api/v1/admin/branches/{branch['id']}", json={"slot_step_min": 30}, headers=h)
    assert (await r.get_json())["slot_step_min"] == 30
    r = await client.get(f"/api/v1/admin/branches/{branch['id']}", headers=h)
    assert (await r.get_json())["name"] == "Центр"
    r = await client.delete(f"/api/v1/admin/branches/{branch['id']}", headers=h)
    assert r.status_code == 204
    assert (await (await client.get("/api/v1/branches")).get_json())["items"] == []
    await problem_of(await client.get(f"/api/v1/admin/branches/{branch['id']}", headers=h), 404, "not_found")


async def test_service_and_staff_crud(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=1)
    h, cut = salon.headers, salon.services["cut"]
    r = await client.patch(f"/api/v1/admin/services/{cut}", json={"price": "990.5"}, headers=h)
    assert (await r.get_json())["price"] == "990.50"
    staff_id = salon.staff[0]
    r = await client.patch(f"/api/v1/admin/staff/{staff_id}", headers=h, json={
        "schedule": {"mon": [["10:00", "14:00"], ["15:00", "19:00"]]},
        "exceptions": [{"date": "2026-03-08", "intervals": []}]})
    staff = await r.get_json()
    assert staff["schedule"] == {"mon": [["10:00", "14:00"], ["15:00", "19:00"]]}
    assert staff["exceptions"] == [{"date": "2026-03-08", "intervals": []}]
    r = await client.get("/api/v1/admin/staff", query_string={"branch_id": salon.branch_id}, headers=h)
    assert [s["id"] for s in (await r.get_json())["items"]] == [staff_id]
    assert (await client.delete(f"/api/v1/admin/staff/{staff_id}", headers=h)).status_code == 204
    assert (await client.delete(f"/api/v1/admin/services/{cut}", headers=h)).status_code == 204
    r = await client.get("/api/v1/services")
    assert [s["name"] for s in (await r.get_json())["items"]] == ["colour"]


async def test_a_vacation_range_is_a_day_off_on_every_date_of_it(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=1)
    h, staff_id = salon.headers, salon.staff[0]
    r = await client.patch(f"/api/v1/admin/staff/{staff_id}", headers=h, json={"exceptions": [
        {"date_from": "2026-03-10", "date_to": "2026-03-12", "intervals": []},
        {"date": "2026-03-14", "intervals": [["12:00", "15:00"]]}]})
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (await r.get_json())["exceptions"] == [
        {"date": "2026-03-10", "intervals": []}, {"date": "2026-03-11", "intervals": []},
        {"date": "2026-03-12", "intervals": []}, {"date": "2026-03-14", "intervals": [["12:00", "15:00"]]}]
    r = await client.get("/api/v1/dashboard/slots", headers=h, query_string={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"],
        "date_from": "2026-03-09", "date_to": "2026-03-14"})
    free = await r.get_json()
    days = {d["date"]: d["free"] for d in free["days"]}
    assert days["2026-03-09"] and days["2026-03-13"]  # around the vacation: working
    assert days["2026-03-10"] == days["2026-03-11"] == days["2026-03-12"] == 0
    on_14th = sorted(s["start"][11:16] for s in free["slots"] if s["start"].startswith("2026-03-14"))
    assert on_14th and on_14th[0] == "12:00" and on_14th[-1] < "15:00"


@pytest.mark.parametrize("item", [
    {"date_from": "2026-03-12", "date_to": "2026-03-10"},
    {"date": "2026-03-10", "date_from": "2026-03-10", "date_to": "2026-03-11"},
    {"date_from": "2026-03-10"},
    {"intervals": []},
    {"date_from": "2026-01-01", "date_to": "2027-06-01"},
])
async def test_bad_vacation_ranges_are_400_and_change_nothing(harness: Harness, item: dict[str, Any]) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=1)
    before = await harness.z.journal.last_seq()
    r = await client.patch(f"/api/v1/admin/staff/{salon.staff[0]}", headers=salon.headers, json={"exceptions": [item]})
    await problem_of(r, 400, "validation_error")
    assert await harness.z.journal.last_seq() == before


@pytest.mark.parametrize(
    ("schedule", "fragment"),
    [
        ({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, "overlap"),
        ({"mon": [["18:00", "09:00"]]}, "ends before it starts"),
        ({"monday": [["09:00", "18:00"]]}, "unknown weekday"),
        ({"mon": [["09:00", "25:00"]]}, "no such time"),
        ({"mon": [["9am", "18:00"]]}, "schedule.mon"),
    ],
)
async def test_bad_schedules_are_400_and_change_nothing(harness: Harness, schedule: Any, fragment: str) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=0)
    before = await harness.z.journal.last_seq()
    r = await client.post("/api/v1/admin/staff", headers=salon.headers, json={
        "branch_id": salon.branch_id, "name": "X", "service_ids": [], "schedule": schedule})
    body = await problem_of(r, 400, "validation_error")
    assert fragment in body["detail"]
    assert await harness.z.journal.last_seq() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/admin/branches", {"name": "X", "timezone": "Mars/Olympus"}),
        ("/api/v1/admin/branches", {"name": "X", "timezone": "../../etc/passwd"}),
        ("/api/v1/admin/branches", {"name": "", "timezone": "UTC"}),
        ("/api/v1/admin/branches", {"name": "X", "timezone": "UTC", "slot_step_min": "15"}),
        ("/api/v1/admin/branches", {"name": "X", "timezone": "UTC", "colour": "red"}),
        ("/api/v1/admin/services", {"name": "X", "price": "abc", "duration_min": 30, "branch_ids": ["x"]}),
        ("/api/v1/admin/services", {"name": "X", "price": "10.001", "duration_min": 30, "branch_ids": ["x"]}),
        ("/api/v1/admin/services", {"name": "X", "price": "10", "duration_min": 30, "branch_ids": ["nope"]}),
        ("/api/v1/admin/staff", {"branch_id": "nope", "name": "X", "service_ids": [], "schedule": {}}),
        ("/api/v1/admin/staff", {"name": "X"}),
        ("/api/v1/admin/staff", {"branch_id": "x", "name": "X", "service_ids": [], "schedule": EVERY_DAY_9_TO_18,
                                 "exceptions": [{"date": "2026-02-30", "intervals": []}]}),
    ],
)
async def test_bad_catalogue_input_is_a_4xx_problem(harness: Harness, path: str, body: Any) -> None:
    client = await harness.start()
    h = await harness.admin_headers()
    before = await harness.z.journal.last_seq()
    r = await client.post(path, json=body, headers=h)
    assert r.status_code in (400, 404), await r.get_data(as_text=True)
    assert (await r.get_json())["code"] in ("validation_error", "not_found")
    assert await harness.z.journal.last_seq() == before


async def test_malformed_bodies_are_problem_documents(harness: Harness) -> None:
    client = await harness.start()
    h = {**await harness.admin_headers(), "Content-Type": "application/json"}
    for raw in (b"{not json", b"\xff\xfe\x00garbage", b"[]", b"null", b""):
        r = await client.post("/api/v1/admin/branches", data=raw, headers=h)
        await problem_of(r, 400, "validation_error")
    await problem_of(await client.get("/api/v1/nowhere"), 404, "not_found")
    await problem_of(await client.put("/api/v1/branches"), 405, "method_not_allowed")


async def test_admin_endpoints_need_an_admin(harness: Harness) -> None:
    client = await harness.start()
    await problem_of(await client.post("/api/v1/admin/branches", json=BRANCH), 401, "unauthorized")
    await problem_of(await client.post("/api/v1/admin/branches", json={"junk": 1}), 401, "unauthorized")
    manager = await harness.user("mgr", "manager", ("*",))
    r = await client.post("/api/v1/admin/branches", json=BRANCH, headers={"Authorization": f"Bearer {manager}"})
    await problem_of(r, 403, "forbidden")


async def test_login_issues_a_token_that_opens_admin_endpoints(harness: Harness) -> None:
    client = await harness.start()
    await harness.user()  # admin / password-123
    r = await client.post("/api/v1/auth/login", json={"login": "admin", "password": "wrong-password"})
    await problem_of(r, 401, "unauthorized")
    r = await client.post("/api/v1/auth/login", json={"login": "ghost", "password": "password-123"})
    await problem_of(r, 401, "unauthorized")
    r = await client.post("/api/v1/auth/login", json={"login": "admin", "password": "password-123"})
    token = await r.get_json()
    assert token["token_type"] == "bearer" and token["expires_in"] > 0
    r = await client.get("/api/v1/admin/branches", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 200
    harness.clock.advance(token["expires_in"] + 1)
    r = await client.get("/api/v1/admin/branches", headers={"Authorization": f"Bearer {token['access_token']}"})
    await problem_of(r, 401, "unauthorized")


async def test_logins_are_rate_limited(harness: Harness) -> None:
    harness.overrides["logins_per_minute"] = 3
    client = await harness.start()
    for _ in range(3):
        r = await client.post("/api/v1/auth/login", json={"login": "admin", "password": "guess-guess"})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", json={"login": "admin", "password": "guess-guess"})
    await problem_of(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0


async def test_catalogue_through_a_real_hypercorn(harness: Harness) -> None:
    await harness.start()
    h = await harness.admin_headers()
    async with harness.serve() as url, httpx.AsyncClient(base_url=url) as http:
        r = await http.post("/api/v1/admin/branches", json=BRANCH, headers=h)
        assert r.status_code == 201
        r = await http.get("/api/v1/branches")
        assert [b["name"] for b in r.json()["items"]] == ["Центр"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        r = await http.get("/readyz")
        assert r.json() == {"status": "ready"}
