"""«Записаться»: branch → service → master (if several) → day → time → hold (5 minutes) → «Подтвердить запись».

The hold message names the price; if the held time overlaps one of the
client's own live visits, it asks «Всё равно записаться?» first. The
confirmation offers the visit as an ``.ics`` file and is followed by the
salon's place on the map when the branch has one (SPEC §9.6).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, ForceReply, Message

from actors.core.clock import Clock
from bot import comments, masters, texts, visit_services
from bot.booking_api import ApiProblem, UserApi, BookingApi
from bot.callbacks import (
    AddComment,
    AddPerson,
    AddToCalendar,
    Confirm,
    Days,
    Masters,
    Menu,
    MoreServices,
    PickBranch,
    PickService,
    Release,
    Repeat,
    Slot,
    Times,
    pack_day,
)
from bot.screens import (
    ACTIVE,
    Stale,
    branches_screen,
    days_screen,
    local,
    more_services_screen,
    services_screen,
    the_visit,
    times_screen,
)
from bot.stale import stale_hold, stale_slot
from bot.repeat import repeat_screen
from bot.ui import Screen, button, inline, menu_row, show
from bot.visit_ics import ics_filename, visit_ics
from bot.for_someone import booked_for


async def on_book(event: Message | CallbackQuery, booking_api: BookingApi) -> None:
    await show(event, await branches_screen(booking_api))


async def on_branch(query: CallbackQuery, callback_data: PickBranch, booking_api: BookingApi) -> None:
    await show(query, await services_screen(booking_api, callback_data.branch))


async def on_service(query: CallbackQuery, callback_data: PickService, api: UserApi, booking_api: BookingApi,
                     clock: Clock) -> None:
    """The master step when more than one master does the visit, else straight to the days."""
    cb = callback_data
    card = await booking_api.branch(cb.branch)
    visit = visit_services.unpack(card, cb.service)
    if visit is not None and len(masters.masters_of(card, visit)) > 1:
        await show(query, await masters.masters_screen(booking_api, cb.branch, cb.service, card))
        return
    await show(query, await days_screen(api, booking_api, clock, cb.branch, cb.service))


async def on_masters(query: CallbackQuery, callback_data: Masters, booking_api: BookingApi) -> None:
    await show(query, await masters.masters_screen(booking_api, callback_data.branch, callback_data.service))


async def on_days(query: CallbackQuery, callback_data: Days, api: UserApi, booking_api: BookingApi,
                  clock: Clock) -> None:
    cb = callback_data
    await show(query, await days_screen(api, booking_api, clock, cb.branch, cb.service, cb.first, cb.staff))


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
        if await stale_slot(query, api, cb.branch, cb.at):  # her own visit took this time since
            return
        screen = await times_screen(api, booking_api, cb.branch, cb.service, day, cb.staff, card=branch)
        await show(query, screen.with_note(texts.SLOT_TAKEN))
        return
    several = len(visit) > 1
    total = texts.price_line(held.get("total_price") or masters.price_of(branch, held["staff_id"], visit),
                             visit[0]["currency"], several)
    text = texts.held(visit_services.title(visit), local(held["start"]), branch.staff_names.get(held["staff_id"], "—"),
                      local(held["expires_at"]).astimezone(tz), branch.address, total, several=several)
    text += "\n" + texts.rules_line(int(branch.data["cancel_notice_min"]), branch.data.get("reschedule_notice_min"))
    keys = {"hold": held["hold_id"], "branch": cb.branch, "service": cb.service, "day": day,
            "staff": masters.short(cb.staff)}
    comment = [button(texts.BTN_COMMENT, AddComment(hold=held["hold_id"]))]  # optional, before confirming
    someone = [button(texts.BTN_FOR_SOMEONE, AddPerson(hold=held["hold_id"]))]  # bot/for_someone.py
    clash = await _own_overlap(api, held)
    if clash is not None:  # the client's own live visit at this time: ask before they confirm
        names = " + ".join(s["name"] for s in clash.get("services") or [clash["service"]])
        await show(query, Screen(f"{texts.overlap(local(clash['start']), names)}\n\n{text}",
                                 inline([button(texts.BTN_BOOK_ANYWAY, Confirm(**keys))], comment, someone,
                                        [button(texts.BTN_NOT_THIS_TIME, Release(**keys))])))
        return
    await show(query, Screen(text, inline([button(texts.BTN_CONFIRM, Confirm(**keys))], comment, someone,
                                          [button(texts.BTN_CANCEL_HOLD, Release(**keys))])))


async def _own_overlap(api: UserApi, held: dict[str, str]) -> dict[str, Any] | None:
    """The client's live visit that overlaps the held time, if any (not one booked for someone else)."""
    start, end = local(held["start"]), local(held["end"])
    for a in await api.mine(limit=50):
        if a.get("booked_by"):  # another person's visit: a mother and daughter may come at once
            continue
        if a["status"] in ACTIVE and local(a["start"]) < end and start < local(a["end"]):
            return a
    return None


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
        card = await booking_api.branch(cb.branch)  # the chosen master stays chosen (SPEC §9.6)
        again = Times(branch=cb.branch, service=cb.service, day=cb.day, staff=masters.unshort(card, cb.staff))
        await show(query, Screen(texts.HOLD_EXPIRED,
                                 inline([button(texts.BTN_PICK_TIME_AGAIN, again)], menu_row())))
        return
    await show_booked(query, appointment, booking_api)


