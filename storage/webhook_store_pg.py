"""``WebhookStore`` in PostgreSQL: two tables in the journal's schema (see ``storage/webhook_store.py``).

Its own small pool (like ``storage/limits.py``): a slow delivery record
never takes a connection the journal's writer needs. The tables are created
by whichever process opens first, under a transaction-level advisory lock.
Every process may read the attempts (``GET /admin/webhooks/{id}/deliveries``
is answered anywhere); only the leader writes them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

import asyncpg

from storage.journal import JournalUnavailable
from storage.webhook_store import _COLUMNS, KEEP_ATTEMPTS, PRUNE_EVERY, Attempt

_DRIVER_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                  asyncpg.InternalClientError)
_TABLES = (
    "CREATE TABLE IF NOT EXISTS webhook_positions (webhook_id text PRIMARY KEY, seq bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS webhook_attempts (id bigserial PRIMARY KEY, webhook_id text NOT NULL,"
    " seq bigint NOT NULL, event text NOT NULL, attempt integer NOT NULL, status integer,"
    " error text NOT NULL, duration_ms integer NOT NULL, at double precision NOT NULL,"
    " first_at double precision NOT NULL, outcome text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS webhook_attempts_by_hook ON webhook_attempts (webhook_id, id)",
)
_UPSERT = ("INSERT INTO webhook_positions AS p (webhook_id, seq) VALUES ($1, $2) ON CONFLICT (webhook_id)"
           " DO UPDATE SET seq = greatest(p.seq, excluded.seq)")
_INSERT = f"INSERT INTO webhook_attempts ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
_PRUNE = ("DELETE FROM webhook_attempts WHERE webhook_id = $1 AND id <= (SELECT id FROM webhook_attempts"
          " WHERE webhook_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)")


def _lock_key(schema: str) -> int:
    digest = hashlib.blake2b(f"zapis:webhook-store-create:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresWebhookStore:
    def __init__(self, dsn: str, schema: str, *, max_size: int = 3, timeout_s: float = 5.0) -> None:
        self._dsn, self.schema = dsn, schema
        self._max_size, self._timeout_s = max_size, timeout_s
        self._pool: asyncpg.Pool | None = None
        self._connecting = asyncio.Lock()
        self._recorded: dict[str, int] = {}

    async def open(self) -> None:
        await self._ensure_pool()

    async def _ensure_pool(self) -> asyncpg.Pool:
        if self._pool is not None:
            return self._pool
        async with self._connecting:
            if self._pool is None:
                self._pool = await self._connect()
            return self._pool

    async def _connect(self) -> asyncpg.Pool:
        try:
            pool = await asyncpg.create_pool(
                self._dsn, min_size=0, max_size=self._max_size, timeout=self._timeout_s,
                command_timeout=self._timeout_s,
                # No WAL flush of its own per attempt (the journal's commits do not queue behind
                # these): a database crash may lose the last few, whose events are then sent again.
                server_settings={"search_path": self.schema, "synchronous_commit": "off"})
        except _DRIVER_ERRORS as exc:
            raise JournalUnavailable(f"PostgreSQL webhook store: {type(exc).__name__}: {exc}") from exc
        try:
            async with pool.acquire(timeout=self._timeout_s) as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(self.schema))
                for statement in _TABLES:
                    await conn.execute(statement)
        except _DRIVER_ERRORS as exc:
            pool.terminate()
            raise JournalUnavailable(f"PostgreSQL webhook store: {type(exc).__name__}: {exc}") from exc
        return pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), timeout=5)
            except (asyncio.TimeoutError, *_DRIVER_ERRORS):
                pool.terminate()

    async def _run(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        pool = await self._ensure_pool()
        try:
            async with pool.acquire(timeout=self._timeout_s) as conn, conn.transaction():
                for sql, params in statements:
                    await conn.execute(sql, *params)
        except _DRIVER_ERRORS as exc:
            raise JournalUnavailable(f"PostgreSQL webhook store: {type(exc).__name__}: {exc}") from exc

    async def _fetch(self, sql: str, *params: Any) -> list[Any]:
        pool = await self._ensure_pool()
        try:
            async with pool.acquire(timeout=self._timeout_s) as conn:
                return list(await conn.fetch(sql, *params))
        except _DRIVER_ERRORS as exc:
            raise JournalUnavailable(f"PostgreSQL webhook store: {type(exc).__name__}: {exc}") from exc

    async def positions(self) -> dict[str, int]:
        return {str(r[0]): int(r[1]) for r in await self._fetch("SELECT webhook_id, seq FROM webhook_positions")}

    async def save(self, webhook_id: str, attempts: Sequence[Attempt], position: int | None) -> None:
        before = self._recorded.get(webhook_id, 0)
        count = self._recorded[webhook_id] = before + len(attempts)
        statements: list[tuple[str, tuple[Any, ...]]] = [(_INSERT, (
            a.webhook_id, a.seq, a.event, a.attempt, a.status, a.error, a.duration_ms, a.at, a.first_at,
            a.outcome)) for a in attempts]
        if position is not None:
            statements.append((_UPSERT, (webhook_id, position)))
        if count // PRUNE_EVERY > before // PRUNE_EVERY:
            statements.append((_PRUNE, (webhook_id, KEEP_ATTEMPTS)))
        if statements:
            await self._run(statements)

    async def attempts(self, webhook_id: str, *, limit: int = 50, seq: int | None = None) -> list[Attempt]:
        if seq is None:
            rows = await self._fetch(f"SELECT {_COLUMNS} FROM webhook_attempts WHERE webhook_id = $1"
                                     " ORDER BY id DESC LIMIT $2", webhook_id, limit)
        else:
            rows = await self._fetch(f"SELECT {_COLUMNS} FROM webhook_attempts WHERE webhook_id = $1"
                                     " AND seq = $2 ORDER BY id DESC LIMIT $3", webhook_id, seq, limit)
        return [Attempt(str(r[0]), int(r[1]), str(r[2]), int(r[3]), None if r[4] is None else int(r[4]),
                        str(r[5]), int(r[6]), float(r[7]), float(r[8]), str(r[9])) for r in rows]

    async def forget(self, webhook_id: str) -> None:
        await self._run([("DELETE FROM webhook_positions WHERE webhook_id = $1", (webhook_id,)),
                         ("DELETE FROM webhook_attempts WHERE webhook_id = $1", (webhook_id,))])
