"""Rate-limit counters every server process shares: one UNLOGGED table in the journal's schema.

``rate_limits (key, window_end, hits)``: one row per key with an open
window. A check is one statement (``INSERT … ON CONFLICT … DO UPDATE …
RETURNING``): it starts a new window when the key's last one has ended,
otherwise adds one hit, and returns the count and the window's end, so
processes counting the same key concurrently are serialised by the row lock
and never both get the last allowed attempt. The table is UNLOGGED (no WAL:
cheap, and after a PostgreSQL crash it comes back empty, which only
forgives the attempts of the last minute) and created here, by whichever
process opens first, not by the journal's migrations. Finished windows are
deleted by each process at most once a minute, in the background.

The pool is this module's own (small) one, on the journal's database and
schema: a slow check never takes a connection the journal's writer needs.
Driver failures become ``JournalUnavailable``; ``api/ratelimit.py`` then
counts in the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from typing import Any

import asyncpg

from storage.journal import JournalUnavailable

log = logging.getLogger(__name__)

_DRIVER_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                  asyncpg.InternalClientError)
_CREATE = (
    "CREATE UNLOGGED TABLE IF NOT EXISTS rate_limits ("
    " key text PRIMARY KEY, window_end double precision NOT NULL, hits integer NOT NULL)"
)
_HIT = (
    "INSERT INTO rate_limits AS r (key, window_end, hits) VALUES ($1, $2::float8 + $3::float8, 1)"
    " ON CONFLICT (key) DO UPDATE SET"
    " window_end = CASE WHEN r.window_end <= $2::float8 THEN excluded.window_end ELSE r.window_end END,"
    " hits = CASE WHEN r.window_end <= $2::float8 THEN 1 ELSE least(r.hits + 1, $4::int) END"
    " RETURNING hits, window_end"
)
_SWEEP = "DELETE FROM rate_limits WHERE window_end <= $1::float8"
SWEEP_EVERY_S = 60.0


def _lock_key(schema: str) -> int:
    digest = hashlib.blake2b(f"zapis:rate-limits-create:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresCounters:
    """``api.ratelimit.Counters`` in PostgreSQL; ``open()`` before use, ``close()`` after."""

    def __init__(self, dsn: str, schema: str, *, max_size: int = 4, timeout_s: float = 2.0) -> None:
        self._dsn, self.schema = dsn, schema
        self._max_size = max_size
        self._timeout_s = timeout_s
        self._pool: asyncpg.Pool | None = None
        self._swept = time.monotonic()
        self._sweeping: asyncio.Task[int] | None = None
        self._connecting = asyncio.Lock()
        self._retry_at = 0.0  # after a failed connect, checks fail fast until then

    async def open(self) -> None:
        """Connect and create the table if missing; a database that is away now is retried at each check."""
        try:
            await self._ensure_pool()
        except JournalUnavailable as err:
            log.warning("rate limits: %s; will retry", err)

    async def _ensure_pool(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._connecting:
            if self._pool is not None:
                return self._pool
            if time.monotonic() < self._retry_at:
                raise JournalUnavailable("PostgreSQL rate limits: not connected (retrying)")
            try:
                self._pool = await self._connect()
            except JournalUnavailable:
                self._retry_at = time.monotonic() + 1.0
                raise
            return self._pool

    async def _connect(self) -> asyncpg.Pool:
        try:
            pool = await asyncpg.create_pool(
                self._dsn, min_size=0, max_size=self._max_size, timeout=self._timeout_s,
                command_timeout=self._timeout_s, server_settings={"search_path": self.schema})
        except _DRIVER_ERRORS as exc:
            raise JournalUnavailable(f"PostgreSQL rate limits: {type(exc).__name__}: {exc}") from exc
        try:
            async with pool.acquire(timeout=self._timeout_s) as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(self.schema))
                await conn.execute(_CREATE)
        except _DRIVER_ERRORS as exc:
            pool.terminate()
            raise JournalUnavailable(f"PostgreSQL rate limits: {type(exc).__name__}: {exc}") from exc
        return pool

    async def count(self, key: str, now: float, window_s: float, cap: int) -> tuple[int, float]:
        pool = await self._ensure_pool()
        try:
            async with pool.acquire(timeout=self._timeout_s) as conn:
                row = await conn.fetchrow(_HIT, key, now, window_s, cap)
        except _DRIVER_ERRORS as exc:
            raise JournalUnavailable(f"PostgreSQL rate limits: {type(exc).__name__}: {exc}") from exc
        assert row is not None
        if time.monotonic() - self._swept >= SWEEP_EVERY_S and (self._sweeping is None or self._sweeping.done()):
            self._swept = time.monotonic()
            self._sweeping = asyncio.create_task(self.sweep(now), name="zapis-rate-limits-sweep")
        return int(row[0]), float(row[1])

    async def sweep(self, now: float) -> int:
        """Delete the windows that ended at or before ``now``; how many were deleted (0 on failure)."""
        pool = self._pool
        if pool is None:
            return 0
        try:
            async with pool.acquire(timeout=self._timeout_s) as conn:
                status: Any = await conn.execute(_SWEEP, now)
        except _DRIVER_ERRORS as exc:
            log.warning("rate limits: finished windows not deleted (%s: %s)", type(exc).__name__, exc)
            return 0
        return int(str(status).rsplit(" ", 1)[-1])

    async def close(self) -> None:
        task, self._sweeping = self._sweeping, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), timeout=5)
            except (asyncio.TimeoutError, *_DRIVER_ERRORS):
                pool.terminate()
