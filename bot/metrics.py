"""Counting the bot's messages for ``/metrics`` (``api/metrics.py``): a Bot API request middleware.

Every call that sends or edits a message (``sendMessage``, ``editMessageText``
…), whether a notification, a reminder or an answer in a dialogue, is counted
once it is answered, by method; a failed attempt is counted by method and
reason: ``retry_after`` (429), ``refused`` (a permanent refusal: blocked,
chat not found, bad request), ``error`` (network, 5xx, anything else). A
notification retried three times before it goes through is 3 failures and
1 sent. Only counters in two plain dicts change: no I/O, nothing to await.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

REFUSED = (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound, TelegramEntityTooLarge)


def counted(api_method: str) -> bool:
    """A call that puts a message in front of someone: ``send*`` and ``editMessage*``."""
    return api_method.startswith(("send", "editMessage")) and api_method != "sendChatAction"


class MessageCounter(BaseRequestMiddleware):
    def __init__(self, sent: dict[str, int], failed: dict[tuple[str, str], int]) -> None:
        self.sent = sent
        self.failed = failed

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Any:
        name = method.__api_method__
        if not counted(name):
            return await make_request(bot, method)
        try:
            answer = await make_request(bot, method)
        except TelegramRetryAfter:
            self._fail(name, "retry_after")
            raise
        except REFUSED:
            self._fail(name, "refused")
            raise
        except Exception:
            self._fail(name, "error")
            raise
        self.sent[name] = self.sent.get(name, 0) + 1
        return answer

    def _fail(self, name: str, reason: str) -> None:
        self.failed[(name, reason)] = self.failed.get((name, reason), 0) + 1


def count_messages(bot: Bot, sent: dict[str, int], failed: dict[tuple[str, str], int]) -> None:
    """Count ``bot``'s messages into ``sent`` and ``failed`` (see the module's docstring)."""
    bot.session.middleware(MessageCounter(sent, failed))
