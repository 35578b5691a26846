"""«Мои записи»: upcoming and past visits with their status; cancelling an upcoming one."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from actors.core.clock import Clock
from bot import texts
from bot.booking_api import ApiProblem, BookingApi, UserApi
from bot.routers.waitlist import waitlist_part
from bot.callbacks import AskCancel, DoCancel, Menu
from bot.screens import CANCELLABLE, Stale, local, my_screen
from bot.ui import Screen, button, inline, menu_row, show


async def on_my(event: Message | CallbackQuery, api: UserApi, clock: Clock, booking_api: BookingApi) -> None:
    screen = await my_screen(api, clock)
    lines, leave = await waitlist_part(api, booking_api)  # the waitlist (bot/routers/waitlist.py)
    if lines:
        markup = screen.markup.inline_keyboard if screen.markup else []
        screen = Screen(f"{screen.text}\n\n<b>Лист ожидания</b>\n" + "\n".join(lines), inline(*leave, *markup))
    await show(event, screen)


async def on_ask_cancel(query: CallbackQuery, callback_data: AskCancel, api: UserApi) -> None:
    found = [a for a in await api.mine(limit=100) if a["id"] == callback_data.appointment]
    if not found:
        raise Stale("no such appointment")
    appointment = found[0]
    my = button(texts.BTN_MY, Menu(to="my"))
    if appointment["status"] not in CANCELLABLE:
        await show(query, Screen(texts.CANCEL_REFUSED, inline([my], menu_row())))
        return
    text = texts.ask_cancel(local(appointment["start"]), appointment["service"]["name"])
    await show(query, Screen(text, inline(
        [button(texts.BTN_YES_CANCEL, DoCancel(appointment=appointment["id"])),
         button(texts.BTN_NO, Menu(to="my"))])))


async def on_cancel(query: CallbackQuery, callback_data: DoCancel, api: UserApi) -> None:
    my = button(texts.BTN_MY, Menu(to="my"))
    try:
        appointment = await api.cancel(callback_data.appointment)
    except ApiProblem as problem:
        if problem.status != 409:
            raise
        found = [a for a in await api.mine(limit=100) if a["id"] == callback_data.appointment]
        if not found or found[0]["status"] != "cancelled":  # not a second tap: really refused
            await show(query, Screen(texts.CANCEL_REFUSED, inline([my], menu_row())))
            return
        appointment = found[0]
    await show(query, Screen(texts.cancelled(local(appointment["start"])), inline([my], menu_row())))


def mine_router() -> Router:
    router = Router(name="mine")
    router.message.register(on_my, Command("my"))
    router.callback_query.register(on_my, Menu.filter(F.to == "my"))
    router.callback_query.register(on_ask_cancel, AskCancel.filter())
    router.callback_query.register(on_cancel, DoCancel.filter())
    return router
