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

Several processes (docs/SCALING.md): a statement trigger on ``events``
sends ``pg_notify(<channel of this schema>, <the last seq inserted>)`` in
every write transaction (whoever writes, ``run.py create-user`` too),
delivered to listeners only if it commits. ``follow(after_seq)`` makes this journal
deliver every record to its listeners in seq order, other processes' too
(``storage.group``), and starts one task that LISTENs on a dedicated
connection outside the pool (reconnecting whenever it is lost) and polls
every ``poll_s`` seconds: a hint that never arrives costs latency, never a
record.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
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

log = logging.getLogger(__name__)

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
    (  # the commit hint: one NOTIFY per inserting statement, sent only if it commits; no extra round trip
        """CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('zapis_' || left(md5(TG_TABLE_SCHEMA), 16), (SELECT max(seq) FROM new_rows)::text);
            RETURN NULL;
        END $$""",
        """CREATE TRIGGER events_notify AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION events_notify()""",
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


def notify_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel of one schema's journal (the ``events_notify`` trigger's)."""
    return "zapis_" + hashlib.md5(schema.encode(), usedforsecurity=False).hexdigest()[:16]


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
        poll_s: float = 1.0,
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
                                   confirm=self._committed, doubt_timeout_s=doubt_timeout_s,
                                   read_range=self._read_range, chunk=chunk_size)
        self.channel = notify_channel(schema)
        self.poll_s = poll_s
        self.hints = 0  # commit hints received (own commits' included)
        self._follow_task: asyncio.Task[None] | None = None
        self._follow_stop = asyncio.Event()
        self._listen_conn: asyncpg.Connection | None = None

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
        await self._stop_following()
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
                        self._writer.saw(rows[0][0])
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

    # ------------------------------------------------------------ following other processes

    def follow(self, after_seq: int) -> None:
        """Deliver every record after ``after_seq`` to the listeners, other processes' too."""
        self._writer.follow(after_seq)
        if self._follow_task is None:
            self._follow_stop.clear()
            self._follow_task = asyncio.get_running_loop().create_task(self._follow(), name="journal-follow")

    async def catch_up(self) -> int:
        """Deliver whatever other processes committed so far; the last seq delivered."""
        return await self._writer.catch_up()

    @property
    def delivered(self) -> int | None:
        """Following: the last seq the listeners were given."""
        return self._writer.delivered

    async def _read_range(self, after: int, upto: int | None, limit: int) -> list[Recorded]:
        sql = f"{_SELECT} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
        async with self._connection("catch-up") as conn:
            rows = await conn.fetch(sql, after, upto if upto is not None else 2**63 - 1, limit)
        return [_recorded(r) for r in rows]

    def _on_hint(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.hints += 1
        try:
            seq = int(payload)
        except ValueError:
            seq = None
        delivered = self._writer.delivered
        if seq is None or delivered is None or seq > delivered:
            self._writer.request_catch_up()

    async def _follow(self) -> None:
        """LISTEN on a dedicated connection (reconnecting) and poll every ``poll_s``."""
        lost = asyncio.Event()
        while not self._follow_stop.is_set():
            if self._listen_conn is None or self._listen_conn.is_closed():
                self._listen_conn = None
                lost.clear()  # set again only by the next connection's loss
                try:
                    conn = await asyncpg.connect(self._dsn, timeout=self._pool_args["timeout"],
                                                 server_settings={"search_path": self.schema})
                    try:
                        conn.add_termination_listener(lambda _c: lost.set())
                        await conn.add_listener(self.channel, self._on_hint)
                    except BaseException:
                        conn.terminate()
                        raise
                    self._listen_conn = conn
                    self._writer.request_catch_up()  # whatever was committed while not listening
                except _DRIVER_ERRORS as exc:
                    log.warning("journal: cannot LISTEN for commit hints (%s); polling", exc)
            stop = asyncio.ensure_future(self._follow_stop.wait())
            gone = asyncio.ensure_future(lost.wait())
            try:
                await asyncio.wait((stop, gone), timeout=self.poll_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
                gone.cancel()
            self._writer.request_catch_up()  # the poll: a lost hint costs at most poll_s

    async def _stop_following(self) -> None:
        task, self._follow_task = self._follow_task, None
        if task is not None:
            self._follow_stop.set()
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        conn, self._listen_conn = self._listen_conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), timeout=2)
            except (asyncio.TimeoutError, *_DRIVER_ERRORS):
                conn.terminate()

    # ------------------------------------------------------------ reading

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
