"""/start, sharing the phone (only the sender's own contact), the menu and /help."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot import texts
from bot.booking_api import ApiProblem, BookingApi, UserApi
from bot.callbacks import Menu
from bot.ui import menu_screen, share_phone_keyboard, show


async def is_registered(api: UserApi) -> bool:
    """Whether this Telegram user has shared their phone (the API answers 403 until then)."""
    try:
        await api.mine(limit=1)
    except ApiProblem as problem:
        if problem.status == 403:
            return False
        raise
    return True


async def ask_phone(message: Message, text: str = texts.ASK_PHONE) -> None:
    await message.answer(text, reply_markup=share_phone_keyboard())


async def salon_phones(booking_api: BookingApi) -> str | None:
    """«+7 999 123-45-67», or «Salon: +7 …; Second: +7 …» with several branches; None if none has one."""
    with_phone = [b for b in await booking_api.branches() if b.get("phone")]
    if len(with_phone) == 1:
        return str(with_phone[0]["phone"])
    return "; ".join(f"{b['name']}: {texts.phone(b['phone'])}" for b in with_phone) or None


async def on_start(message: Message, api: UserApi) -> None:
    if await is_registered(api):
        await show(message, menu_screen())
    else:
        await ask_phone(message)


async def on_contact(message: Message, api: UserApi, booking_api: BookingApi) -> None:
    contact, sender = message.contact, message.from_user
    assert contact is not None and sender is not None
    if contact.user_id != sender.id:
        await ask_phone(message, texts.NOT_OWN_CONTACT)
        return
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or sender.full_name
    try:
        client = await api.register(contact.phone_number, name)
    except ApiProblem as problem:
        if problem.code == "client_conflict":
            # the number is another Telegram account's: only the salon can help (SPEC §9.6)
            await message.answer(f"{texts.PHONE_TAKEN}\n\n{texts.call_salon(await salon_phones(booking_api))}",
                                 reply_markup=share_phone_keyboard())
            return
        if problem.status == 400:
            await ask_phone(message, texts.PHONE_INVALID)
            return
        raise
    await message.answer(texts.registered(client.get("name") or name), reply_markup=ReplyKeyboardRemove())
    await show(message, menu_screen())


async def on_menu_command(message: Message) -> None:
    await show(message, menu_screen())


async def on_help(message: Message) -> None:
    await show(message, menu_screen().with_note(texts.HELP))


async def on_menu_button(query: CallbackQuery) -> None:
    await show(query, menu_screen())


def start_router() -> Router:
    router = Router(name="start")
    router.message.register(on_start, CommandStart())
    router.message.register(on_contact, F.contact)
    router.message.register(on_menu_command, Command("menu"))
    router.message.register(on_help, Command("help"))
    router.callback_query.register(on_menu_button, Menu.filter(F.to == "menu"))
    return router
