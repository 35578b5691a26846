"""The bot's messages as ``/metrics`` counts them (``bot/metrics.py``), on the recording Bot API session."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import SendMessage

from bot.metrics import MessageCounter, count_messages
from tests.bot.recording import RecordingSession
from tests.bot.support import TOKEN
from tests.harness import Harness

SEND = SendMessage(chat_id=1, text="x")


async def test_sent_and_failed_messages_by_method_and_reason() -> None:
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    sent: dict[str, int] = {}
    failed: dict[tuple[str, str], int] = {}
    count_messages(bot, sent, failed)
    session.failures = [TelegramRetryAfter(SEND, "Too Many Requests", 3), TelegramNetworkError(SEND, "reset"),
                        TelegramForbiddenError(SEND, "Forbidden: bot was blocked by the user")]
    for error in (TelegramRetryAfter, TelegramNetworkError, TelegramForbiddenError):
        with pytest.raises(error):
            await bot.send_message(1, "привет")
    await bot.send_message(1, "привет")
    await bot.send_message(2, "здравствуйте")
    await bot.edit_message_text("изменено", chat_id=1, message_id=100)
    await bot.get_me()  # not a message: not counted
    assert sent == {"sendMessage": 2, "editMessageText": 1}
    assert failed == {("sendMessage", "retry_after"): 1, ("sendMessage", "error"): 1, ("sendMessage", "refused"): 1}


async def test_the_servers_bot_counts_into_its_metrics(harness: Harness) -> None:
    harness.overrides.update(telegram_bot_token=TOKEN, bot_mode="webhook", webhook_secret="s3cret")
    await harness.start()
    z = harness.z
    assert z.bot is not None
    counters = [m for m in z.bot.bot.session.middleware._middlewares if isinstance(m, MessageCounter)]
    metrics = harness.app.extensions["zapis.metrics"]  # type: ignore[union-attr]
    assert len(counters) == 1 and counters[0].sent is metrics.bot_sent and counters[0].failed is metrics.bot_failed
