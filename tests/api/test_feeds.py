"""Masters' calendar feeds (SPEC §9.4), parsed back with ``icalendar``, on both journals.

The salon: Moscow, two masters, T0 = Monday 2026-03-02 09:00 local (06:00 UTC).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import icalendar
import pytest

from actors.core.model import Status
from actors.core.schedule import zone
from storage.postgres import PostgresJournal
from tests.harness import Harness
from tests.pg import fresh_pg_schema, require_pg_url
from tests.seed import Salon, seed_salon

ADDRESS = "Москва, ул. Примерная, 1"


def local(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=zone("Europe/Moscow")).isoformat()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone("Europe/Moscow")).astimezone(UTC)


async def book(client: Any, salon: Salon, staff: str, start: str, name: str, phone: str,
               service: str = "cut") -> dict[str, Any]:
    r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={
        "branch_id": salon.branch_id, "service_id": salon.services[service], "start": local(start),
        "staff_id": staff, "client": {"phone": phone, "name": name}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def issue(client: Any, staff_id: str, headers: dict[str, str], **extra: Any) -> str:
    r = await client.post(f"/api/v1/admin/staff/{staff_id}/ical", headers={**headers, **extra})
    assert r.status_code == 201, await r.get_data(as_text=True)
    url: str = (await r.get_json())["url"]
    return url


async def fetch(client: Any, url: str) -> tuple[int, Any]:
    parts = urlsplit(url)
    r = await client.get(parts.path)
    if r.status_code != 200:
        return r.status_code, await r.get_json()
    assert r.content_type == "text/calendar; charset=utf-8"
    return 200, icalendar.Calendar.from_ical(await r.get_data())


def events(cal: Any) -> dict[str, Any]:
    found = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert len(found) == len(list(cal.walk("VEVENT"))), "one event per appointment"
    return found


async def salon_of(h: Harness) -> tuple[Any, Salon]:
    client = await h.start()
    salon = await seed_salon(h, client, address=ADDRESS)
    return client, salon


async def test_feed_holds_the_masters_visits_in_utc(harness: Harness) -> None:
    client, salon = await salon_of(harness)
    anna, olga = salon.staff
    today = await book(client, salon, anna, "2026-03-02T12:00", "Петрова Ирина Сергеевна", "+79990001122")
    later = await book(client, salon, anna, "2026-03-03T10:00", "Олег Сидоров", "+79990003344", "colour")
    await book(client, salon, olga, "2026-03-02T13:00", "Мария Козлова", "+79990005566")  # another master's
    await book(client, salon, anna, "2026-04-20T10:00", "Вера Орлова", "+79990007788")  # past the 30-day horizon
    url = await issue(client, anna, salon.headers)
    assert url.startswith("http://localhost/api/v1/feeds/" + anna + "/") and url.endswith(".ics")

    status, cal = await fetch(client, url)
    assert status == 200
    assert cal["VERSION"] == "2.0" and "Master 1" in str(cal["X-WR-CALNAME"])
    got = events(cal)
    assert set(got) == {today["id"], later["id"]}
    first = got[today["id"]]
    assert first.decoded("DTSTART") == utc("2026-03-02T12:00") == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert first.decoded("DTEND") == utc("2026-03-02T13:00")
    assert first.to_ical().decode().count("DTSTART:20260302T090000Z") == 1  # UTC form, no TZID
    assert str(first["SUMMARY"]) == "cut · Ирина"  # the first name only: no surname, no phone
    assert "Петрова" not in cal.to_ical().decode() and "1122" not in cal.to_ical().decode()
    assert str(first["LOCATION"]) == ADDRESS
    assert str(first["STATUS"]) == "CONFIRMED"  # a manager's booking is confirmed at once
    assert "запись подтверждена" in str(first["DESCRIPTION"])
    assert str(got[later["id"]]["SUMMARY"]) == "colour · Олег"


async def test_uid_is_stable_across_a_reschedule_and_a_cancellation_is_marked(harness: Harness) -> None:
    client, salon = await salon_of(harness)
    anna = salon.staff[0]
    visit = await book(client, salon, anna, "2026-03-03T10:00", "Олег Сидоров", "+79990003344")
    url = await issue(client, anna, salon.headers)
    _, cal = await fetch(client, url)
    before = events(cal)[visit["id"]]

    scheduler = harness.z.scheduler  # (the manager's move, as PATCH …/reschedule makes it)
    await scheduler.reschedule(visit["id"], int(utc("2026-03-04T15:00").timestamp()), None, None, "user:admin")
    _, cal = await fetch(client, url)
    moved = events(cal)
    assert list(moved) == [visit["id"]]  # moved, not a second event
    assert moved[visit["id"]].decoded("DTSTART") == utc("2026-03-04T15:00")
    assert moved[visit["id"]].decoded("SEQUENCE") > before.decoded("SEQUENCE")

    await scheduler.change_status(visit["id"], Status.CANCELLED, None, "user:admin")
    _, cal = await fetch(client, url)
    assert str(events(cal)[visit["id"]]["STATUS"]) == "CANCELLED"


async def test_the_window_is_seven_days_back_to_the_horizon(harness: Harness) -> None:
    client, salon = await salon_of(harness)
    anna = salon.staff[0]
    old = await book(client, salon, anna, "2026-03-02T12:00", "Ирина", "+79990001122")
    kept = await book(client, salon, anna, "2026-03-05T12:00", "Олег", "+79990003344")
    url = await issue(client, anna, salon.headers)
    harness.clock.set(datetime(2026, 3, 11, 6, 0, tzinfo=UTC))  # local midnight 7 days back: the 4th
    _, cal = await fetch(client, url)
    assert set(events(cal)) == {kept["id"]}
    assert old["id"] not in events(cal)


async def test_a_new_url_revokes_the_old_one_everywhere_and_after_a_restart(harness: Harness) -> None:
    client, salon = await salon_of(harness)
    anna, olga = salon.staff
    first = await issue(client, anna, salon.headers)
    second = await issue(client, anna, salon.headers)
    assert first != second
    status, problem = await fetch(client, first)
    assert status == 404 and problem["code"] == "not_found"
    assert (await fetch(client, second))[0] == 200
    token = urlsplit(second).path.rsplit("/", 1)[1]
    assert (await fetch(client, f"/api/v1/feeds/{olga}/{token}"))[0] == 404  # another master, same token
    assert (await fetch(client, f"/api/v1/feeds/{anna}/x{token}"))[0] == 404
    assert (await fetch(client, f"/api/v1/feeds/{olga}/nothing-issued.ics"))[0] == 404
    assert (await fetch(client, "/api/v1/feeds/nobody/whatever.ics"))[0] == 404

    await harness.z.runtime.snapshot()  # the hash survives a snapshot...
    client = await harness.restart()
    assert (await fetch(client, second))[0] == 200
    assert (await fetch(client, first))[0] == 404
    harness.z.runtime.snapshot_on_stop = False  # ...and a replay of the journal alone
    third = await issue(client, anna, await harness.admin_headers())
    client = await harness.restart()
    assert (await fetch(client, third))[0] == 200
    assert (await fetch(client, second))[0] == 404

    r = await client.delete(f"/api/v1/admin/staff/{anna}", headers=await harness.admin_headers())
    assert r.status_code == 204
    assert (await fetch(client, third))[0] == 404  # a removed master has no feed


async def test_only_admins_issue_urls_and_the_journal_names_it(harness: Harness) -> None:
    client, salon = await salon_of(harness)
    anna = salon.staff[0]
    assert (await client.post(f"/api/v1/admin/staff/{anna}/ical")).status_code == 401
    manager = {"Authorization": f"Bearer {await harness.user('anna', 'manager')}"}
    assert (await client.post(f"/api/v1/admin/staff/{anna}/ical", headers=manager)).status_code == 403
    r = await client.post("/api/v1/admin/staff/nobody/ical", headers=salon.headers)
    assert r.status_code == 404
    url = await issue(client, anna, salon.headers)
    token = urlsplit(url).path.rsplit("/", 1)[1].removesuffix(".ics")
    r = await client.get("/api/v1/system/journal", query_string={"type": "staff.updated"}, headers=salon.headers)
    page = await r.get_json()
    last = page["events"][-1]
    assert "новая ссылка на календарь" in last["text"]
    assert token not in str(page)  # only its hash is journaled


async def test_the_url_names_the_public_address(harness: Harness) -> None:
    harness.overrides["public_url"] = "https://zapis.example.com/salon"
    client, salon = await salon_of(harness)
    url = await issue(client, salon.staff[0], salon.headers, **{"X-Forwarded-Host": "evil.example"})
    assert url.startswith("https://zapis.example.com/salon/api/v1/feeds/")


@pytest.mark.parametrize("hops", [0, 1])
async def test_forwarded_headers_count_only_behind_trusted_proxies(harness: Harness, hops: int) -> None:
    harness.overrides["trusted_proxy_hops"] = hops
    client, salon = await salon_of(harness)
    url = await issue(client, salon.staff[0], salon.headers,
                      **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "zapis.example.com"})
    expected = "https://zapis.example.com/" if hops else "http://localhost/"
    assert url.startswith(expected)


async def test_a_url_issued_on_one_process_works_at_once_on_another(tmp_path: Path) -> None:
    url = require_pg_url()
    async with fresh_pg_schema(url) as schema:
        # The poll is slow: process B learns of A's commit by catching up on demand.
        a = Harness(lambda: PostgresJournal(url, schema=schema, poll_s=30.0), tmp_path / "a")
        b = Harness(lambda: PostgresJournal(url, schema=schema, poll_s=30.0), tmp_path / "b")
        try:
            client_a, salon = await salon_of(a)
            client_b = await b.start()
            first = await issue(client_a, salon.staff[0], salon.headers)
            assert (await fetch(client_b, first))[0] == 200
            second = await issue(client_a, salon.staff[0], salon.headers)
            assert (await fetch(client_b, first))[0] == 404
            assert (await fetch(client_b, second))[0] == 200
        finally:
            await b.stop()
            await a.stop()


def test_first_name_of_a_full_name() -> None:
    from api.feeds import first_name

    assert first_name("Петрова Ирина Сергеевна") == "Ирина"  # «Фамилия Имя Отчество»
    assert first_name("Ирина Сергеевна Петрова") == "Ирина"
    assert first_name("Ирина Петрова") == "Ирина"
    assert first_name("  Олег  ") == "Олег"
    assert first_name("") == ""


def test_the_window_follows_local_midnights_across_a_dst_change() -> None:
    from actors.core.model import Branch
    from api.feeds import window

    berlin = Branch("b", "Berlin", "Europe/Berlin", horizon_days=2)
    now = datetime(2026, 3, 30, 10, 0, tzinfo=UTC).timestamp()  # Monday after the spring change (29th)
    first, last = window(berlin, now)
    assert datetime.fromtimestamp(first, UTC) == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)  # 23rd 00:00 CET
    assert datetime.fromtimestamp(last, UTC) == datetime(2026, 4, 1, 22, 0, tzinfo=UTC)  # 2nd 00:00 CEST


def test_public_url_and_metrics_token_from_the_environment() -> None:
    from settings import Settings, SettingsError

    s = Settings.from_env({"ZAPIS_PUBLIC_URL": "https://zapis.example.com/salon/", "ZAPIS_METRICS_TOKEN": "t0ken"})
    assert s.public_url == "https://zapis.example.com/salon" and s.metrics_token == "t0ken"
    assert "t0ken" not in repr(s)
    assert Settings.from_env({}).public_url is None and Settings.from_env({}).metrics_token is None
    for bad in ("zapis.example.com", "ftp://zapis.example.com", "https://", "https://a b"):
        with pytest.raises(SettingsError, match="ZAPIS_PUBLIC_URL"):
            Settings.from_env({"ZAPIS_PUBLIC_URL": bad})
