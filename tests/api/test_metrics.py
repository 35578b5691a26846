"""``GET /metrics`` (SPEC §9.4) parsed back with prometheus_client's own parser, on both journals."""

from __future__ import annotations

from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.dashboard.helpers import feed
from tests.harness import Harness
from tests.seed import seed_salon


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample as {(name, sorted labels): value}."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client: Any, **headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await client.get("/metrics", headers=headers)
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert r.content_type.startswith("text/plain; version=0.0.4")
    return samples(await r.get_data(as_text=True))


async def test_counters_match_the_requests_made(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=2)
    for _ in range(3):
        assert (await client.get("/healthz")).status_code == 200
    for staff_id in salon.staff:  # two ids, one route template
        assert (await client.get(f"/api/v1/admin/staff/{staff_id}", headers=salon.headers)).status_code == 200
    assert (await client.get("/api/v1/admin/staff/nobody", headers=salon.headers)).status_code == 404
    assert (await client.get("/api/v1/admin/staff/nobody")).status_code == 401
    assert (await client.get("/no/such/page/12345")).status_code == 404
    assert (await client.open("/healthz", method="BREW")).status_code == 405

    got = await scrape(client)
    total = "zapis_http_requests_total"
    assert value(got, total, method="GET", route="/healthz", status="200") == 3
    assert value(got, total, method="GET", route="/api/v1/admin/staff/<staff_id>", status="200") == 2
    assert value(got, total, method="GET", route="/api/v1/admin/staff/<staff_id>", status="404") == 1
    assert value(got, total, method="GET", route="/api/v1/admin/staff/<staff_id>", status="401") == 1
    assert value(got, total, method="GET", route="<unmatched>", status="404") == 1
    assert value(got, total, method="OTHER", route="<unmatched>", status="405") == 1  # no rule matched it
    assert value(got, total, method="POST", route="/api/v1/admin/staff", status="201") == 2
    # the histogram counts the same requests; no label holds an id or a raw path
    assert value(got, "zapis_http_request_duration_seconds_count", method="GET", route="/healthz", status="200") == 3
    assert value(got, "zapis_http_request_duration_seconds_bucket", method="GET", route="/healthz", status="200",
                 le="+Inf") == 3
    routes = {dict(labels)["route"] for (name, labels) in got if name == total}
    assert not any(s in r for r in routes for s in (*salon.staff, "nobody", "12345"))

    # the journal: every event this process appended, by type, in committed batches
    appended = {dict(labels)["type"]: v for (name, labels), v in got.items() if name == "zapis_events_appended_total"}
    assert appended["branch.opened"] == 1 and appended["service.added"] == 2 and appended["staff.added"] == 2
    assert appended["user.created"] == 1
    batches = value(got, "zapis_journal_batch_events_count")
    assert 1 <= batches <= sum(appended.values())
    assert value(got, "zapis_journal_batch_events_sum") == sum(appended.values())
    assert value(got, "zapis_journal_commit_duration_seconds_count") == batches
    assert value(got, "zapis_actors", kind="branch") == 1 and value(got, "zapis_actors", kind="clients") == 1
    assert value(got, "zapis_mailbox_depth", kind="branch") == 0
    assert ("process_cpu_seconds_total", ()) in got

    again = await scrape(client)  # the scrape itself is a request like any other
    assert value(again, total, method="GET", route="/metrics", status="200") == 1

    client = await harness.restart()  # a new app starts from zero: each app has its own registry
    fresh = await scrape(client)
    assert value(fresh, total, method="GET", route="/healthz", status="200") == 0
    assert value(fresh, "zapis_actors", kind="branch") == 1


async def test_open_sockets(harness: Harness) -> None:
    await harness.start()
    token = await harness.user()
    async with harness.serve() as base, httpx.AsyncClient(base_url=base) as http:
        async with feed(base, token), feed(base, token):
            got = samples((await http.get("/metrics")).text)
            assert value(got, "zapis_open_sockets") == 2
        await harness.z.hub.wait_idle()  # type: ignore[union-attr]
        got = samples((await http.get("/metrics")).text)
        assert value(got, "zapis_open_sockets") == 0


async def test_the_token_guards_the_scrape(harness: Harness) -> None:
    harness.overrides["metrics_token"] = "scrape-secret-123"
    client = await harness.start()
    r = await client.get("/metrics")
    assert r.status_code == 401 and (await r.get_json())["code"] == "unauthorized"
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
    admin = await harness.admin_headers()  # a manager's JWT is not the scrape token either
    assert (await client.get("/metrics", headers=admin)).status_code == 401
    got = await scrape(client, Authorization="Bearer scrape-secret-123")
    assert value(got, "zapis_http_requests_total", method="GET", route="/metrics", status="401") == 3
