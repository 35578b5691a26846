"""The dispatcher factory: routers, middlewares and the shared objects handlers receive by name.

Handlers get ``booking_api`` (the public API client), ``api`` (that client signed as
the update's user, from ``BindApi``), ``clock`` and ``callback_data``. Nothing
is module-level: every call builds fresh routers, so tests and the server can
build as many dispatchers as they like.
"""

from __future__ import annotations

from aiogram import Dispatcher, F
from aiogram.enums import ChatType
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from actors.core.clock import Clock
from bot.booking_api import BookingApi
from bot.middlewares import BindApi, DropDuplicates, SayTime
from bot.for_someone import for_someone_router
from bot.routers.booking import booking_router
from bot.routers.fallback import fallback_router
from bot.routers.mine import mine_router
from bot.routers.start import start_router
from bot.routers.visit import visit_router
from bot.routers.waitlist import waitlist_router


def build_dispatcher(booking_api: BookingApi, clock: Clock, *, dedupe_window: int = 10_000) -> Dispatcher:
    dp = Dispatcher(booking_api=booking_api, clock=clock)
    dedupe = DropDuplicates(dedupe_window)
    dp["dedupe"] = dedupe
    dp.update.outer_middleware(dedupe)
    dp.update.outer_middleware(BindApi(booking_api))
    dp.update.outer_middleware(SayTime(clock))
    dp.message.filter(F.chat.type == ChatType.PRIVATE)  # a booking is a private conversation
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(for_someone_router(), start_router(), booking_router(), mine_router(), visit_router(),
                       waitlist_router(), fallback_router())
    return dp
