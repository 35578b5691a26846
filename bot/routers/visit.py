"""After booking (SPEC §9.3): «Приду», «Перенести» (day → time → confirm) and the stars.

The buttons come under the 24-hour reminder and «Как прошёл визит?» (``bot/visit_keys.py``)
and, for «Перенести», in «Мои записи». As everywhere in the bot, each button carries
what its step needs; a step reads the appointment from ``GET /appointments/my`` and
the branch from ``GET /branches/{id}``, and the API decides (``too_late``,
``slot_unavailable``, ``invalid_transition``, ``feedback_exists``): the bot words the answer.
A new time is offered among the free starts of the same master for all of the visit's
services (the visit keeps its master, services and length); the client's own visit does
not free its own time in that list.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from actors.core.clock import Clock
from bot import texts
from bot.booking_api import ApiProblem, BookingApi, BranchCard, UserApi
from bot.callbacks import Come, DoMove, Menu, Move, MoveDay, MoveTo, Rate, pack_day, unpack_day
from bot.screens import CANCELLABLE, PAGE_DAYS, Stale, local, today_in
from bot.ui import Screen, button, inline, menu_row, rows, show


def _my_row() -> list[Any]:
    return [button(texts.BTN_MY, Menu(to="my")), button(texts.BTN_MENU, Menu(to="menu"))]


def _services(appt: dict[str, Any]) -> str | list[str]:
    """What to ask free times for: the visit's services in order (one: its id)."""
    ids = [str(s["id"]) for s in appt.get("services") or []]
    return ids if len(ids) > 1 else str(appt["service"]["id"])


def _name(appt: dict[str, Any]) -> str:
    """«стрижка + укладка»: every service of the visit."""
    return " + ".join(str(s["name"]) for s in appt.get("services") or [appt["service"]])


async def _appointment(api: UserApi, appointment_id: str) -> dict[str, Any]:
    found = [a for a in await api.mine(limit=100) if a["id"] == appointment_id]
    if not found:
        raise Stale("no such appointment")
    return found[0]


# ------------------------------------------------------------ «Приду»


async def on_come(query: CallbackQuery, callback_data: Come, api: UserApi, callback_answer: CallbackAnswer) -> None:
    before = await _appointment(api, callback_data.appointment)
    if before.get("client_confirmed_at") and before["status"] in CANCELLABLE:
        callback_answer.text = texts.ALREADY_COMING  # a second tap: a short notice, not a second message
        return
    try:
        appt = await api.confirm_visit(callback_data.appointment)
    except ApiProblem as problem:
        if problem.status != 409:
            raise
        await show(query, Screen(texts.button_gone(texts.CONFIRM_REFUSED), inline(_my_row())), new=True)
        return
    move = [button(texts.BTN_MOVE, Move(appointment=appt["id"], first=""))]
    await show(query, Screen(texts.visit_confirmed(_name(appt), local(appt["start"])),
                             inline(move, _my_row())))


# ------------------------------------------------------------ «Перенести»


def _movable(appt: dict[str, Any], branch: BranchCard, clock: Clock) -> str | None:
    """Why the visit cannot be moved now (a text), or None."""
    if appt["status"] not in CANCELLABLE:
        return texts.button_gone(texts.MOVE_REFUSED)
    notice = branch.data.get("reschedule_notice_min")
    minutes_before = int(branch.data["cancel_notice_min"] if notice is None else notice)
    if local(appt["start"]).timestamp() - clock.now() < minutes_before * 60:
        return f"{texts.move_too_late(minutes_before)} {texts.call_salon(branch.data.get('phone'))}"
    return None


async def on_move(query: CallbackQuery, callback_data: Move, api: UserApi, booking_api: BookingApi,
                  clock: Clock) -> None:
    """Days of a two-week page on which the visit's master has a free start."""
    appt = await _appointment(api, callback_data.appointment)
    branch = await booking_api.branch(appt["branch_id"])
    refused = _movable(appt, branch, clock)
    if refused:
        await show(query, Screen(refused, inline(_my_row())), new=True)
        return
    today = today_in(branch, clock)
    horizon_end = today + timedelta(days=max(0, branch.horizon_days))
    first = min(max(unpack_day(callback_data.first) or today, today), horizon_end)
    last = min(first + timedelta(days=PAGE_DAYS - 1), horizon_end)
    answer = await api.slots(appt["branch_id"], _services(appt), first, last, appt["staff"]["id"])
    free = [date.fromisoformat(d["date"]) for d in answer["days"] if d["free"] > 0]
    days = [button(texts.day_label(d, today), MoveDay(appointment=appt["id"], day=pack_day(d))) for d in free]
    paging = []
    if first > today:
        back = max(today, first - timedelta(days=PAGE_DAYS))
        paging.append(button(texts.BTN_EARLIER, Move(appointment=appt["id"], first=pack_day(back))))
    if last < horizon_end:
        paging.append(button(texts.BTN_LATER, Move(appointment=appt["id"], first=pack_day(last + timedelta(days=1)))))
    text = texts.move_choose_day(_name(appt), local(appt["start"]), bool(free))
    await show(query, Screen(text, inline(*rows(days, 4), paging, _my_row())))


