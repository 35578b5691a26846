"""Fixed-window rate limits per key (client, login), on the injected clock."""

from __future__ import annotations

import math

from actors.core.clock import Clock
from api.problems import ApiError


class RateLimiter:
    def __init__(self, limit: int, window_s: float, clock: Clock, what: str) -> None:
        self.limit, self.window_s, self.what = limit, window_s, what
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, count)

    def hit(self, key: str) -> None:
        """Count one attempt for ``key``; 429 ``rate_limited`` past the limit."""
        if self.limit <= 0:
            return
        now = self._clock.now()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= self.window_s:
            start, count = now, 0
        if count >= self.limit:
            retry = max(1, math.ceil(start + self.window_s - now))
            raise ApiError(429, "rate_limited", "rate.limited", {"Retry-After": str(retry)},
                           what=self.what, retry=retry)
        self._windows[key] = (start, count + 1)
        if len(self._windows) > 100_000:  # forget finished windows; bounded memory
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < self.window_s}
