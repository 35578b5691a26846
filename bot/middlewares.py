"""Cross-cutting concerns of every update: duplicates dropped, the API bound to the user.

``DropDuplicates`` keeps the ids of the last ``window`` updates (a bounded,
in-memory window per dispatcher): Telegram re-delivers an update when a
webhook answer was lost or polling restarted before confirming its offset,
and such a repeat is handled once. Across a process restart the window starts
empty; what a repeat could then do again is harmless by construction: holds
carry ``Idempotency-Key: tg:<update_id>`` and bookings ``book:<hold_id>``,
so the API answers the first result again, and a repeated cancel finds the
appointment already cancelled.

``BindApi`` gives handlers ``api``: the client API signed as the update's
Telegram user, keyed by the update's id.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update, User

from actors.core.clock import Clock
from bot import texts
from bot.booking_api import Person, BookingApi

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DropDuplicates(BaseMiddleware):
    """Outer update middleware: an ``update_id`` seen within the window is not handled again."""

    def __init__(self, window: int = 10_000) -> None:
        self.window = window
        self._seen: OrderedDict[int, None] = OrderedDict()
        self.dropped = 0

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if isinstance(event, Update):
            if event.update_id in self._seen:
                self.dropped += 1
                log.info("update %d delivered again: dropped", event.update_id)
                return UNHANDLED
            self._seen[event.update_id] = None  # before any await: a concurrent twin is dropped too
            if len(self._seen) > self.window:
                self._seen.popitem(last=False)
        return await handler(event, data)


class SayTime(BaseMiddleware):
    """Outer update middleware: texts rendered for this update know «now» (for «сегодня», «ещё 5 мин»)
    and whether to name the zone (a Telegram not in Russian: the client may live elsewhere, SPEC §9.6)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        language = (user.language_code or "ru") if user is not None else "ru"
        now = texts.NOW.set(self.clock.now())
        zone = texts.ZONE_WANTED.set(not language.lower().startswith("ru"))
        try:
            return await handler(event, data)
        finally:
            texts.NOW.reset(now)
            texts.ZONE_WANTED.reset(zone)


class BindApi(BaseMiddleware):
    """Outer update middleware: ``data["api"]`` is the client API as this update's user."""

    def __init__(self, booking_api: BookingApi) -> None:
        self.booking_api = booking_api

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and isinstance(event, Update):
            person = Person(user.id, user.first_name or "", user.last_name or "", user.username or "")
            data["api"] = self.booking_api.as_user(person, f"tg:{event.update_id}")
        return await handler(event, data)