async def _times(api: UserApi, appt: dict[str, Any], day: date) -> Screen:
    answer = await api.slots(appt["branch_id"], _services(appt), day, day, appt["staff"]["id"])
    tz = ZoneInfo(answer["timezone"])
    current = int(local(appt["start"]).timestamp())
    starts = sorted({int(local(s["start"]).timestamp()) for s in answer["slots"]} - {current})
    times = [button(texts.hhmm(datetime.fromtimestamp(at, tz)), MoveTo(appointment=appt["id"], at=at))
             for at in starts]
    back = [button(texts.BTN_OTHER_DAY, Move(appointment=appt["id"], first=""))]
    text = texts.move_choose_time(_name(appt), day, appt["staff"]["name"], bool(times))
    return Screen(text, inline(*rows(times, 5), back, menu_row()))


async def on_move_day(query: CallbackQuery, callback_data: MoveDay, api: UserApi) -> None:
    day = unpack_day(callback_data.day)
    if day is None:
        raise Stale(f"not a day: {callback_data.day!r}")
    await show(query, await _times(api, await _appointment(api, callback_data.appointment), day))


async def on_move_to(query: CallbackQuery, callback_data: MoveTo, api: UserApi) -> None:
    appt = await _appointment(api, callback_data.appointment)
    old = local(appt["start"])
    new = datetime.fromtimestamp(callback_data.at, old.tzinfo)
    keys = {"appointment": appt["id"], "at": callback_data.at}
    await show(query, Screen(texts.ask_move(_name(appt), old, new), inline(
        [button(texts.BTN_YES_MOVE, DoMove(**keys))],
        [button(texts.BTN_OTHER_TIME, MoveDay(appointment=appt["id"], day=pack_day(new.date())))],
        menu_row())))


async def on_do_move(query: CallbackQuery, callback_data: DoMove, api: UserApi, booking_api: BookingApi,
                     clock: Clock) -> None:
    cb = callback_data
    appt = await _appointment(api, cb.appointment)
    new = datetime.fromtimestamp(cb.at, local(appt["start"]).tzinfo)
    if int(local(appt["start"]).timestamp()) == cb.at:  # a second tap: already moved
        await show(query, Screen(texts.moved(_name(appt), new, appt["staff"]["name"]), inline(_my_row())))
        return
    try:
        moved = await api.reschedule(cb.appointment, new.isoformat())
    except ApiProblem as problem:
        if problem.code == "slot_unavailable":
            await show(query, (await _times(api, appt, new.date())).with_note(texts.MOVE_TAKEN))
            return
        if problem.code in ("too_late", "invalid_transition"):
            branch = await booking_api.branch(appt["branch_id"])
            await show(query, Screen(_movable(appt, branch, clock) or texts.MOVE_REFUSED, inline(_my_row())))
            return
        raise
    text = texts.moved(_name(moved), local(moved["start"]), moved["staff"]["name"])
    await show(query, Screen(text, inline(_my_row())))


# ------------------------------------------------------------ «Как прошёл визит?»


async def on_rate(query: CallbackQuery, callback_data: Rate, api: UserApi) -> None:
    if not 1 <= callback_data.stars <= 5:
        raise Stale("stars out of range")
    try:
        await api.feedback(callback_data.appointment, callback_data.stars)
    except ApiProblem as problem:
        if problem.code == "feedback_exists":
            await show(query, Screen(texts.FEEDBACK_AGAIN, inline(menu_row())))
            return
        if problem.status in (404, 409):
            await show(query, Screen(texts.FEEDBACK_REFUSED, inline(menu_row())))
            return
        raise
    await show(query, Screen(texts.feedback_thanks(callback_data.stars), inline(menu_row())))


def visit_router() -> Router:
    router = Router(name="visit")
    router.callback_query.register(on_come, Come.filter())
    router.callback_query.register(on_move, Move.filter())
    router.callback_query.register(on_move_day, MoveDay.filter())
    router.callback_query.register(on_move_to, MoveTo.filter())
    router.callback_query.register(on_do_move, DoMove.filter())
    router.callback_query.register(on_rate, Rate.filter())
    return router
