"""What the bot tests share: a served harness whose app may restart, and the bot wired to it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config

from bot.booking_api import BookingApi
from bot.dispatcher import build_dispatcher
from bot.notifier import Notifier
from bot.sender import Sender
from bot.state_view import CommittedView
from tests.bot.recording import Person, RecordingSession
from tests.harness import Harness, _wait_port, free_port, no_lifespan

TOKEN = "123456:TEST-zapis-bot-token"
ADDRESS = "ул. Пушкина, 10"


@asynccontextmanager
async def serve_at(h: Harness, port: int | None = None) -> AsyncIterator[str]:
    """Hypercorn on ``port`` in front of whatever app the harness runs now (survives ``restart``)."""
    port = port or free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    config.errorlog = None

    def current_app() -> Any:
        assert h.app is not None
        return h.app

    stop = asyncio.Event()
    task = asyncio.create_task(hypercorn_serve(no_lifespan(current_app), config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    await _wait_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@dataclass
class BotEnv:
    """The bot's dispatcher on a recording session, talking to the served API; a notifier on the journal."""

    h: Harness
    url: str
    session: RecordingSession = field(default_factory=RecordingSession)
    bot: Bot = field(init=False)
    booking_api: BookingApi = field(init=False)
    dp: Dispatcher = field(init=False)
    notifier: Notifier | None = None

    def __post_init__(self) -> None:
        self.bot = Bot(TOKEN, session=self.session, default=DefaultBotProperties(parse_mode="HTML"))
        self.booking_api = BookingApi(self.url, TOKEN, self.h.clock)
        self.dp = build_dispatcher(self.booking_api, self.h.clock)

    def person(self, user_id: int, first_name: str = "Анна") -> Person:
        return Person(self.dp, self.bot, self.session, user_id, first_name)

    def start_notifier(self, **kw: Any) -> Notifier:
        z = self.h.z
        self.notifier = Notifier(z.journal, CommittedView(z.scheduler), Sender(self.bot, sleep=_no_wait), self.h.clock,
                                 reminders_before_h=z.settings.reminders_before_h, **kw)
        self.notifier.start()
        return self.notifier

    async def stop_notifier(self) -> None:
        if self.notifier is not None:
            await self.notifier.stop()
            self.notifier = None

    async def close(self) -> None:
        await self.stop_notifier()
        await self.booking_api.close()


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


@asynccontextmanager
async def bot_env(h: Harness, url: str) -> AsyncIterator[BotEnv]:
    env = BotEnv(h, url)
    try:
        yield env
    finally:
        await env.close()


async def registered(env: BotEnv, user_id: int, phone: str, name: str = "Анна") -> Person:
    """A user who has pressed /start and shared their own phone."""
    person = env.person(user_id, name)
    await person.say("/start")
    await person.share_contact(phone, first_name=name)
    return person


async def book_first_time(person: Person, day_label: str = "пн 2.03", time_label: str | None = None) -> None:
    """/book → first service → ``day_label`` → first (or the given) time → confirm."""
    await person.say("/book")
    await pick_service(person, "cut")
    await person.press(day_label)
    times = [b for b in person.buttons() if len(b) == 5 and b[2] == ":"]
    await person.press(time_label or times[0])
    await person.press("Подтвердить запись")


async def pick_service(person: Person, label: str) -> None:
    """Press the service; at the master step (several masters, SPEC §9.6) take «Любой мастер»."""
    await person.press(label)
    if "Выберите мастера" in person.last_text():
        await person.press("Любой мастер")
