"""The waitlist in the bot (SPEC §9.3): join when a day has no suitable time; answer an offer.

«Нет подходящего времени — встать в лист ожидания» (under a day's times, or
under a days page with nothing free) → how many days from that day → which
master (or any) → time of day (утро / день / вечер / любое) → ``POST
/waitlist``. When time frees up the leader's notifier sends «Освободилось
время …» (``bot/waitlist_notice.py``): «Записаться» books with the offer's hold
(``POST /appointments {"hold_id"}``), «Не подходит» releases it (``DELETE
/slots/hold/{id}``), and the branch offers it to the next client. «Мои
записи» lists the entries that wait, each with a way to leave.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton

from bot import texts, visit_services
from bot.booking_api import ApiProblem, BookingApi, UserApi
from bot.callbacks import Menu, WaitBook, WaitDays, WaitDecline, WaitFor, WaitJoin, WaitLeave, WaitMaster, unpack_day
from bot.screens import Stale, local, the_visit
from bot.ui import Screen, button, inline, menu_row, rows, show


def _day(raw: str) -> date:
    day = unpack_day(raw)
    if day is None:
        raise Stale(f"not a day: {raw!r}")
    return day


async def on_wait_for(query: CallbackQuery, callback_data: WaitFor, booking_api: BookingApi) -> None:
    cb = callback_data
    card = await booking_api.branch(cb.branch)
    visit = the_visit(card, cb.service)
    choices = [button(label, WaitDays(branch=cb.branch, service=cb.service, day=cb.day, days=n))
               for n, label in texts.WAIT_DAYS]
    await show(query, Screen(texts.wait_range_ask(visit_services.title(visit), _day(cb.day)),
                             inline(*rows(choices, 3), menu_row())))


async def on_days(query: CallbackQuery, callback_data: WaitDays, booking_api: BookingApi) -> None:
    cb = callback_data
    card = await booking_api.branch(cb.branch)
    visit = the_visit(card, cb.service)
    first = _day(cb.day)
    ids = {s["id"] for s in visit}

    def to(staff: str) -> WaitMaster:
        return WaitMaster(branch=cb.branch, service=cb.service, day=cb.day, days=cb.days, staff=staff)

    masters = [button(f"👤 {m['name']}", to(m["id"])) for m in _masters(card, ids)]
    any_master = [button(texts.BTN_ANY_MASTER, to(""))]
    await show(query, Screen(texts.wait_master_ask(visit_services.title(visit), first, _last(first, cb.days)),
                             inline(any_master, *rows(masters, 2), menu_row())))


def _masters(card: Any, ids: set[str]) -> list[dict[str, Any]]:
    return [m for m in card.data.get("staff", []) if ids <= set(m.get("service_ids", []))]


def _last(first: date, days: int) -> date:
    return first + timedelta(days=max(1, min(days, 31)) - 1)


async def on_master(query: CallbackQuery, callback_data: WaitMaster, booking_api: BookingApi) -> None:
    cb = callback_data
    card = await booking_api.branch(cb.branch)
    visit = the_visit(card, cb.service)
    first = _day(cb.day)

    def join(part: str) -> WaitJoin:
        return WaitJoin(branch=cb.branch, service=cb.service, day=cb.day, days=cb.days, staff=cb.staff, part=part)

    parts = [button(label, join(code)) for code, (label, _, _) in texts.WAIT_PARTS.items()]
    master = card.staff_names.get(cb.staff) if cb.staff else None
    await show(query, Screen(texts.wait_part_ask(visit_services.title(visit), first, _last(first, cb.days), master),
                             inline(parts, [button(texts.BTN_ANY_TIME, join(""))], menu_row())))


async def on_join(query: CallbackQuery, callback_data: WaitJoin, api: UserApi, booking_api: BookingApi) -> None:
    cb = callback_data
    card = await booking_api.branch(cb.branch)
    visit = the_visit(card, cb.service)
    first = _day(cb.day)
    last = _last(first, cb.days)
    body: dict[str, Any] = {"branch_id": cb.branch, "service_ids": [s["id"] for s in visit],
                            "date_from": first.isoformat(), "date_to": last.isoformat()}
    if cb.staff:
        body["staff_id"] = cb.staff
    if cb.part in texts.WAIT_PARTS:
        _, start, end = texts.WAIT_PARTS[cb.part]
        body |= {"time_from": f"{start // 60:02d}:{start % 60:02d}", "time_to": f"{end // 60:02d}:{end % 60:02d}"}
    await api.join_waitlist(body)
    master = card.staff_names.get(cb.staff) if cb.staff else None
    await show(query, Screen(texts.waitlist_joined(visit_services.title(visit), first, last, master, cb.part),
                             inline([button(texts.BTN_MY, Menu(to="my"))], menu_row())))


async def on_book(query: CallbackQuery, callback_data: WaitBook, api: UserApi, booking_api: BookingApi) -> None:
    """«Записаться»: book with the offer's hold (a second tap shows the same booking)."""
    try:
        appointment = await api.book(callback_data.hold)
    except ApiProblem as problem:
        if problem.code not in ("hold_expired", "slot_unavailable"):
            raise
        await show(query, Screen(texts.OFFER_GONE, inline([button(texts.BTN_MY, Menu(to="my"))], menu_row())))
        return
    branch = await booking_api.branch(appointment["branch_id"])
    services = appointment.get("services") or [appointment["service"]]
    total = (texts.total_line(appointment["total_price"], appointment["service"]["currency"])
             if len(services) > 1 else "")
    text = texts.booked(" + ".join(s["name"] for s in services), local(appointment["start"]),
                        appointment["staff"]["name"], branch.name, branch.address, total)
    await show(query, Screen(text, inline([button(texts.BTN_MY, Menu(to="my"))], menu_row())))


