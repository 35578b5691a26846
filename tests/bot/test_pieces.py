"""Small pieces: Russian formatting, callback sizes, the public staff list, the webhook route in OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import texts
from bot.callbacks import Confirm, Days, Release, Slot, Times, pack_day, unpack_day
from tests.bot.support import TOKEN
from tests.harness import Harness
from tests.seed import seed_salon

NBSP = "\u00a0"
ID = "A" * 12  # server ids are 12 characters


def test_prices_durations_dates_in_russian() -> None:
    assert texts.price("1500.00", "RUB") == f"1{NBSP}500{NBSP}₽"
    assert texts.price("990.50", "RUB") == f"990,50{NBSP}₽"
    assert texts.price("12", "XYZ") == f"12{NBSP}XYZ"
    assert texts.price("oops", "RUB") == "oops ₽"
    assert [texts.minutes(m) for m in (30, 60, 90, 120)] == ["30 мин", "1 ч", "1 ч 30 мин", "2 ч"]
    moment = datetime(2026, 3, 2, 14, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert texts.when(moment) == "понедельник, 2 марта, 14:00"
    assert texts.day_label(date(2026, 12, 31)) == "чт 31.12"
    assert texts.esc("<b>Анна & Co</b>") == "&lt;b&gt;Анна &amp; Co&lt;/b&gt;"
    assert texts.status("no_show") == "неявка" and texts.status("weird") == "weird"


def test_every_button_fits_telegrams_64_bytes() -> None:
    day = pack_day(date(2026, 3, 2))
    packed = [Slot(branch=ID, service=ID, at=1_900_000_000, staff=ID).pack(),
              Confirm(hold=ID, branch=ID, service=ID, day=day).pack(),
              Release(hold=ID, branch=ID, service=ID, day=day).pack(),
              Times(branch=ID, service=ID, day=day, staff=ID).pack(),
              Days(branch=ID, service=ID, first=day).pack()]
    assert max(len(p.encode()) for p in packed) <= 64
    assert unpack_day(day) == date(2026, 3, 2)
    assert unpack_day("20261399") is None and unpack_day("") is None and unpack_day("2026-03-02") is None


async def test_public_staff_names(harness: Harness) -> None:
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=3)
    r = await client.delete(f"/api/v1/admin/staff/{salon.staff[2]}", headers=salon.headers)
    assert r.status_code == 204
    r = await client.get("/api/v1/staff", query_string={"branch_id": salon.branch_id})  # no auth needed
    assert r.status_code == 200
    items = (await r.get_json())["items"]
    assert [s["name"] for s in items] == ["Master 1", "Master 2"]
    assert set(items[0]) == {"id", "name", "branch_id", "service_ids"}  # nothing private
    r = await client.get("/api/v1/staff", query_string={"branch_id": "nope"})
    assert r.status_code == 404 and (await r.get_json())["code"] == "not_found"
    r = await client.get("/api/v1/staff")
    assert r.status_code == 400 and (await r.get_json())["code"] == "validation_error"


async def test_webhook_route_is_documented_only_in_webhook_mode(harness: Harness) -> None:
    harness.overrides.update(telegram_bot_token=TOKEN, bot_mode="webhook", webhook_secret="abc",
                             telegram_api_url="http://127.0.0.1:9")  # unreachable: retried, never fatal
    client = await harness.start()
    doc = await (await client.get("/openapi.json")).get_json()
    assert "/api/v1/telegram/webhook" in doc["paths"] and "/api/v1/staff" in doc["paths"]
    r = await client.post("/api/v1/telegram/webhook", json={"update_id": 1})
    assert r.status_code == 401
    await harness.stop()
    harness.overrides["bot_mode"] = "off"
    client = await harness.start()
    assert harness.z.bot is None
    doc = await (await client.get("/openapi.json")).get_json()
    assert "/api/v1/telegram/webhook" not in doc["paths"]
    r = await client.post("/api/v1/telegram/webhook", json={"update_id": 1})
    assert r.status_code == 404
