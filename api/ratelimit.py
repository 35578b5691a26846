"""Fixed-window rate limits per key (client, login, address), on the injected clock.

One protocol, two counters, chosen by ``run.py``:

- ``MemoryRateLimiter`` — this process's own dictionary (SQLite: one process);
- ``SharedRateLimiter`` — counts in a store every server process shares
  (``storage/limits.py``: one PostgreSQL statement per check), so the N+1th
  attempt through any process is refused. When the store cannot be reached
  the check falls back to this process's own counter (limits then hold per
  process) rather than refusing everyone or letting everything through.

A window starts with a key's first attempt and lasts ``window_s``; attempts
past the limit are refused with 429 ``rate_limited`` and ``Retry-After``
(the seconds left in the window) and still count as attempts.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Protocol

from actors.core.clock import Clock
from api.problems import ApiError
from storage.journal import JournalUnavailable

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    limit: int

    async def hit(self, key: str) -> None:
        """Count one attempt for ``key``; 429 ``rate_limited`` past the limit."""


def limited(what: str, seconds_left: float) -> ApiError:
    retry = max(1, math.ceil(seconds_left))
    return ApiError(429, "rate_limited", "rate.limited", {"Retry-After": str(retry)}, what=what, retry=retry)


class MemoryRateLimiter:
    def __init__(self, limit: int, window_s: float, clock: Clock, what: str) -> None:
        self.limit, self.window_s, self.what = limit, window_s, what
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, count)

    async def hit(self, key: str) -> None:
        self.check(key)

    def check(self, key: str) -> None:
        if self.limit <= 0:
            return
        now = self._clock.now()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= self.window_s:
            start, count = now, 0
        if count >= self.limit:
            raise limited(self.what, start + self.window_s - now)
        self._windows[key] = (start, count + 1)
        if len(self._windows) > 100_000:  # forget finished windows; bounded memory
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window_s}


class Counters(Protocol):
    """A shared store of fixed-window counters (``storage/limits.py``)."""

    async def count(self, key: str, now: float, window_s: float, cap: int) -> tuple[int, float]:
        """Count one hit of ``key`` at ``now``; ``(hits in the window, the window's end)``.

        A window that ended at or before ``now`` is replaced by a new one
        starting at ``now``; hits are not counted past ``cap``. Raises
        ``JournalUnavailable`` when the store cannot be reached.
        """
        ...


class SharedRateLimiter:
    def __init__(self, counters: Counters, scope: str, limit: int, window_s: float, clock: Clock,
                 what: str) -> None:
        self.limit, self.window_s, self.what, self.scope = limit, window_s, what, scope
        self._counters = counters
        self._clock = clock
        self._fallback = MemoryRateLimiter(limit, window_s, clock, what)
        self._warned = -math.inf

    async def hit(self, key: str) -> None:
        if self.limit <= 0:
            return
        now = self._clock.now()
        try:
            hits, until = await self._counters.count(f"{self.scope}:{key}", now, self.window_s, self.limit + 1)
        except JournalUnavailable as err:
            if time.monotonic() - self._warned > 60:
                self._warned = time.monotonic()
                log.warning("shared rate limits unreachable (%s); counting %s in this process", err, self.scope)
            self._fallback.check(key)
            return
        if hits > self.limit:
            raise limited(self.what, until - now)
