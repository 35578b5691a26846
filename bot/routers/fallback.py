"""Anything no feature handled, and every failure: a clear message and a way back, never silence.

Included last. Free text that names a day or a time («завтра вечером») leads
to the matching free times (``bot/wish.py``); thanks get a kind word; any
other message gets the menu with one line of help (or, before the phone is
shared, the phone request — explaining why the button is needed when a number
was typed by hand); a button whose data no longer parses (an old
release of the bot) says it expired. Errors raised by any handler land in
``on_error``: API refusals and outages become Russian explanations with the
menu, and anything unexpected is logged with its traceback — which the user
never sees.
"""

from __future__ import annotations

import logging
import re

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message

from actors.core.clock import Clock
from bot import texts, wish
from bot.booking_api import ApiProblem, ApiUnavailable, BookingApi, UserApi
from bot.routers.start import ask_phone, is_registered, salon_phones
from bot.screens import Stale
from bot.ui import back_to_menu, menu_screen, share_phone_keyboard, show

log = logging.getLogger(__name__)


_THANKS = re.compile(r"(?:спасибо|спс|спасиб\w*|благодарю|благодарим|пасиб\w*|thanks?|thx)"
                     r"(?:\s+(?:вам|большое|огромное|большущее|вам большое|за всё|за все))*", re.IGNORECASE)
_PHONE = re.compile(r"\+?[\d\s()\-]{7,20}")


def is_thanks(text: str) -> bool:
    return _THANKS.fullmatch(re.sub(r"[^\w\s]", "", text).strip()) is not None


def is_phone(text: str) -> bool:
    """A phone number typed by hand (10–15 digits with the usual separators)."""
    return _PHONE.fullmatch(text.strip()) is not None and 10 <= sum(c.isdigit() for c in text) <= 15


async def on_other_message(message: Message, api: UserApi, booking_api: BookingApi, clock: Clock) -> None:
    """Free text: a time → its free times; thanks → a kind word; else the menu with a line of help."""
    text = message.text or ""
    if not await is_registered(api):
        # not the greeting again: the one who was refused (a number tied to another account) reads why, and the phone
        await ask_phone(message, texts.PHONE_TYPED if is_phone(text)
                        else texts.ask_phone_again(texts.call_salon(await salon_phones(booking_api))))
        return
    if text and is_thanks(text):
        await message.answer(texts.THANKS)
        return
    found = await wish.read(text, booking_api, clock) if text else None
    if found is not None:
        await show(message, await wish.first_screen(found, api, booking_api, clock))
        return
    await show(message, menu_screen(texts.FREE_TEXT_HELP))


async def on_wish_branch(query: CallbackQuery, callback_data: wish.WishBranch, api: UserApi,
                         booking_api: BookingApi, clock: Clock) -> None:
    cb = callback_data
    await show(query, await wish.services_screen(wish.unpack(cb.wish), cb.branch, api, booking_api, clock))


async def on_wish_service(query: CallbackQuery, callback_data: wish.WishService, api: UserApi,
                          booking_api: BookingApi, clock: Clock) -> None:
    cb = callback_data
    await show(query, await wish.times_screen(wish.unpack(cb.wish), cb.branch, cb.service, api, booking_api, clock))


async def on_unknown_button(query: CallbackQuery) -> None:
    await show(query, menu_screen(texts.STALE))


def explain(error: Exception) -> str:
    """The Russian explanation of a failure."""
    if isinstance(error, Stale):
        return texts.STALE
    if isinstance(error, ApiProblem):
        if error.code == "rate_limited":
            return texts.rate_limited(error.retry_after)
        if error.status in (400, 404, 409, 422):
            return texts.STALE
        if error.status == 403:
            return texts.NOT_REGISTERED
    return texts.UNAVAILABLE


async def on_error(event: ErrorEvent) -> bool:
    error = event.exception
    if isinstance(error, ApiUnavailable):
        log.warning("client API unavailable: %s", error)
    elif isinstance(error, ApiProblem) and error.status in (401, 403, 429):
        log.warning("client API refused the bot: %s", error)
    elif not isinstance(error, (ApiProblem, Stale)):
        log.error("update %s failed", event.update.update_id, exc_info=error)
    update = event.update
    target: Message | CallbackQuery | None = update.callback_query or update.message
    if target is None:
        return True
    text = explain(error)
    try:
        if text == texts.NOT_REGISTERED and isinstance(target, Message):
            await target.answer(texts.ASK_PHONE, reply_markup=share_phone_keyboard())
        else:
            await show(target, back_to_menu(text) if text != texts.STALE else menu_screen(text))
    except Exception:
        log.warning("could not tell the user about a failure of update %s", update.update_id, exc_info=True)
    return True


def fallback_router() -> Router:
    router = Router(name="fallback")
    router.message.register(on_other_message)
    router.callback_query.register(on_wish_branch, wish.WishBranch.filter())
    router.callback_query.register(on_wish_service, wish.WishService.filter())
    router.callback_query.register(on_unknown_button)
    router.errors.register(on_error, ExceptionTypeFilter(Exception))
    return router
