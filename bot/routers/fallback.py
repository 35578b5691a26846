"""Anything no feature handled, and every failure: a clear message and a way back, never silence.

Included last. An unknown message gets the menu (or the phone request if the
user has not shared it yet); a button whose data no longer parses (an old
release of the bot) says it expired. Errors raised by any handler land in
``on_error``: API refusals and outages become Russian explanations with the
menu, and anything unexpected is logged with its traceback — which the user
never sees.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message

from bot import texts
from bot.booking_api import ApiProblem, ApiUnavailable, UserApi
from bot.routers.start import ask_phone, is_registered
from bot.screens import Stale
from bot.ui import back_to_menu, menu_screen, share_phone_keyboard, show

log = logging.getLogger(__name__)


async def on_other_message(message: Message, api: UserApi) -> None:
    if await is_registered(api):
        await show(message, menu_screen(texts.NOT_UNDERSTOOD))
    else:
        await ask_phone(message)


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
    router.callback_query.register(on_unknown_button)
    router.errors.register(on_error, ExceptionTypeFilter(Exception))
    return router