async def show_booked(event: Message | CallbackQuery, appointment: dict[str, Any], booking_api: BookingApi) -> None:
    """«Вы записаны!» with the price and «Добавить в календарь», then the salon's place on the map."""
    branch = await booking_api.branch(appointment["branch_id"])
    services = appointment.get("services") or [appointment["service"]]
    total = (texts.price_line(appointment["total_price"], appointment["service"]["currency"], len(services) > 1)
             if appointment.get("total_price") else "")
    text = texts.booked(" + ".join(s["name"] for s in services), local(appointment["start"]),
                        appointment["staff"]["name"], branch.name, branch.address, total, several=len(services) > 1)
    if appointment.get("booked_by"):  # for someone else: «✅ Вы записали: Мама (+7 …)»
        text = booked_for(appointment, text)
    if appointment.get("comment"):
        text += "\n" + texts.comment_line(appointment["comment"])
    await show(event, Screen(text, inline([button(texts.BTN_ADD_TO_CALENDAR, AddToCalendar(appointment=appointment["id"]))],
                                          [button(texts.BTN_MY, Menu(to="my"))], menu_row())))
    location = branch.data.get("location")
    if location and event.bot is not None and event.from_user is not None:  # the place, under the confirmation
        await event.bot.send_venue(event.from_user.id, float(location["lat"]), float(location["lon"]),
                                   title=branch.name, address=branch.address or branch.name)


async def on_ask_comment(query: CallbackQuery, callback_data: AddComment) -> None:
    """«Добавить комментарий для мастера»: a prompt the client answers with a reply (ForceReply).

    Nothing is remembered: the prompt carries the hold in a link (``comments.prompt``), and the reply
    to it books the hold with the comment — the reply is the confirmation.
    """
    assert query.bot is not None
    await query.bot.send_message(query.from_user.id, comments.prompt(callback_data.hold),
                                 reply_markup=ForceReply(input_field_placeholder=texts.COMMENT_PLACEHOLDER))


async def on_comment(message: Message, api: UserApi, booking_api: BookingApi) -> None:
    assert message.reply_to_message is not None
    hold = comments.hold_of(message.reply_to_message)
    assert hold is not None
    try:
        appointment = await api.book(hold, comments.clean(message.text or ""))
    except ApiProblem as problem:
        if problem.code not in ("hold_expired", "slot_unavailable"):
            raise
        await show(message, Screen(texts.HOLD_EXPIRED, inline([button(texts.BTN_BOOK, Menu(to="book"))], menu_row())))
        return
    await show_booked(message, appointment, booking_api)


async def on_calendar(query: CallbackQuery, callback_data: AddToCalendar, api: UserApi, booking_api: BookingApi,
                      clock: Clock) -> None:
    """The visit as an ``.ics`` document (a new message: the confirmation stays as it is)."""
    found = [a for a in await api.mine(limit=50) if a["id"] == callback_data.appointment]
    if not found:
        raise Stale(f"no appointment {callback_data.appointment!r} of this client")
    appointment = found[0]
    card = await booking_api.branch(appointment["branch_id"])
    document = BufferedInputFile(visit_ics(appointment, card.data, clock.now()), ics_filename(appointment))
    assert query.bot is not None
    await query.bot.send_document(query.from_user.id, document, caption=texts.CALENDAR_FILE)


async def on_release(query: CallbackQuery, callback_data: Release, api: UserApi, booking_api: BookingApi) -> None:
    cb = callback_data
    try:
        await api.release(cb.hold)
    except ApiProblem as problem:
        if problem.status != 404:
            raise
        await stale_hold(query, api, cb.branch, cb.day)  # expired or booked already: say what is true now
        return
    card = await booking_api.branch(cb.branch)
    screen = await times_screen(api, booking_api, cb.branch, cb.service, cb.day, masters.unshort(card, cb.staff),
                                card=card)
    await show(query, screen.with_note(texts.HOLD_RELEASED))


async def on_repeat(query: CallbackQuery, callback_data: Repeat, api: UserApi, booking_api: BookingApi,
                    clock: Clock) -> None:
    """«Повторить запись»: a new message, so «Мои записи» stays as it is."""
    await show(query, await repeat_screen(callback_data.appointment, api, booking_api, clock), new=True)


def booking_router() -> Router:
    router = Router(name="booking")
    router.message.register(on_book, Command("book"))
    router.callback_query.register(on_book, Menu.filter(F.to == "book"))
    router.callback_query.register(on_branch, PickBranch.filter())
    router.callback_query.register(on_service, PickService.filter())
    router.callback_query.register(on_more, MoreServices.filter())
    router.callback_query.register(on_masters, Masters.filter())
    router.callback_query.register(on_calendar, AddToCalendar.filter())
    router.callback_query.register(on_repeat, Repeat.filter())
    router.callback_query.register(on_ask_comment, AddComment.filter())
    router.message.register(on_comment, comments.is_comment)
    router.callback_query.register(on_days, Days.filter())
    router.callback_query.register(on_times, Times.filter())
    router.callback_query.register(on_slot, Slot.filter())
    router.callback_query.register(on_confirm, Confirm.filter())
    router.callback_query.register(on_release, Release.filter())
    return router
