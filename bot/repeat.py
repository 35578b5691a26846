"""«Повторить запись» (SPEC §9.6): a past visit's services with its master, at the next free times.

«Мои записи» puts a button under each past visit (``repeat_rows``); pressing it
opens the times of the first day within two weeks on which that master is free
for the whole visit — the booking flow's own times screen, so holding and
confirming are the usual steps. A master who has left, or who no longer does
one of the services, gives way to «Любой мастер»; a service no longer offered
makes the button stale.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram.types import InlineKeyboardButton

from actors.core.clock import Clock
from bot import masters, texts, visit_services
from bot.booking_api import BookingApi, UserApi
from bot.callbacks import Repeat, pack_day
from bot.screens import Stale, days_screen, local, times_screen, today_in
from bot.ui import Screen, button

SEARCH_DAYS = 14


def repeat_rows(past: list[dict[str, Any]]) -> list[list[InlineKeyboardButton]]:
    """One «Повторить» button per past visit that took place (done), newest first."""
    rows = []
    for a in past:
        if a["status"] == "done":
            names = " + ".join(s["name"] for s in a.get("services") or [a["service"]])
            rows.append([button(texts.repeat_button(local(a["start"]), names), Repeat(appointment=a["id"]))])
    return rows


async def repeat_screen(appointment_id: str, api: UserApi, booking_api: BookingApi, clock: Clock) -> Screen:
    found = [a for a in await api.mine(limit=50) if a["id"] == appointment_id]
    if not found:
        raise Stale(f"no appointment {appointment_id!r} of this client")
    a = found[0]
    card = await booking_api.branch(a["branch_id"])
    ids = [s["id"] for s in a.get("services") or [a["service"]]]
    visit = visit_services.unpack(card, visit_services.pack(ids))
    if visit is None or [s["id"] for s in visit] != ids:
        raise Stale(f"a service of {appointment_id!r} is no longer offered")
    packed = visit_services.pack(ids)
    staff = a["staff"]["id"] if any(m["id"] == a["staff"]["id"] for m in masters.masters_of(card, visit)) else ""
    today = today_in(card, clock)
    last = min(today + timedelta(days=SEARCH_DAYS - 1), today + timedelta(days=max(0, card.horizon_days)))
    answer = await api.slots(card.id, visit_services.ids(visit), today, last, staff or None)
    free = [date.fromisoformat(d["date"]) for d in answer["days"] if d["free"] > 0]
    if not free:
        return await days_screen(api, booking_api, clock, card.id, packed, pack_day(last + timedelta(days=1)), staff)
    return await times_screen(api, booking_api, card.id, packed, pack_day(free[0]), staff, card=card)
