"""Helpers for the client-interface tests: signed initData, registered users, local times."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from api.telegram.initdata import sign_init_data
from tests.harness import Harness
from tests.seed import Salon, seed_salon

TOKEN = "123456:TEST-zapis-client-api-token"
OTHER_BOT = "654321:ANOTHER-bots-token"
MOSCOW = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 3, 2)  # T0's local date in Moscow; T0 is 09:00 local


def tma(h: Harness, tg_id: int, *, token: str = TOKEN, auth_date: float | None = None,
        first_name: str = "Анна") -> dict[str, str]:
    """``Authorization: tma <initData>`` for Telegram user ``tg_id``, signed now (on the test clock)."""
    when = int(h.clock.now() if auth_date is None else auth_date)
    return {"Authorization": "tma " + sign_init_data(token, {"id": tg_id, "first_name": first_name}, when)}


def phone_of(tg_id: int) -> str:
    return f"+7999{tg_id % 10_000_000:07d}"


async def start(h: Harness, **overrides: Any) -> Any:
    """Start the app with the test bot token configured; returns the test client."""
    h.overrides.setdefault("telegram_bot_token", TOKEN)
    h.overrides.update(overrides)
    return await h.start()


async def register(client: Any, h: Harness, tg_id: int, phone: str | None = None) -> dict[str, Any]:
    r = await client.post("/api/v1/clients/auth", json={"phone": phone or phone_of(tg_id)},
                          headers=tma(h, tg_id))
    assert r.status_code in (200, 201), await r.get_data(as_text=True)
    return (await r.get_json())["client"]  # type: ignore[no-any-return]


async def salon_with_clients(h: Harness, client: Any, *tg_ids: int, **kw: Any) -> Salon:
    salon = await seed_salon(h, client, **kw)
    for tg_id in tg_ids:
        await register(client, h, tg_id)
    return salon


def at(hhmm: str, day: date = MONDAY, tz: ZoneInfo = MOSCOW) -> str:
    """ISO instant with offset of local wall time ``hhmm`` on ``day``."""
    hh, mm = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hh, mm), tzinfo=tz).isoformat()


def instant(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp())


def slot_body(salon: Salon, start: str, service: str = "cut", staff: int | None = 0, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"branch_id": salon.branch_id, "service_id": salon.services[service], "start": start}
    if staff is not None:
        body["staff_id"] = salon.staff[staff]
    return {**body, **extra}


async def slots(client: Any, h: Harness, tg_id: int, salon: Salon, day: date = MONDAY,
                service: str = "cut", **query: Any) -> dict[str, Any]:
    r = await client.get("/api/v1/slots/available", headers=tma(h, tg_id), query_string={
        "branch_id": salon.branch_id, "service_id": salon.services[service],
        "date_from": day.isoformat(), "date_to": day.isoformat(), **query})
    assert r.status_code == 200, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


def free_pairs(answer: dict[str, Any]) -> set[tuple[int, str]]:
    return {(instant(s["start"]), s["staff_id"]) for s in answer["slots"]}


async def events_of(h: Harness, type_: str) -> list[Any]:
    return [rec async for rec in h.z.journal.read_all(0) if rec.type == type_]


async def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    body = await response.get_data(as_text=True)
    assert response.status_code == status, body
    assert response.headers["Content-Type"].startswith("application/problem+json"), body
    doc = await response.get_json()
    assert {"type", "title", "status", "detail", "code"} <= doc.keys()
    if code is not None:
        assert doc["code"] == code, doc
    return doc  # type: ignore[no-any-return]
