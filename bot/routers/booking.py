"""«Записаться»: branch → service → day → time → hold (5 minutes) → «Подтвердить запись» / «Отмена»."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from actors.core.clock import Clock
from bot import texts, visit_services
from bot.booking_api import ApiProblem, UserApi, BookingApi
from bot.callbacks import (
    Confirm,
    Days,
    Menu,
    MoreServices,
    PickBranch,
    PickService,
    Release,
    Slot,
    Times,
    pack_day,
)
from bot.screens import (
    branches_screen,
    days_screen,
    local,
    more_services_screen,
    services_screen,
    the_visit,
    times_screen,
)
from bot.stale import stale_hold
from bot.ui import Screen, button, inline, menu_row, show


async def on_book(event: Message | CallbackQuery, booking_api: BookingApi) -> None:
    await show(event, await branches_screen(booking_api))


async def on_branch(query: CallbackQuery, callback_data: PickBranch, booking_api: BookingApi) -> None:
    await show(query, await services_screen(booking_api, callback_data.branch))


async def on_service(query: CallbackQuery, callback_data: PickService, api: UserApi, booking_api: BookingApi,
                     clock: Clock) -> None:
    await show(query, await days_screen(api, booking_api, clock, callback_data.branch, callback_data.service))


async def on_days(query: CallbackQuery, callback_data: Days, api: UserApi, booking_api: BookingApi,
                  clock: Clock) -> None:
    cb = callback_data
    await show(query, await days_screen(api, booking_api, clock, cb.branch, cb.service, cb.first))


async def on_times(query: CallbackQuery, callback_data: Times, api: UserApi, booking_api: BookingApi) -> None:
    cb = callback_data
    await show(query, await times_screen(api, booking_api, cb.branch, cb.service, cb.day, cb.staff))


async def on_slot(query: CallbackQuery, callback_data: Slot, api: UserApi, booking_api: BookingApi) -> None:
    """Hold the slot; if someone took it meanwhile, say so and show the day's free times again."""
    cb = callback_data
    branch = await booking_api.branch(cb.branch)
    tz = ZoneInfo(branch.timezone)
    start = datetime.fromtimestamp(cb.at, tz)
    day = pack_day(start.date())
    visit = the_visit(branch, cb.service)
    try:
        held = await api.hold(cb.branch, visit_services.ids(visit), start.isoformat(), cb.staff or None)
    except ApiProblem as problem:
        if problem.code != "slot_unavailable":
            raise
        screen = await times_screen(api, booking_api, cb.branch, cb.service, day, cb.staff, card=branch)
        await show(query, screen.with_note(texts.SLOT_TAKEN))
        return
    total = texts.total_line(held["total_price"], visit[0]["currency"]) if len(visit) > 1 else ""
    text = texts.held(visit_services.title(visit), local(held["start"]), branch.staff_names.get(held["staff_id"], "—"),
                      local(held["expires_at"]).astimezone(tz), branch.address, total)
    text += "\n" + texts.rules_line(int(branch.data["cancel_notice_min"]), branch.data.get("reschedule_notice_min"))
    keys = {"hold": held["hold_id"], "branch": cb.branch, "service": cb.service, "day": day}
    await show(query, Screen(text, inline([button(texts.BTN_CONFIRM, Confirm(**keys))],
                                          [button(texts.BTN_CANCEL_HOLD, Release(**keys))])))


async def on_more(query: CallbackQuery, callback_data: MoreServices, booking_api: BookingApi) -> None:
    """«Добавить ещё услугу» before the day is chosen."""
    await show(query, await more_services_screen(booking_api, callback_data.branch, callback_data.service))


async def on_confirm(query: CallbackQuery, callback_data: Confirm, api: UserApi, booking_api: BookingApi) -> None:
    cb = callback_data
    try:
        appointment = await api.book(cb.hold)
    except ApiProblem as problem:
        if problem.code not in ("hold_expired", "slot_unavailable"):
            raise
        again = Times(branch=cb.branch, service=cb.service, day=cb.day, staff="")
        await show(query, Screen(texts.HOLD_EXPIRED,
                                 inline([button(texts.BTN_PICK_TIME_AGAIN, again)], menu_row())))
        return
    branch = await booking_api.branch(appointment["branch_id"])
    services = appointment.get("services") or [appointment["service"]]
    total = (texts.total_line(appointment["total_price"], appointment["service"]["currency"])
             if len(services) > 1 else "")
    text = texts.booked(" + ".join(s["name"] for s in services), local(appointment["start"]),
                        appointment["staff"]["name"], branch.name, branch.address, total)
    await show(query, Screen(text, inline([button(texts.BTN_MY, Menu(to="my"))], menu_row())))


async def on_release(query: CallbackQuery, callback_data: Release, api: UserApi, booking_api: BookingApi) -> None:
    cb = callback_data
    try:
        await api.release(cb.hold)
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        await stale_hold(query, api, cb.branch, cb.day)  # expired or booked already: say what is true now
        return
    screen = await times_screen(api, booking_api, cb.branch, cb.service, cb.day)
    await show(query, screen.with_note(texts.HOLD_RELEASED))


def booking_router() -> Router:
    router = Router(name="booking")
    router.message.register(on_book, Command("book"))
    router.callback_query.register(on_book, Menu.filter(F.to == "book"))
    router.callback_query.register(on_branch, PickBranch.filter())
    router.callback_query.register(on_service, PickService.filter())
    router.callback_query.register(on_more, MoreServices.filter())
    router.callback_query.register(on_days, Days.filter())
    router.callback_query.register(on_times, Times.filter())
    router.callback_query.register(on_slot, Slot.filter())
    router.callback_query.register(on_confirm, Confirm.filter())
    router.callback_query.register(on_release, Release.filter())
    return router
