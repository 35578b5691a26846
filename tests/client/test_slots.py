"""GET /slots/available: the days summary, staff filter, and DST nights in Europe/Berlin."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tests.client.kit import at, register, salon_with_clients, slots, start, tma
from tests.harness import Harness
from tests.seed import seed_salon

A = 1001
BERLIN = ZoneInfo("Europe/Berlin")
ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


async def test_days_summary_counts_distinct_free_starts(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    r = await client.get("/api/v1/slots/available", headers=tma(harness, A), query_string={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"],
        "date_from": "2026-03-01", "date_to": "2026-03-04"})
    answer = await r.get_json()
    assert answer["timezone"] == "Europe/Moscow"
    days = {d["date"]: d["free"] for d in answer["days"]}
    assert list(days) == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]
    # Sunday is past (0); Monday from 10:00 (notice) to 17:00 → 29 starts; a full day 09:00–17:00 → 33.
    assert days == {"2026-03-01": 0, "2026-03-02": 29, "2026-03-03": 33, "2026-03-04": 33}
    assert len(answer["slots"]) == 2 * (29 + 33 + 33)  # two masters
    starts = [(s["start"], s["staff_id"]) for s in answer["slots"]]
    assert starts == sorted(starts, key=lambda p: (datetime.fromisoformat(p[0]), p[1]))
    assert answer["slots"][0] == {"start": at("10:00"), "end": at("11:00"), "staff_id": min(salon.staff)}
    one = await slots(client, harness, A, salon, staff_id=salon.staff[1])
    assert {s["staff_id"] for s in one["slots"]} == {salon.staff[1]} and one["days"][0]["free"] == 29


async def _berlin_day(harness: Harness, day: date, *, whole: bool = True) -> list[datetime]:
    """Free starts of the one all-day master on ``day``, as aware datetimes, asserting the answer's shape."""
    client = harness.client()
    salon = harness.salon  # type: ignore[attr-defined]
    answer = await slots(client, harness, A, salon, day=day, service="hour")
    assert answer["days"] == [{"date": day.isoformat(), "free": len(answer["slots"])}]
    out = []
    for s in answer["slots"]:
        start, end = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        assert end.timestamp() - start.timestamp() == 3600  # real duration, whatever the offsets
        assert start.utcoffset() == start.astimezone(BERLIN).utcoffset()  # the right offset for the instant
        assert start.astimezone(BERLIN).date() == day
        out.append(start)
    instants = [s.timestamp() for s in out]
    assert instants == sorted(set(instants))  # no duplicates
    if whole:  # nothing booked: no gaps, a start every 15 real minutes
        assert all(b - a == 900 for a, b in zip(instants, instants[1:]))
    return out


async def _berlin(harness: Harness, now: datetime) -> None:
    harness.clock.set(now)
    client = await start(harness)
    harness.salon = await seed_salon(harness, client, timezone="Europe/Berlin", staff=1,  # type: ignore[attr-defined]
                                     schedule=ALL_DAY, services=(("hour", 60, 0),))
    await register(client, harness, A)


async def test_spring_forward_night_has_no_duplicate_missing_or_shifted_slots(harness: Harness) -> None:
    await _berlin(harness, datetime(2026, 3, 20, tzinfo=UTC))
    normal = await _berlin_day(harness, date(2026, 3, 28))
    short = await _berlin_day(harness, date(2026, 3, 29))  # 02:00 → 03:00, a 23-hour day
    assert len(normal) == 93 and len(short) == 89  # (24 − 1) × 4 + 1 and (23 − 1) × 4 + 1
    walls = [s.strftime("%H:%M%z") for s in short]
    assert walls[:8] == ["00:00+0100", "00:15+0100", "00:30+0100", "00:45+0100",
                         "01:00+0100", "01:15+0100", "01:30+0100", "01:45+0100"]
    assert walls[8] == "03:00+0200" and not any(w.startswith("02:") for w in walls)
    assert walls[-1] == "23:00+0200"
    after = await _berlin_day(harness, date(2026, 3, 30))
    assert len(after) == 93 and after[0].strftime("%H:%M%z") == "00:00+0200"


async def test_fall_back_night_offers_both_repeated_hours(harness: Harness) -> None:
    await _berlin(harness, datetime(2026, 10, 15, tzinfo=UTC))
    long = await _berlin_day(harness, date(2026, 10, 25))  # 03:00 → 02:00, a 25-hour day
    assert len(long) == 97
    walls = [s.strftime("%H:%M%z") for s in long]
    assert walls[8:12] == ["02:00+0200", "02:15+0200", "02:30+0200", "02:45+0200"]
    assert walls[12:16] == ["02:00+0100", "02:15+0100", "02:30+0100", "02:45+0100"]
    assert walls[-1] == "23:00+0100"
    # Both 02:30s are distinct slots: two clients book one each.
    client = harness.client()
    salon = harness.salon  # type: ignore[attr-defined]
    await register(client, harness, 1002)
    for who, start in ((A, "2026-10-25T02:30:00+02:00"), (1002, "2026-10-25T02:30:00+01:00")):
        r = await client.post("/api/v1/appointments", headers=tma(harness, who), json={
            "branch_id": salon.branch_id, "service_id": salon.services["hour"], "start": start})
        assert r.status_code == 201, await r.get_data(as_text=True)
        assert (await r.get_json())["start"] == start
    left = await _berlin_day(harness, date(2026, 10, 25), whole=False)
    # Each booking hides its start and the 3 before and after it; 60 real minutes apart, they share 3.
    assert len(left) == 97 - (2 * 7 - 3)


async def test_ranges_far_from_now_answer_zero_days_not_errors(harness: Harness) -> None:
    client = await start(harness)
    salon = await salon_with_clients(harness, client, A)
    for first, last in (("9999-12-01", "9999-12-31"), ("0001-01-01", "0001-01-31"), ("2026-03-20", "2026-04-19")):
        r = await client.get("/api/v1/slots/available", headers=tma(harness, A), query_string={
            "branch_id": salon.branch_id, "service_id": salon.services["cut"], "date_from": first, "date_to": last})
        assert r.status_code == 200, await r.get_data(as_text=True)
        answer = await r.get_json()
        assert [d["date"] for d in answer["days"]][::len(answer["days"]) - 1] == [first, last]
        # The horizon is 30 days from 2026-03-02 09:00 local: nothing after 2026-04-01.
        assert all(d["free"] == 0 for d in answer["days"] if d["date"] > "2026-04-01")
        assert all(s["start"] < "2026-04-01T09:00:01" for s in answer["slots"])
