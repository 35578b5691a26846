"""What the client (Telegram) interface needs besides the actors, built once by ``run.py``.

Idempotency (``Idempotency-Key`` on ``POST /appointments`` and ``/slots/hold``):
the key and a hash of the request travel inside the command and are stored in
the *same* journal event as the booking or hold, so a key is remembered
exactly when its answer is durable, survives restarts, and is kept as long as
the journal (far beyond the 24 h SPEC asks for). Only successful answers are
remembered: a refused request (409, 400 …) wrote nothing, so it may be retried
with the same key.

The core keeps keys per (client, key) inside each branch's state. Keys are
scoped per client across *all* branches here: before a keyed request is sent,
``key_home`` finds the branch that already used the key, and a request that
names another branch is refused with 422 ``idempotency_key_reused``; requests
with one (client, key) run one at a time (``KeyedLocks``), so concurrent
duplicates cannot reach two branches before either is recorded. (The lock is
per process; several server processes would need the key in a shared stream.)
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson

from actors.clock import Clock
from actors.errors import IdempotencyKeyReused
from actors.runtime import Runtime
from api.ratelimit import RateLimiter
from api.tma import InitDataVerifier
from settings import Settings


class KeyedLocks:
    """One ``asyncio.Lock`` per key, forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


@dataclass(slots=True)
class ClientKit:
    verifier: InitDataVerifier | None  # None: no bot token, every client endpoint answers 401
    hold_limiter: RateLimiter
    booking_limiter: RateLimiter
    keys: KeyedLocks = field(default_factory=KeyedLocks)


def build_client_kit(settings: Settings, clock: Clock) -> ClientKit:
    token = settings.telegram_bot_token
    return ClientKit(
        verifier=InitDataVerifier(token, clock, settings.telegram_auth_max_age_s) if token else None,
        hold_limiter=RateLimiter(settings.holds_per_minute, 60, clock, "holds"),
        booking_limiter=RateLimiter(settings.bookings_per_minute, 60, clock, "bookings"),
    )


def request_hash(operation: str, fields: dict[str, Any]) -> str:
    """Canonical JSON (sorted keys, parsed values) of the request, hashed.

    ``fields`` are the body's values after parsing (a start as an instant), so
    the same request written with other spacing, key order or UTC offset has
    the same hash; ``operation`` keeps one key from matching across endpoints.
    """
    canonical = orjson.dumps({"op": operation, "body": fields}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


def key_home(runtime: Runtime, client_id: str, key: str) -> str | None:
    """The branch whose journal already holds this client's ``key``, if any."""
    for branch_id, actor in runtime.branches.items():
        if (client_id, key) in actor.state.idempotency:
            return branch_id
    return None


def check_key_branch(runtime: Runtime, client_id: str, key: str, branch_id: str) -> None:
    """422 if the client used ``key`` in another branch (a different request)."""
    home = key_home(runtime, client_id, key)
    if home is not None and home != branch_id:
        raise IdempotencyKeyReused("this Idempotency-Key was used for a different request")
