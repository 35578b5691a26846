from tests.harness import Harness
from tests.seed import seed_salon


async def test_seeded_salon_survives_restart(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client)
    r = await client.get("/api/v1/branches")
    assert [b["id"] for b in (await r.get_json())["items"]] == [salon.branch_id]
    client = await harness.restart()
    r = await client.get("/api/v1/services", query_string={"branch_id": salon.branch_id})
    assert sorted(s["name"] for s in (await r.get_json())["items"]) == ["colour", "cut"]
