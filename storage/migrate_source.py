"""The source of ``run.py migrate``: a SQLite journal file, read-only, in one read transaction.

The transaction is a consistent cut of the file even while a server is still
writing to it (WAL); ``last_seq_now`` ends it and tells whether anyone
appended meanwhile. Reads run on one thread of their own (sqlite3
connections stay on their thread) and read one batch ahead of the copy.

Besides ``events`` and ``snapshots``, the file may hold tables other parts
keep beside the journal: ``SIDE_TABLES`` are copied with it. A table that is
neither is refused rather than left behind: its data would be lost.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncGenerator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from storage.journal import Recorded, Snapshot
from storage.migrate_check import MigrationRefused

EVENTS = "SELECT seq, stream, version, type, at, actor, data FROM events"
# Tables beside the journal → the column their rows are read in order of.
SIDE_TABLES = {"webhook_positions": "webhook_id", "webhook_attempts": "id"}  # storage/webhook_store.py
JOURNAL_TABLES = {"events", "snapshots", "schema_migrations", "sqlite_sequence"}


class SqliteSource:
    """A read-only view of a SQLite journal file; ``open()`` before use, ``close()`` after."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="migrate-sqlite")
        self._conn: sqlite3.Connection | None = None
        self.side_tables: list[str] = []  # those of SIDE_TABLES the file has

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        except sqlite3.Error as exc:
            raise MigrationRefused(f"cannot read the SQLite journal {self.path}: {exc}") from exc

    async def open(self) -> None:
        if not self.path.is_file():
            raise MigrationRefused(f"no SQLite journal at {self.path} (set ZAPIS_DATA_DIR to the server's data"
                                   " directory)")
        await self._run(self._open)

    def _open(self) -> None:
        conn = sqlite3.connect(f"file:{quote(str(self.path.resolve()))}?mode=ro", uri=True,
                               isolation_level=None, timeout=10)
        try:
            conn.execute("BEGIN")  # one read transaction: a consistent cut of the file
            conn.execute(f"{EVENTS} LIMIT 0")
            conn.execute("SELECT seq, schema, blob FROM snapshots LIMIT 0")
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise MigrationRefused(f"{self.path} is not a zapis journal: {exc}") from exc
        unknown = sorted(tables - JOURNAL_TABLES - SIDE_TABLES.keys())
        if unknown:
            conn.close()
            raise MigrationRefused(f"{self.path} holds tables migrate does not know how to copy: {unknown}"
                                   " (written by a newer zapis?); nothing was copied")
        self.side_tables = [t for t in SIDE_TABLES if t in tables]
        self._conn = conn

    def _conn_or_fail(self) -> sqlite3.Connection:
        assert self._conn is not None, "open() first"
        return self._conn

    async def _one(self, sql: str) -> Any:
        return await self._run(lambda: self._conn_or_fail().execute(sql).fetchone())

    async def snapshot(self) -> Snapshot | None:
        row = await self._one("SELECT seq, schema, blob FROM snapshots WHERE id = 1")
        return None if row is None else Snapshot(row[0], row[1], bytes(row[2]))

    async def count(self) -> int:
        return int((await self._one("SELECT count(*) FROM events"))[0])

    async def columns(self, table: str) -> list[str]:
        rows = await self._run(lambda: self._conn_or_fail().execute(f'PRAGMA table_info("{table}")').fetchall())
        return [row[1] for row in rows]

    async def batches(self, sql: str, size: int) -> AsyncGenerator[list[Any], None]:
        """The rows of ``sql`` in lists of ``size``, the next list read while the caller handles this one."""
        cursor: sqlite3.Cursor = await self._run(lambda: self._conn_or_fail().execute(sql))
        pending = asyncio.ensure_future(self._run(cursor.fetchmany, size))
        try:
            while rows := await pending:
                pending = asyncio.ensure_future(self._run(cursor.fetchmany, size))
                yield rows
        finally:
            pending.cancel()

    async def last_seq_now(self) -> int:
        """The journal's last seq as of now (the read transaction ended): did anyone append meanwhile?"""
        def now() -> int:
            conn = self._conn_or_fail()
            conn.execute("COMMIT")
            return int(conn.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0])

        return int(await self._run(now))

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, conn.close)
        self._executor.shutdown(wait=False)


def recorded(row: Sequence[Any]) -> Recorded:
    """A row of ``EVENTS`` decoded as the SQLite journal decodes it."""
    seq, stream, version, type_, at, actor, data = row
    return Recorded(seq, stream, version, type_, datetime.fromisoformat(at), actor, orjson.loads(data))
