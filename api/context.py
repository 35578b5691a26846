"""The collaborators every handler needs, built once by ``run.py``.

Handlers reach them through ``zapis()`` (stored on the app, not in a global).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import current_app

from actors.clock import Clock
from actors.runtime import Runtime
from api.auth import Passwords, Tokens
from api.clientkit import ClientKit
from api.hub import Hub
from api.ratelimit import RateLimiter
from settings import Settings
from storage.journal import Journal


@dataclass(slots=True)
class Zapis:
    settings: Settings
    journal: Journal
    runtime: Runtime
    clock: Clock
    passwords: Passwords
    tokens: Tokens | None  # None: no JWT secret, manager endpoints answer 401
    login_limiter: RateLimiter
    ready: bool = False
    client_kit: ClientKit | None = None  # the Telegram client interface (initData, limits, keys)
    hub: Hub | None = None  # the dashboard's realtime fan-out (api/hub.py)
    bot: Any = None  # the in-process Telegram bot (bot/service.py BotService), when one runs


def zapis() -> Zapis:
    return current_app.extensions["zapis"]  # type: ignore[no-any-return]
