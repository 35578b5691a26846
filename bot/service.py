"""The bot inside a process: Bot API session, dispatcher, notifier, polling or webhook.

Built by ``run.py`` (in the server, or alone with ``python run.py bot``);
``start`` returns at once and everything runs in background tasks, so a
Telegram that cannot be reached never delays or takes down the server:

- **polling**: ``deleteWebhook`` then aiogram's long polling; failures before
  or during it (no network, a bad token, Telegram down) are logged and retried
  with exponential backoff (1 s doubling to 60 s; aiogram's own backoff
  inside ``getUpdates``);
- **commands**: ``setMyCommands`` with /book, /my, /menu and /help (Russian
  descriptions, ``texts.COMMANDS``) in both modes, retried the same way;
- **webhook**: ``setWebhook`` to ``ZAPIS_WEBHOOK_URL`` + ``WEBHOOK_PATH`` with
  ``ZAPIS_WEBHOOK_SECRET`` as Telegram's ``secret_token``, retried the same
  way; updates arrive through ``bot/webhook.py``.

``ZAPIS_TELEGRAM_API_URL`` points the session at another Bot API server
(``TelegramAPIServer.from_base``): a self-hosted one, or a fake in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand, Update
from pydantic import ValidationError

from actors.core.clock import Clock
from bot import texts
from bot.booking_api import BookingApi
from bot.dispatcher import build_dispatcher
from bot.notifier import Notifier
from bot.sender import Sender
from bot.state_view import StateView
from bot.webhook import NotAnUpdate
from settings import Settings
from storage.journal import Journal
from storage.leader import run_while_leader

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/api/v1/telegram/webhook"
MAX_DELAY_S = 60.0


def bot_session(settings: Settings) -> BaseSession:
    api = TelegramAPIServer.from_base(settings.telegram_api_url) if settings.telegram_api_url else PRODUCTION
    return AiohttpSession(api=api)


class BotService:
    def __init__(self, settings: Settings, journal: Journal, view: StateView, clock: Clock, *,
                 session: BaseSession | None = None, polling_timeout_s: int = 10,
                 notify_poll_s: float = 5.0) -> None:
        token = settings.telegram_bot_token
        if not token:
            raise ValueError("the bot needs ZAPIS_TELEGRAM_BOT_TOKEN")
        self.settings = settings
        self.mode = settings.bot_mode
        self.booking_api = BookingApi(settings.bot_api_base_url, token, clock)
        self.dispatcher = build_dispatcher(self.booking_api, clock)
        self.bot = Bot(token, session=session or bot_session(settings),
                       default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        self.notifier = Notifier(journal, view, Sender(self.bot), clock,
                                 reminders_before_h=settings.reminders_before_h, poll_s=notify_poll_s,
                                 feedback_delay_h=settings.feedback_delay_h)
        self.polling_timeout_s = polling_timeout_s
        self.webhook_registered = asyncio.Event()
        self.commands_registered = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._commands_task: asyncio.Task[None] | None = None

    @property
    def webhook_secret(self) -> str | None:
        return self.settings.webhook_secret

    async def start(self) -> None:
        self.notifier.start()
        self._commands_task = asyncio.create_task(self._forever(self._register_commands, "setMyCommands"),
                                                  name="zapis-bot-commands")
        if self.mode == "polling":  # one process polls (Telegram allows one getUpdates at a time)
            lead = self.notifier.leadership
            poll = functools.partial(self._forever, self._poll, "polling")
            self._task = asyncio.create_task(poll() if lead is None else run_while_leader(lead, poll, "bot-polling"),
                                             name="zapis-bot-polling")
        elif self.mode == "webhook":
            self._task = asyncio.create_task(self._forever(self._register_webhook, "setWebhook"),
                                             name="zapis-bot-webhook")
        log.info("bot started (%s), client API at %s", self.mode, self.booking_api.base_url)

    async def stop(self) -> None:
        if self.mode == "polling":
            with contextlib.suppress(RuntimeError, asyncio.TimeoutError):  # RuntimeError: not polling now
                await asyncio.wait_for(self.dispatcher.stop_polling(), 10)
        for task in (self._task, self._commands_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._commands_task = None
        await self.notifier.stop()
        await self.booking_api.close()
        await self.bot.session.close()

    async def feed_webhook(self, payload: dict[str, Any]) -> None:
        """One update Telegram posted (already authenticated by the secret token)."""
        try:
            update = Update.model_validate(payload, context={"bot": self.bot})
        except ValidationError as err:
            raise NotAnUpdate(str(err)) from None
        await self.dispatcher.feed_update(self.bot, update)

    async def _forever(self, step: Callable[[], Awaitable[None]], what: str) -> None:
        """Run ``step`` until it returns; on failure log and retry with backoff. Never raises."""
        delay = 1.0
        while True:
            try:
                await step()
                return
            except Exception as err:  # noqa: BLE001 - Telegram away or misconfigured: keep the server up
                log.warning("bot: %s failed (%s: %s); retrying in %.0f s", what, type(err).__name__, err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY_S)

    async def _register_commands(self) -> None:
        """Telegram's command menu (/book, /my, /menu, /help) with Russian descriptions (SPEC §9.6)."""
        await self.bot.set_my_commands([BotCommand(command=c, description=d) for c, d in texts.COMMANDS])
        self.commands_registered.set()

    async def _poll(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self.dispatcher.start_polling(self.bot, handle_signals=False, close_bot_session=False,
                                            polling_timeout=self.polling_timeout_s)

    async def _register_webhook(self) -> None:
        base = self.settings.webhook_url
        if not base:
            log.warning("bot: ZAPIS_WEBHOOK_URL is not set; register %s with Telegram yourself", WEBHOOK_PATH)
            return
        url = base.rstrip("/") + WEBHOOK_PATH
        await self.bot.set_webhook(url, secret_token=self.webhook_secret,
                                   allowed_updates=self.dispatcher.resolve_used_update_types())
        self.webhook_registered.set()
        log.info("bot: webhook registered at %s", url)
