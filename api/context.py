"""The collaborators every handler needs, built once by ``run.py``.

Handlers reach them through ``app_context()`` (stored on the app, not in a
global). They read and change zapis only through ``scheduler`` (the
application layer, ``actors/scheduler.py``); ``runtime`` and ``journal`` are
here for the app's start-up and shutdown and for the journal listing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from quart import current_app

from actors.core.clock import Clock
from actors.runtime import Runtime
from actors.scheduler import Scheduler
from api.auth import Passwords, Tokens
from api.ratelimit import RateLimiter
from settings import Settings
from storage.journal import Journal

if TYPE_CHECKING:  # the interfaces' own pieces, built by run.py when configured
    from api.manager.hub import Hub
    from api.telegram.kit import TelegramKit
    from bot.service import BotService
    from api.webhooks.kit import WebhookKit
    from storage.leader import Leadership


@dataclass(slots=True)
class AppContext:
    settings: Settings
    journal: Journal
    runtime: Runtime
    scheduler: Scheduler
    clock: Clock
    passwords: Passwords
    tokens: Tokens | None  # None: no JWT secret, manager endpoints answer 401
    login_limiter: RateLimiter
    ready: bool = False
    telegram: TelegramKit | None = None  # the Telegram client interface (initData, rate limits)
    hub: Hub | None = None  # the dashboard's realtime fan-out (api/manager/hub.py)
    bot: BotService | None = None  # the in-process Telegram bot, when one runs
    leadership: Leadership | None = None  # whether this process runs the single senders (storage/leader.py)
    webhooks: WebhookKit | None = None  # outgoing webhooks: registrations, deliveries (api/webhooks/)


def app_context() -> AppContext:
    ctx: AppContext = current_app.extensions["zapis"]
    return ctx
