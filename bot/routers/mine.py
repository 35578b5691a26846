"""«Мои записи»: upcoming and past visits with their status; cancelling an upcoming one.

A cancel button that no longer applies (the visit is cancelled already, or is inside the notice
window now) says so in a new message with what is true now and the salon's phone; it never
writes over the message it was on (SPEC §9.6).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from actors.core.clock import Clock
from bot import texts
from bot.booking_api import ApiProblem, BookingApi, UserApi
from bot.my_visits import CANCELLABLE, can_cancel, can_move, local, my_screen, visit_names
from bot.routers.waitlist import waitlist_part
from bot.callbacks import AskCancel, DoCancel, Menu
from bot.screens import Stale
from bot.ui import Screen, button, inline, show


def _my() -> list[Any]:
    return [button(texts.BTN_MY, Menu(to="my")), button(texts.BTN_MENU, Menu(to="menu"))]


async def on_my(event: Message | CallbackQuery, api: UserApi, clock: Clock, booking_api: BookingApi) -> None:
    screen = await my_screen(api, booking_api, clock)
    lines, leave = await waitlist_part(api, booking_api)  # the waitlist (bot/routers/waitlist.py)
    if lines:
        markup = screen.markup.inline_keyboard if screen.markup else []
        screen = Screen(f"{screen.text}\n\n<b>Лист ожидания</b>\n" + "\n".join(lines), inline(*leave, *markup))
    await show(event, screen)


async def _found(api: UserApi, appointment_id: str) -> dict[str, Any]:
    found = [a for a in await api.mine(limit=100) if a["id"] == appointment_id]
    if not found:
        raise Stale("no such appointment")
    return found[0]


async def refusal(appointment: dict[str, Any], booking_api: BookingApi, now: float) -> str:
    """Why this visit cannot be cancelled through the bot now, with what the client can do instead."""
    when = texts.when(local(appointment["start"]))
    if appointment["status"] == "cancelled":
        return texts.button_gone(f"Запись на {when} уже отменена.")
    if appointment["status"] not in CANCELLABLE:
        return texts.button_gone(f"Запись на {when}: {texts.status(appointment['status'])}.")
    card = await booking_api.branch(appointment["branch_id"])
    return texts.change_rule_now(False, can_move(appointment, card, now), card.data.get("phone"))


async def on_ask_cancel(query: CallbackQuery, callback_data: AskCancel, api: UserApi, booking_api: BookingApi,
                        clock: Clock) -> None:
    appointment = await _found(api, callback_data.appointment)
    card = await booking_api.branch(appointment["branch_id"])
    if not can_cancel(appointment, card, clock.now()):
        await show(query, Screen(await refusal(appointment, booking_api, clock.now()), inline(_my())), new=True)
        return
    text = texts.ask_cancel(local(appointment["start"]), visit_names(appointment))
    await show(query, Screen(text, inline(
        [button(texts.BTN_YES_CANCEL, DoCancel(appointment=appointment["id"])),
         button(texts.BTN_NO, Menu(to="my"))])))


async def on_cancel(query: CallbackQuery, callback_data: DoCancel, api: UserApi, booking_api: BookingApi,
                    clock: Clock) -> None:
    try:
        appointment = await api.cancel(callback_data.appointment)
    except ApiProblem as problem:
        if problem.status != 409:
            raise
        found = await _found(api, callback_data.appointment)
        if found["status"] != "cancelled":  # not a second tap: really refused
            await show(query, Screen(await refusal(found, booking_api, clock.now()), inline(_my())), new=True)
            return
        appointment = found
    await show(query, Screen(texts.cancelled(local(appointment["start"])), inline(_my())))


def mine_router() -> Router:
    router = Router(name="mine")
    router.message.register(on_my, Command("my"))
    router.callback_query.register(on_my, Menu.filter(F.to == "my"))
    router.callback_query.register(on_ask_cancel, AskCancel.filter())
    router.callback_query.register(on_cancel, DoCancel.filter())
    return router
