"""A small salon built through the admin API, for tests that need a calendar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.harness import Harness

EVERY_DAY_9_TO_18 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@dataclass
class Salon:
    branch_id: str
    services: dict[str, str]  # name -> id
    staff: list[str]  # ids
    headers: dict[str, str]  # admin's


async def seed_salon(
    h: Harness,
    client: Any,
    *,
    timezone: str = "Europe/Moscow",
    staff: int = 2,
    schedule: dict[str, list[list[str]]] | None = None,
    services: tuple[tuple[str, int, int], ...] = (("cut", 60, 0), ("colour", 90, 15)),
    **branch: Any,
) -> Salon:
    headers = await h.admin_headers()
    r = await client.post("/api/v1/admin/branches", json={"name": "Salon", "timezone": timezone, **branch},
                          headers=headers)
    assert r.status_code == 201, await r.get_data(as_text=True)
    branch_id = (await r.get_json())["id"]
    svc_ids: dict[str, str] = {}
    for name, minutes, buffer in services:
        r = await client.post("/api/v1/admin/services", headers=headers, json={
            "name": name, "price": "1500.00", "duration_min": minutes, "buffer_min": buffer,
            "branch_ids": [branch_id]})
        assert r.status_code == 201, await r.get_data(as_text=True)
        svc_ids[name] = (await r.get_json())["id"]
    staff_ids = []
    for i in range(staff):
        r = await client.post("/api/v1/admin/staff", headers=headers, json={
            "branch_id": branch_id, "name": f"Master {i + 1}", "service_ids": list(svc_ids.values()),
            "schedule": schedule or EVERY_DAY_9_TO_18})
        assert r.status_code == 201, await r.get_data(as_text=True)
        staff_ids.append((await r.get_json())["id"])
    return Salon(branch_id, svc_ids, staff_ids, headers)
