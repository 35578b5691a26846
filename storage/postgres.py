"""The production journal: PostgreSQL through an asyncpg pool.

The group-commit writer's transaction first takes a transaction-level
advisory lock (one key per schema), then reads ``max(seq)`` and the batch's
stream versions, then COPYs the rows in. Every journal process takes the same
lock, so transactions that assign positions commit one after another and a
reader never sees seq N+1 before seq N, even with several server processes.
A duplicate ``(stream, version)`` (someone wrote without the lock) rolls the
batch back and it is re-planned, so the racing appends become conflicts.

Every driver failure is translated into ``JournalUnavailable``. The pool
replaces dead connections on the next acquire, so the journal recovers by
itself when the database comes back. A connection lost during COMMIT leaves
the batch in doubt: the writer asks ``_committed`` on a new connection
whether its first row is there (``storage.group``), so the appenders get the
true answer once the database is reachable again.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any

import asyncpg
import orjson

from storage.group import (
    GroupWriter,
    InDoubtCommit,
    Outcome,
    PendingAppend,
    PlannedBatch,
    WriterStats,
    plan_batch,
)
from storage.journal import CommitListener, JournalUnavailable, NewEvent, Recorded, Snapshot

_DRIVER_ERRORS = (
    OSError,  # refused, reset, unreachable
    asyncio.TimeoutError,  # connect, acquire or command timeout
    asyncpg.PostgresError,  # includes connection loss, shutdown, too many connections
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)
# Append-only: a new schema version is a new tuple at the end.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE events (
            seq bigint PRIMARY KEY,
            stream text NOT NULL,
            version bigint NOT NULL,
            type text NOT NULL,
            at timestamptz NOT NULL,
            actor text NOT NULL,
            data jsonb NOT NULL,
            UNIQUE (stream, version))""",
        "CREATE INDEX events_stream_seq ON events (stream, seq)",
        """CREATE TABLE snapshots (
            id smallint PRIMARY KEY CHECK (id = 1),
            seq bigint NOT NULL,
            schema integer NOT NULL,
            blob bytea NOT NULL,
            saved_at timestamptz NOT NULL DEFAULT now())""",
    ),
)
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_COLUMNS = ("seq", "stream", "version", "type", "at", "actor", "data")
_SELECT = "SELECT seq, stream, version, type, at, actor, data FROM events"
# Statement 2 of the write transaction: it runs after the lock is granted, so
# under READ COMMITTED its snapshot includes every earlier batch.
_POSITIONS = (
    "SELECT (SELECT coalesce(max(seq), 0) FROM events) AS last_seq, s.stream,"
    " (SELECT coalesce(max(version), 0) FROM events e WHERE e.stream = s.stream) AS version"
    " FROM unnest($1::text[]) AS s(stream)"
)


