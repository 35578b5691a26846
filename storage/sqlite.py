"""The embedded journal: standard-library sqlite3 in WAL mode, fsync on commit.

Two connections, each confined to its own single-thread executor (sqlite3
connections are not to be shared between threads): the writer, used by the
group-commit task and for snapshots, and the reader. Writes take
``BEGIN IMMEDIATE`` and assign ``seq = max(seq) + 1`` inside the
transaction, so another process appending to the same file (the CLI's
``create-user``) is serialised by SQLite's own lock and positions stay
ordered.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson

from storage.group import GroupWriter, Outcome, PendingAppend, WriterStats, plan_batch
from storage.journal import CommitListener, JournalUnavailable, NewEvent, Recorded, Snapshot

T = TypeVar("T")

_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            stream TEXT NOT NULL,
            version INTEGER NOT NULL,
            type TEXT NOT NULL,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            data TEXT NOT NULL,
            UNIQUE (stream, version))""",
        # Every SQLite index ends with the rowid (= seq): this one serves
        # read_all(stream=...) in seq order.
        "CREATE INDEX events_stream_seq ON events (stream)",
        """CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            seq INTEGER NOT NULL,
            schema INTEGER NOT NULL,
            blob BLOB NOT NULL,
            saved_at TEXT NOT NULL)""",
    ),
)

_COLUMNS = "seq, stream, version, type, at, actor, data"


class _Connection:
    """A sqlite3 connection living in its own thread; errors become JournalUnavailable."""

    def __init__(self, path: Path, busy_timeout_s: float, *, query_only: bool) -> None:
        self._path = path
        self._busy_timeout_s = busy_timeout_s
        self._query_only = query_only
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> None:
        conn = sqlite3.connect(self._path, timeout=self._busy_timeout_s, isolation_level=None)
        deadline = time.monotonic() + self._busy_timeout_s
        while True:  # switching to WAL can be BUSY without the busy handler being called
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    conn.close()
                    raise
                time.sleep(0.01)  # in this connection's own thread, not the event loop
        conn.execute("PRAGMA synchronous=FULL")
        if self._query_only:
            conn.execute("PRAGMA query_only=1")
        self._conn = conn

    async def open(self) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"sqlite-{self._path.name}")
            try:
                await self._call(self._executor, self._connect)
            except BaseException:
                await self.close()
                raise

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(connection, *args)`` in this connection's thread."""
        conn, executor = self._conn, self._executor
        if conn is None or executor is None:
            raise JournalUnavailable(f"sqlite {self._path}: the journal is not open")
        return await self._call(executor, lambda: fn(conn, *args))

    async def _call(self, executor: ThreadPoolExecutor, fn: Callable[[], T]) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn)
        except sqlite3.Error as exc:
            raise JournalUnavailable(f"sqlite {self._path}: {exc}") from exc

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        executor, self._executor = self._executor, None
        if executor is not None:
            if conn is not None:
                await asyncio.get_running_loop().run_in_executor(executor, conn.close)
            executor.shutdown(wait=False)


def _migrate(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")  # a second process opening at once waits here
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {v for (v,) in conn.execute("SELECT version FROM schema_migrations")}
        for version, statements in enumerate(_MIGRATIONS, start=1):
            if version in done:
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                (version,),
            )
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the original error is the one worth reporting


def _write_batch(conn: sqlite3.Connection, batch: Sequence[PendingAppend]) -> list[Outcome]:
    """One transaction: read positions under the write lock, check, insert, commit."""
    for attempt in range(3):
        conn.execute("BEGIN IMMEDIATE")
        try:
            (last_seq,) = conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
            versions = {}
            for stream in {p.stream for p in batch}:
                (versions[stream],) = conn.execute(
                    "SELECT coalesce(max(version), 0) FROM events WHERE stream = ?", (stream,)
                ).fetchone()
            plan = plan_batch(batch, last_seq, versions)
            conn.executemany(
                f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (r.seq, r.stream, r.version, r.type,
                     r.at.isoformat(timespec="microseconds"), r.actor, payload.decode())
                    for r, payload in plan.rows
                ],
            )
            conn.execute("COMMIT")
            return plan.outcomes
        except sqlite3.IntegrityError:
            # Only a writer that skipped BEGIN IMMEDIATE can get here: re-plan.
            _rollback(conn)
            if attempt == 2:
                raise
        except BaseException:
            _rollback(conn)
            raise
    raise AssertionError("unreachable")


