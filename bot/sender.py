"""Sending one notification until Telegram takes it (or refuses it for good).

- ``429`` (``TelegramRetryAfter``): wait exactly ``retry_after`` seconds, try again;
- network errors, timeouts, ``5xx``, a wrong token (``401``), anything
  unexpected: exponential backoff (``min_delay_s`` doubling up to
  ``max_delay_s``), forever — a message is never dropped because Telegram is
  away; the caller cancels on shutdown, and the message is sent after the
  restart instead;
- ``403`` (the user blocked the bot), ``400`` (chat not found, bad text),
  ``404``, too large: refused for good; the outcome is recorded and the
  notifier moves on.

``sleep`` is injectable so tests can see the waits without spending them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup

from bot import texts
from bot.callbacks import Menu
from bot.notices import Notice
from bot.ui import button, inline
from bot.visit_keys import notice_markup

log = logging.getLogger(__name__)

SENT = "sent"
PERMANENT = (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound, TelegramEntityTooLarge)


def notice_keyboard() -> InlineKeyboardMarkup:
    """Under every notification: the way into the bot."""
    return inline([button(texts.BTN_MY, Menu(to="my")), button(texts.BTN_MENU, Menu(to="menu"))])


class Sender:
    def __init__(self, bot: Bot, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 min_delay_s: float = 1.0, max_delay_s: float = 60.0) -> None:
        self.bot = bot
        self.markup = notice_keyboard()
        self._sleep = sleep
        self.min_delay_s = min_delay_s
        self.max_delay_s = max_delay_s

    async def send(self, notice: Notice) -> str:
        """``"sent"``, or ``"refused: …"`` for a permanent refusal. Retries everything else."""
        delay = self.min_delay_s
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.bot.send_message(notice.chat_id, notice.text,
                                            reply_markup=notice_markup(notice) or self.markup)
                return SENT
            except TelegramRetryAfter as err:
                log.warning("Telegram asks to wait %d s before sending to %d", err.retry_after, notice.chat_id)
                await self._sleep(float(err.retry_after))
            except PERMANENT as err:
                log.warning("Telegram refused the %s message to %d: %s", notice.kind, notice.chat_id, err.message)
                return f"refused: {err.message}"[:200]
            except Exception as err:  # noqa: BLE001 - network, 5xx, 401, decode errors: keep trying
                level = logging.ERROR if attempt % 10 == 0 else logging.WARNING
                log.log(level, "sending the %s message to %d failed (%s: %s); retry %d in %.1f s",
                        notice.kind, notice.chat_id, type(err).__name__, err, attempt, delay)
                await self._sleep(delay)
                delay = min(delay * 2, self.max_delay_s)