def _lock_key(schema: str, purpose: str) -> int:
    """A stable signed 64-bit advisory-lock key, one per schema and purpose."""
    digest = hashlib.blake2b(f"zapis:{purpose}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _encode_jsonb(value: Any) -> bytes:
    # The writer passes payloads already encoded by storage.group.prepare.
    return b"\x01" + (value if isinstance(value, bytes) else orjson.dumps(value))


def _decode_jsonb(data: bytes) -> Any:
    return orjson.loads(memoryview(data)[1:])  # binary jsonb: version byte, then text


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", format="binary", encoder=_encode_jsonb, decoder=_decode_jsonb
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Pool reset hook that skips asyncpg's default ``RESET ALL; UNLISTEN *; ...``.

    asyncpg still rolls back an open transaction itself. The journal never
    SETs, LISTENs, opens cursors or takes session-level advisory locks, so
    the default reset would cost one round trip per batch for nothing.
    """


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except _DRIVER_ERRORS as exc:
        raise JournalUnavailable(f"PostgreSQL {what} failed: {type(exc).__name__}: {exc}") from exc


def _recorded(row: asyncpg.Record) -> Recorded:
    return Recorded(row[0], row[1], row[2], row[3], row[4], row[5], row[6])


class PostgresJournal:
    """Journal in a PostgreSQL schema; see the module docstring."""

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "public",
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout_s: float = 5.0,
        command_timeout_s: float = 30.0,
        chunk_size: int = 5000,
        max_batch_events: int = 1000,
        doubt_timeout_s: float = 10.0,
    ) -> None:
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"schema must match {_SCHEMA_NAME.pattern}, got {schema!r}")
        self.schema = schema
        self._dsn = dsn
        self._pool_args: dict[str, Any] = {
            "min_size": min_size,
            "max_size": max_size,
            "timeout": connect_timeout_s,
            "command_timeout": command_timeout_s,
        }
        self._acquire_timeout_s = connect_timeout_s + 1.0
        self._chunk_size = chunk_size
        self._write_key = _lock_key(schema, "write")
        self._pool: asyncpg.Pool | None = None
        self._writer = GroupWriter(self._commit, max_batch_events=max_batch_events,
                                   confirm=self._committed, doubt_timeout_s=doubt_timeout_s)

    @property
    def stats(self) -> WriterStats:
        return self._writer.stats

    async def open(self) -> None:
        if self._pool is not None:
            return
        with _translated("connect"):
            pool = await asyncpg.create_pool(
                self._dsn,
                init=_init_connection,
                reset=_keep_session,
                server_settings={"search_path": self.schema},
                **self._pool_args,
            )
        try:
            await self._migrate(pool)
        except BaseException:
            pool.terminate()
            raise
        self._pool = pool
        self._writer.start()

    async def _migrate(self, pool: asyncpg.Pool) -> None:
        """Create or upgrade the schema; the lock makes concurrent openers take turns."""
        with _translated("migration"):
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(self.schema, "migrate"))
                exists = "SELECT 1 FROM pg_namespace WHERE nspname = $1"
                if not await conn.fetchval(exists, self.schema):  # needs CREATE on the database
                    await conn.execute(f'CREATE SCHEMA "{self.schema}"')
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations"
                    " (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                done = {r[0] for r in await conn.fetch("SELECT version FROM schema_migrations")}
                for version, statements in enumerate(_MIGRATIONS, start=1):
                    if version not in done:
                        for statement in statements:
                            await conn.execute(statement)
                        await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)

    async def close(self) -> None:
        await self._writer.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), timeout=10)
            except (asyncio.TimeoutError, *_DRIVER_ERRORS):
                pool.terminate()

    @asynccontextmanager
    async def _connection(self, what: str) -> AsyncIterator[asyncpg.Connection]:
        pool = self._pool
        if pool is None:
            raise JournalUnavailable("the journal is not open")
        with _translated(what):
            async with pool.acquire(timeout=self._acquire_timeout_s) as conn:
                yield conn

    async def _commit(self, batch: Sequence[PendingAppend]) -> list[Outcome]:
        streams = list({p.stream: None for p in batch})
        for attempt in range(3):
            try:
                async with self._connection("append") as conn:
                    transaction = conn.transaction()
                    await transaction.start()
                    try:
                        await conn.execute("SELECT pg_advisory_xact_lock($1)", self._write_key)
                        rows = await conn.fetch(_POSITIONS, streams)
                        plan = plan_batch(batch, rows[0][0], {r[1]: r[2] for r in rows})
                        if plan.rows:
                            await conn.copy_records_to_table(
                                "events",
                                columns=_COLUMNS,
                                records=[
                                    (r.seq, r.stream, r.version, r.type, r.at, r.actor, payload)
                                    for r, payload in plan.rows
                                ],
                            )
                    except BaseException:
                        with suppress(*_DRIVER_ERRORS):
                            await transaction.rollback()
                        raise
                    await self._finish(transaction, plan)
                return plan.outcomes
            except JournalUnavailable as exc:
                if not isinstance(exc.__cause__, asyncpg.UniqueViolationError) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    async def _finish(transaction: Any, plan: PlannedBatch) -> None:
        """COMMIT; a connection lost now leaves the batch in doubt (it may be durable)."""
        try:
            await transaction.commit()
        except _DRIVER_ERRORS as exc:
            if not plan.rows:
                raise
            raise InDoubtCommit(
                f"PostgreSQL connection lost during COMMIT: {type(exc).__name__}: {exc}",
                outcomes=plan.outcomes, probe=plan.rows[0][0],
            ) from exc

    async def _committed(self, probe: Recorded) -> bool:
        """Is ``probe`` (the first row of an in-doubt batch) in the journal?

        Taken under the write lock: a transaction whose COMMIT is still being
        processed holds it, so the answer is final, never "not yet".
        """
        sql = "SELECT stream, version, type, actor, at FROM events WHERE seq = $1"
        async with self._connection("confirm") as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", self._write_key)
            row = await conn.fetchrow(sql, probe.seq)
        return row is not None and tuple(row) == (probe.stream, probe.version, probe.type, probe.actor, probe.at)

    async def append(
        self, stream: str, expected_version: int, events: Sequence[NewEvent]
    ) -> list[Recorded]:
        return await self._writer.submit(stream, expected_version, events)

    async def read_stream(self, stream: str, from_version: int = 1) -> list[Recorded]:
        sql = f"{_SELECT} WHERE stream = $1 AND version >= $2 ORDER BY version"
        async with self._connection("read") as conn:
            return [_recorded(r) for r in await conn.fetch(sql, stream, from_version)]

    async def read_all(
        self, after_seq: int = 0, *, stream: str | None = None, limit: int | None = None
    ) -> AsyncIterator[Recorded]:
        where = "seq > $1" if stream is None else "stream = $3 AND seq > $1"
        sql = f"{_SELECT} WHERE {where} ORDER BY seq LIMIT $2"
        remaining = limit
        while remaining is None or remaining > 0:
            size = self._chunk_size if remaining is None else min(self._chunk_size, remaining)
            args = (after_seq, size) if stream is None else (after_seq, size, stream)
            async with self._connection("read") as conn:
                chunk = [_recorded(r) for r in await conn.fetch(sql, *args)]
            for recorded in chunk:
                yield recorded
            if len(chunk) < size:
                return
            after_seq = chunk[-1].seq
            if remaining is not None:
                remaining -= len(chunk)

    async def last_seq(self) -> int:
        async with self._connection("read") as conn:
            return int(await conn.fetchval("SELECT coalesce(max(seq), 0) FROM events"))

    async def stream_version(self, stream: str) -> int:
        sql = "SELECT coalesce(max(version), 0) FROM events WHERE stream = $1"
        async with self._connection("read") as conn:
            return int(await conn.fetchval(sql, stream))

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        sql = (
            "INSERT INTO snapshots (id, seq, schema, blob) VALUES (1, $1, $2, $3)"
            " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, schema = excluded.schema,"
            " blob = excluded.blob, saved_at = now()"
        )
        async with self._connection("snapshot") as conn:
            await conn.execute(sql, snapshot.seq, snapshot.schema, snapshot.blob)

    async def load_snapshot(self) -> Snapshot | None:
        async with self._connection("snapshot") as conn:
            row = await conn.fetchrow("SELECT seq, schema, blob FROM snapshots WHERE id = 1")
        return None if row is None else Snapshot(row[0], row[1], bytes(row[2]))

    async def ping(self) -> None:
        async with self._connection("ping") as conn:
            await conn.fetchval("SELECT 1")

    def add_listener(self, listener: CommitListener) -> None:
        self._writer.add_listener(listener)