def _fetch(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Recorded]:
    """Decode rows in the reader thread, keeping the event loop free."""
    parse, loads = datetime.fromisoformat, orjson.loads
    return [
        Recorded(seq, stream, version, type_, parse(at), actor, loads(data))
        for seq, stream, version, type_, at, actor, data in conn.execute(sql, params)
    ]


def _scalar(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Any:
    return conn.execute(sql, params).fetchone()[0]


def _save_snapshot(conn: sqlite3.Connection, snapshot: Snapshot) -> None:
    conn.execute(
        "INSERT INTO snapshots (id, seq, schema, blob, saved_at)"
        " VALUES (1, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
        " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, schema = excluded.schema,"
        " blob = excluded.blob, saved_at = excluded.saved_at",
        (snapshot.seq, snapshot.schema, snapshot.blob),
    )


def _load_snapshot(conn: sqlite3.Connection) -> Snapshot | None:
    row = conn.execute("SELECT seq, schema, blob FROM snapshots WHERE id = 1").fetchone()
    return None if row is None else Snapshot(row[0], row[1], bytes(row[2]))


class SqliteJournal:
    """Journal in one SQLite file; see the module docstring."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_s: float = 10.0,
        chunk_size: int = 5000,
        max_batch_events: int = 1000,
    ) -> None:
        self.path = Path(path)
        self._busy_timeout_s = busy_timeout_s
        self._chunk_size = chunk_size
        self._writer_conn = _Connection(self.path, busy_timeout_s, query_only=False)
        self._reader_conn = _Connection(self.path, busy_timeout_s, query_only=True)
        self._writer = GroupWriter(self._commit, max_batch_events=max_batch_events)

    @property
    def stats(self) -> WriterStats:
        return self._writer.stats

    async def open(self) -> None:
        try:
            await self._writer_conn.open()
            await self._writer_conn.run(_migrate)
            await self._reader_conn.open()
        except BaseException:
            await self.close()
            raise
        self._writer.start()

    async def close(self) -> None:
        await self._writer.close()
        await self._writer_conn.close()
        await self._reader_conn.close()

    async def _commit(self, batch: Sequence[PendingAppend]) -> list[Outcome]:
        return await self._writer_conn.run(_write_batch, batch)

    async def append(
        self, stream: str, expected_version: int, events: Sequence[NewEvent]
    ) -> list[Recorded]:
        return await self._writer.submit(stream, expected_version, events)

    async def read_stream(self, stream: str, from_version: int = 1) -> list[Recorded]:
        sql = f"SELECT {_COLUMNS} FROM events WHERE stream = ? AND version >= ? ORDER BY version"
        return await self._reader_conn.run(_fetch, sql, (stream, from_version))

    async def read_all(
        self, after_seq: int = 0, *, stream: str | None = None, limit: int | None = None
    ) -> AsyncIterator[Recorded]:
        where = "seq > ?" if stream is None else "seq > ? AND stream = ?"
        sql = f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY seq LIMIT ?"
        remaining = limit
        while remaining is None or remaining > 0:
            size = self._chunk_size if remaining is None else min(self._chunk_size, remaining)
            params = (after_seq, size) if stream is None else (after_seq, stream, size)
            chunk = await self._reader_conn.run(_fetch, sql, params)
            for recorded in chunk:
                yield recorded
            if len(chunk) < size:
                return
            after_seq = chunk[-1].seq
            if remaining is not None:
                remaining -= len(chunk)

    async def last_seq(self) -> int:
        sql = "SELECT coalesce(max(seq), 0) FROM events"
        return int(await self._reader_conn.run(_scalar, sql, ()))

    async def stream_version(self, stream: str) -> int:
        sql = "SELECT coalesce(max(version), 0) FROM events WHERE stream = ?"
        return int(await self._reader_conn.run(_scalar, sql, (stream,)))

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        await self._writer_conn.run(_save_snapshot, snapshot)

    async def load_snapshot(self) -> Snapshot | None:
        return await self._reader_conn.run(_load_snapshot)

    async def ping(self) -> None:
        await self._reader_conn.run(_scalar, "SELECT 1", ())

    def add_listener(self, listener: CommitListener) -> None:
        self._writer.add_listener(listener)
