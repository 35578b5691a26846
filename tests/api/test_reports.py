"""KPIs against a hand-computed scenario: a repeat visit across two branches and a
period boundary that falls on different days in local time and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from actors.core.messages import BookSlot, ChangeStatus
from actors.core.model import Status
from actors.core.schedule import zone
from tests.harness import Harness
from tests.seed import seed_salon

MONEY_KEYS = {"revenue", "average_check", "no_show_rate", "by_source", "by_staff"}
ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def local(text: str, tz: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=zone(tz)).timestamp())


async def scenario(h: Harness) -> tuple[str, str, dict[str, str]]:
    client = await h.start()
    a = await seed_salon(h, client, timezone="Europe/Moscow", staff=1, schedule=ALL_DAY)
    b = await seed_salon(h, client, timezone="Asia/Vladivostok", staff=1, schedule=ALL_DAY)
    rt = h.z.runtime
    cut_a = rt.catalogue.committed.services[a.services["cut"]]
    cut_b = rt.catalogue.committed.services[b.services["cut"]]
    A, B = rt.branch(a.branch_id), rt.branch(b.branch_id)

    async def book(actor: Any, aid: str, who: str, svc: Any, start: int, status: Status | None) -> None:
        await actor.ask(BookSlot(aid, who, service=svc, start=start, by_manager=True, source="manual"))
        if status is not None:
            await actor.ask(ChangeStatus(aid, status))

    # all created at T0 = 2026-03-02 06:00 UTC, which is the 2nd in both zones
    await book(B, "1", "x", cut_b, local("2026-03-02T18:00", "Asia/Vladivostok"), Status.DONE)
    await book(A, "2", "x", cut_a, local("2026-03-03T23:00", "Europe/Moscow"), Status.DONE)
    await book(A, "3", "y", cut_a, local("2026-03-03T12:00", "Europe/Moscow"), Status.DONE)
    await book(A, "4", "z", cut_a, local("2026-03-04T00:00", "Europe/Moscow"), Status.CANCELLED)  # 3rd in UTC
    await book(A, "5", "z", cut_a, local("2026-03-03T15:00", "Europe/Moscow"), Status.NO_SHOW)
    await book(A, "6", "y", cut_a, local("2026-03-03T16:00", "Europe/Moscow"), None)
    h.clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    await book(A, "7", "x", cut_a, local("2026-03-05T10:00", "Europe/Moscow"), None)  # created on the 3rd
    return a.branch_id, b.branch_id, await h.admin_headers()  # a fresh token: the clock moved


async def report(h: Harness, headers: dict[str, str], **query: str) -> Any:
    r = await h.client().get("/api/v1/system/reports", query_string=query, headers=headers)
    assert r.status_code == 200, await r.get_data(as_text=True)
    return await r.get_json()


async def test_kpis_across_branches_in_local_dates(harness: Harness) -> None:
    a, b, admin = await scenario(harness)
    got = await report(harness, admin, date_from="2026-03-03", date_to="2026-03-03")
    # starting on the 3rd locally: 2 (done, x's second done visit), 3 (done), 5 (no-show), 6 (new)
    counts = {k: v for k, v in got.items() if k not in MONEY_KEYS}  # money: tests/api/test_report_money.py
    assert counts == {
        "new_requests": 1, "appointments": 4, "open": 1, "done": 2, "completed_pct": 50.0, "cancelled": 0,
        "no_show": 1, "repeat_visits": 1, "repeat_clients_pct": 50.0,
        "by_day": [{"date": "2026-03-03", "new_requests": 1, "appointments": 4, "open": 1, "done": 2,
                    "cancelled": 0, "no_show": 1, "revenue": {"RUB": "3000.00"}}],
    }
    assert set(got) - set(counts) == MONEY_KEYS
    got = await report(harness, admin, date_from="2026-03-04", date_to="2026-03-04", branch_id=a)
    assert (got["appointments"], got["cancelled"], got["completed_pct"]) == (1, 1, 0.0)
    got = await report(harness, admin, date_from="2026-03-02", date_to="2026-03-04", branch_id=b)
    # x's first done visit is not a repeat; created on the 2nd in Vladivostok
    assert (got["new_requests"], got["appointments"], got["done"], got["repeat_visits"]) == (1, 1, 1, 0)
    assert [d["date"] for d in got["by_day"]] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert got["by_day"][0]["done"] == 1


async def test_day_rows_add_up_to_the_totals(harness: Harness) -> None:
    """A chart drawn from ``by_day`` counts what the tiles count: every status, each visit once."""
    await scenario(harness)
    got = await report(harness, await harness.admin_headers(), date_from="2026-03-01", date_to="2026-03-07")
    assert got["appointments"] == 7 and got["new_requests"] == 7
    assert got["appointments"] == got["open"] + got["done"] + got["cancelled"] + got["no_show"]
    for key in ("new_requests", "appointments", "open", "done", "cancelled", "no_show"):
        assert sum(day[key] for day in got["by_day"]) == got[key], key
    for day in got["by_day"]:
        assert day["appointments"] == day["open"] + day["done"] + day["cancelled"] + day["no_show"], day
    # an upcoming visit (booked on the 3rd for the 5th) counts on its day, still open
    fifth = next(d for d in got["by_day"] if d["date"] == "2026-03-05")
    assert (fifth["appointments"], fifth["open"]) == (1, 1)


async def test_managers_see_only_their_branches(harness: Harness) -> None:
    a, b, _ = await scenario(harness)
    token = await harness.user("anna", "manager", (b,))
    headers = {"Authorization": f"Bearer {token}"}
    r = await harness.client().get("/api/v1/system/reports", headers=headers,
                                   query_string={"date_from": "2026-03-03", "date_to": "2026-03-03", "branch_id": a})
    assert r.status_code == 403 and (await r.get_json())["code"] == "forbidden"
    got = await report(harness, headers, date_from="2026-03-02", date_to="2026-03-03")
    assert got["appointments"] == 1  # only branch B's visit on the 2nd


async def test_bad_report_queries_are_400(harness: Harness) -> None:
    await harness.start()
    headers = await harness.admin_headers()
    for query in ({"date_from": "2026-03-05", "date_to": "2026-03-01"},
                  {"date_from": "2026-02-30", "date_to": "2026-03-01"},
                  {"date_from": "2025-01-01", "date_to": "2026-03-01"},
                  {"date_to": "2026-03-01"}):
        r = await harness.client().get("/api/v1/system/reports", query_string=query, headers=headers)
        assert r.status_code == 400 and (await r.get_json())["code"] == "validation_error", query
    r = await harness.client().get("/api/v1/system/reports", query_string={"date_from": "2026-03-01"})
    assert r.status_code == 401
