"""What the Telegram client interface needs besides the application layer, built by ``run.py``.

The ``initData`` verifier (None without a bot token: every client endpoint
answers 401) and the per-client rate limits of holds and bookings. The
idempotency rule and its locks live in the application layer
(``actors/scheduler.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from actors.core.clock import Clock
from api.ratelimit import MemoryRateLimiter, RateLimiter
from api.telegram.initdata import InitDataVerifier
from settings import Settings


@dataclass(slots=True)
class TelegramKit:
    verifier: InitDataVerifier | None  # None: no bot token, every client endpoint answers 401
    hold_limiter: RateLimiter
    booking_limiter: RateLimiter


# (scope, limit per minute, what) -> a limiter; run.py passes shared ones on PostgreSQL
LimiterFactory = Callable[[str, int, str], RateLimiter]


def build_telegram_kit(settings: Settings, clock: Clock, limiter: LimiterFactory | None = None) -> TelegramKit:
    token = settings.telegram_bot_token
    make = limiter or (lambda scope, limit, what: MemoryRateLimiter(limit, 60, clock, what))
    return TelegramKit(
        verifier=InitDataVerifier(token, clock, settings.telegram_auth_max_age_s) if token else None,
        hold_limiter=make("holds", settings.holds_per_minute, "holds"),
        booking_limiter=make("bookings", settings.bookings_per_minute, "bookings"),
    )
