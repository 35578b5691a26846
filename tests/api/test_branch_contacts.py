"""The salon's phone and place on a branch (SPEC §9.6): admin API, ``GET /branches``, journal, replay."""

from __future__ import annotations

from typing import Any

import pytest

from actors.core.branch_state import BranchState, evolve
from actors.core.messages import BranchOpened, BranchUpdated
from actors.snapshot import decode_state, encode_state
from tests.harness import Harness

BRANCH = {"name": "Центр", "timezone": "Europe/Moscow", "address": "ул. Ленина, 1"}
URL = "/api/v1/admin/branches"


async def test_phone_and_location_are_set_shown_cleared_and_survive_a_restart(harness: Harness) -> None:
    client = await harness.start()
    h = await harness.admin_headers()
    r = await client.post(URL, headers=h, json={**BRANCH, "phone": "8 (495) 123-45-67",
                                                "location": {"lat": 55.7558, "lon": 37.6173}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    branch = await r.get_json()
    assert branch["phone"] == "+74951234567"  # E.164 through phonenumbers
    assert branch["location"] == {"lat": 55.7558, "lon": 37.6173}
    public = (await (await client.get("/api/v1/branches")).get_json())["items"][0]
    assert public["phone"] == "+74951234567" and public["location"] == {"lat": 55.7558, "lon": 37.6173}
    card = await (await client.get(f"/api/v1/branches/{branch['id']}")).get_json()
    assert card["phone"] == "+74951234567"

    r = await client.patch(f"{URL}/{branch['id']}", headers=h, json={"location": {"lat": -33.9, "lon": 151.2}})
    assert (await r.get_json())["location"] == {"lat": -33.9, "lon": 151.2}
    assert (await r.get_json())["phone"] == "+74951234567"  # untouched when not sent
    client = await harness.restart()  # snapshot on a clean stop
    r = await client.get(f"{URL}/{branch['id']}", headers=h)
    assert (await r.get_json())["location"] == {"lat": -33.9, "lon": 151.2}
    assert harness.z.scheduler.branch(branch["id"]).location == (-33.9, 151.2)

    r = await client.patch(f"{URL}/{branch['id']}", headers=h, json={"phone": None, "location": None})
    cleared = await r.get_json()
    assert cleared["phone"] is None and cleared["location"] is None

    page = await (await client.get("/api/v1/system/journal", headers=h,
                                   query_string={"type": "branch.updated", "limit": 100})).get_json()
    texts = [e["text"] for e in page["events"]]
    assert any("место на карте" in t for t in texts), texts
    assert any("телефон" in t for t in texts), texts


async def test_a_branch_without_them_reads_null(harness: Harness) -> None:
    client = await harness.start()
    r = await client.post(URL, headers=await harness.admin_headers(), json=BRANCH)
    body = await r.get_json()
    assert body["phone"] is None and body["location"] is None


@pytest.mark.parametrize("extra, fragment", [
    ({"phone": "12"}, "phone"),
    ({"phone": "позвоните"}, "phone"),
    ({"location": {"lat": 91, "lon": 0}}, "lat"),
    ({"location": {"lat": 0, "lon": -180.5}}, "lon"),
    ({"location": {"lat": 10}}, "lon"),
    ({"location": [55.7, 37.6]}, "location"),
    ({"location": {"lat": 55.7, "lon": False}}, "lon"),  # found by the schema fuzz: a bool read as 0
    ({"location": {"lat": "55.7", "lon": 37.6}}, "lat"),
])
async def test_bad_phone_or_location_is_a_400(harness: Harness, extra: dict[str, Any], fragment: str) -> None:
    client = await harness.start()
    h = await harness.admin_headers()
    r = await client.post(URL, headers=h, json={**BRANCH, **extra})
    assert r.status_code == 400, await r.get_data(as_text=True)
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert fragment in await r.get_data(as_text=True)
    assert (await (await client.get("/api/v1/branches")).get_json())["items"] == []


def test_old_events_replay_and_the_snapshot_keeps_the_tuple() -> None:
    state = evolve(BranchState(), BranchOpened("b1", "Центр", "Europe/Moscow", "", 15, 30, 60, 120))
    assert state.branch is not None and state.branch.phone is None and state.branch.location is None
    state = evolve(state, BranchUpdated({"phone": "+74951234567", "location": [55.75, 37.61]}))
    assert state.branch is not None and state.branch.location == (55.75, 37.61)
    back = decode_state(encode_state(state))
    assert isinstance(back, BranchState) and back.branch == state.branch