async def on_decline(query: CallbackQuery, callback_data: WaitDecline, api: UserApi) -> None:
    """«Не подходит»: the hold goes back and the next client in the list is offered it."""
    try:
        await api.release(callback_data.hold)
    except ApiProblem as problem:
        if problem.status != 404:  # run out or passed on already: nothing to give back
            raise
        await show(query, Screen(texts.OFFER_GONE, inline([button(texts.BTN_MY, Menu(to="my"))], menu_row())))
        return
    await show(query, Screen(texts.OFFER_DECLINED, inline([button(texts.BTN_MY, Menu(to="my"))], menu_row())))


async def on_leave(query: CallbackQuery, callback_data: WaitLeave, api: UserApi) -> None:
    try:
        await api.leave_waitlist(callback_data.entry)
    except ApiProblem as problem:
        if problem.status != 404:
            raise
    await show(query, Screen(texts.WAITLIST_LEFT, inline([button(texts.BTN_MY, Menu(to="my"))], menu_row())))


async def waitlist_part(api: UserApi, booking_api: BookingApi) -> tuple[list[str], list[list[InlineKeyboardButton]]]:
    """«Мои записи»: lines and «Выйти …» buttons for the entries that wait or hold an offer."""
    entries = [e for e in await api.waitlist() if e["status"] in ("waiting", "offered")]
    lines, buttons = [], []
    for e in entries:
        card = await booking_api.branch(e["branch_id"])
        names = {s["id"]: s["name"] for s in card.services}
        service = " + ".join(names.get(sid, "—") for sid in e["service_ids"])
        first, last = date.fromisoformat(e["date_from"]), date.fromisoformat(e["date_to"])
        part = next((code for code, (_, start, _) in texts.WAIT_PARTS.items()
                     if e["time_from"] == f"{start // 60:02d}:{start % 60:02d}"), "")
        lines.append(texts.waitlist_line(service, first, last, part, e["status"] == "offered"))
        buttons.append([button(texts.leave_button(service, first), WaitLeave(entry=e["id"]))])
    return lines, buttons


def waitlist_router() -> Router:
    router = Router(name="waitlist")
    router.callback_query.register(on_wait_for, WaitFor.filter())
    router.callback_query.register(on_days, WaitDays.filter())
    router.callback_query.register(on_master, WaitMaster.filter())
    router.callback_query.register(on_join, WaitJoin.filter())
    router.callback_query.register(on_book, WaitBook.filter())
    router.callback_query.register(on_decline, WaitDecline.filter())
    router.callback_query.register(on_leave, WaitLeave.filter())
    return router
