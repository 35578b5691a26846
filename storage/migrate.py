"""``python run.py migrate --to postgresql://…``: the embedded SQLite journal into an empty PostgreSQL one (SPEC §9.4).

What is copied is everything the SQLite file holds: every row of ``events``
(seq, stream, version, type, at, actor and the JSON data as stored, so
idempotency keys, the bot's ``notifier`` marks, webhook registrations and
every other stream come along), the snapshot row, and the tables kept beside
the journal (``storage/migrate_source.py``: the webhooks' positions and
attempts, so no endpoint is sent its events again). The target's tables are
created the way the server creates them (``PostgresJournal.open``: the same
migrations, the commit-hint trigger included; ``PostgresWebhookStore``).
The server assigns ``seq = max(seq) + 1`` under its write lock (there is no
sequence object), so a server started on the target appends right after the
migrated positions; the attempts' ``bigserial`` is set past the copied ids.

**One transaction.** The copy, the checks and the refusal test all happen in
one transaction on the target that first takes the journal's write lock:
either the whole journal is there and verified, or nothing is (an error,
a failed check, Ctrl-C or a lost connection roll it back, and running the
command again starts over). Resuming a half-done copy would need the target
to say how far it got and the source to be unchanged since; one transaction
needs neither and costs only the target's WAL for the journal's size.

**Bounded memory.** Rows are streamed from one read transaction on SQLite (a
consistent cut even if a server is still writing) in batches of ``batch``,
each COPYed before the next is taken. The checks replay the states, so the
peak is about what the server itself holds for this journal: one replayed
state at a time (the source's is reduced to digests before the target's is
built).

**Checks, before COMMIT.** Reading the target back inside the transaction:
per-stream event counts and last versions, the last seq, a digest of every
event (key order aside, as jsonb keeps keys its own way), and the fold of the
target equal to the fold of the source, stream by stream; then the copied
snapshot plus the target's tail equal to that full fold (what the server will
load); the rows beside the journal read back equal (count and an order-free
digest). The SQLite journal must not have grown meanwhile (a server still
running on it): then the copy is rolled back and the operator told to stop it.

Refusals (``MigrationRefused``, exit code 2) leave the target as it was; a
failure after the copy began (``MigrationFailed``, exit code 1) is rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import orjson

from actors.runtime import collector_paused
from actors.snapshot import SCHEMA, unpack
from actors.streams import fold
from storage.journal import JournalError, Recorded
from storage.migrate_check import (
    ROLLED_BACK,
    MigrationFailed,
    MigrationRefused,
    RowTally,
    Tally,
    census,
    compare,
    differing,
    state_digest,
    stream_table,
)
from storage.migrate_source import EVENTS, SIDE_TABLES, SqliteSource, recorded
from storage.postgres import PostgresJournal, _lock_key
from storage.webhook_store_pg import PostgresWebhookStore

__all__ = ["MigrationFailed", "MigrationRefused", "Report", "migrate", "migrate_command"]

_DRIVER_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                  asyncpg.InternalClientError)
_COLUMNS = ("seq", "stream", "version", "type", "at", "actor", "data")
Say = Callable[[str], None]


@dataclass
class Report:
    """What was copied and checked; ``lines()`` is what the command prints."""

    tally: Tally
    snapshot_note: str
    side_rows: dict[str, int]
    branches: int
    appointments: int
    clients: int
    source: str = ""
    target: str = ""
    seconds: float = 0.0

    def lines(self) -> list[str]:
        t = self.tally
        rate = t.events / self.seconds if self.seconds > 0 else 0.0
        out = [f"copied {t.events:,} events (last seq {t.last_seq:,}) in {len(t.streams)} streams"
               f" from {self.source} to {self.target} in {self.seconds:.1f} s ({rate:,.0f} events/s)",
               f"snapshot: {self.snapshot_note}"]
        out += [f"  {line}" for line in stream_table(t.streams)]
        out += [f"{table}: {rows:,} rows" for table, rows in self.side_rows.items()]
        out.append(f"verified: counts and versions per stream, last seq, every event, the rows beside the journal,"
                   f" and the replayed state ({self.branches} branches, {self.appointments:,} appointments,"
                   f" {self.clients:,} clients) equal the source's")
        return out


def shown_url(url: str) -> str:
    """``postgresql://user@host:port/db`` without the password (for messages), even for a broken URL."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0] + at
    return f"{parts.scheme}://{user}{hostport}{parts.path}"


# ------------------------------------------------------------ the target


async def connect_target(url: str, schema: str) -> asyncpg.Connection:
    """A connection to the target whose jsonb takes the source's JSON text as it is."""
    if urlsplit(url).scheme.lower() not in ("postgresql", "postgres"):
        raise MigrationRefused(f"the target must be a postgresql:// URL, got {url[:12]!r}…")
    try:
        conn = await asyncpg.connect(url, timeout=10, server_settings={"search_path": schema})
    except asyncpg.InvalidCatalogNameError as exc:
        raise MigrationRefused(f"the target database does not exist ({exc}): create an empty one first"
                               " (createdb, or CREATE DATABASE)") from exc
    except (*_DRIVER_ERRORS, ValueError) as exc:  # ValueError: a URL asyncpg cannot parse
        raise MigrationRefused(f"cannot connect to the target {shown_url(url)}: {type(exc).__name__}: {exc}") from exc
    try:
        await conn.set_type_codec("jsonb", schema="pg_catalog", format="binary",
                                  encoder=lambda text: b"\x01" + text,  # binary jsonb: version 1, then the text
                                  decoder=lambda data: orjson.loads(memoryview(data)[1:]))
    except BaseException:
        conn.terminate()
        raise
    return conn


async def holds_journal(conn: asyncpg.Connection, schema: str) -> str | None:
    """What the target already holds (why it is not empty), or None."""
    checks = [("events", "SELECT 'events up to seq ' || max(seq) FROM events HAVING count(*) > 0"),
              ("snapshots", "SELECT 'a snapshot at seq ' || seq FROM snapshots")]
    checks += [(t, f"SELECT count(*) || ' rows in {t}' FROM {t} HAVING count(*) > 0") for t in SIDE_TABLES]
    for table, what in checks:
        if await conn.fetchval("SELECT to_regclass(quote_ident($1) || '.' || $2)", schema, table) is not None:
            found = await conn.fetchval(what)
            if found is not None:
                return str(found)
    return None


async def create_tables(url: str, schema: str) -> None:
    """The journal's tables, trigger and migrations, and the tables beside it, as the server creates them."""
    for store in (PostgresJournal(url, schema=schema, min_size=1, max_size=1), PostgresWebhookStore(url, schema)):
        try:
            await store.open()
        except JournalError as exc:
            raise MigrationRefused(f"cannot create the journal's tables on the target: {exc}") from exc
        finally:
            await store.close()


async def migrate(source_path: Path, target_url: str, *, schema: str = "public", batch: int = 10_000,
                  with_snapshot: bool = True, say: Say = print) -> Report:
    """Copy the SQLite journal at ``source_path`` into the empty PostgreSQL ``target_url`` and check it."""
    started = time.perf_counter()
    source = SqliteSource(source_path)
    await source.open()
    try:
        conn = await connect_target(target_url, schema)
        try:
            found = await holds_journal(conn, schema)
            if found is not None:
                raise MigrationRefused(not_empty(target_url, found))
            await create_tables(target_url, schema)
            try:  # (the folded states are acyclic: the cyclic collector would only re-scan them)
                with collector_paused():
                    async with conn.transaction():
                        report = await _copy_and_check(source, conn, target_url, schema, batch, with_snapshot, say)
            except _DRIVER_ERRORS as exc:
                raise MigrationFailed(f"PostgreSQL failed during the copy ({type(exc).__name__}: {exc});"
                                      f" {ROLLED_BACK}") from exc
            with contextlib.suppress(*_DRIVER_ERRORS):
                await conn.execute("ANALYZE events")  # the planner's statistics for the server's first queries
        finally:
            await conn.close()
    finally:
        await source.close()
    report.source, report.target = str(source_path), shown_url(target_url)
    report.seconds = time.perf_counter() - started
    return report


def not_empty(url: str, found: str) -> str:
    return (f"the target {shown_url(url)} is not empty: it holds {found}. migrate copies into an empty"
            " database only and changed nothing (was it migrated already? then start the server on it)")


async def _copy_and_check(source: SqliteSource, conn: asyncpg.Connection, url: str, schema: str, batch: int,
                          with_snapshot: bool, say: Say) -> Report:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(schema, "write"))  # as the server's writer
    found = await holds_journal(conn, schema)  # again, under the lock: someone may have been quicker
    if found is not None:
        raise MigrationRefused(not_empty(url, found))
    snap = await source.snapshot() if with_snapshot else None
    total = await source.count()
    say(f"copying {total:,} events" + (f" and the snapshot at seq {snap.seq:,}" if snap else "") + " …")
    copied = await _copy_events(source, conn, schema, batch, total, say)
    if snap is not None:
        await conn.execute("INSERT INTO snapshots (id, seq, schema, blob) VALUES (1, $1, $2, $3)",
                           snap.seq, snap.schema, snap.blob)
    side_rows = {table: await _copy_side_table(source, conn, schema, table, batch) for table in source.side_tables}
    now = await source.last_seq_now()
    if now != copied.last_seq:
        raise MigrationFailed(f"the SQLite journal grew during the copy (seq {copied.last_seq:,} → {now:,}):"
                              f" a server is still running on it. Stop it and run migrate again; {ROLLED_BACK}")
    say("checking: replaying the target …")
    expected = copied.state_digests()
    back = Tally()
    folder = Folder(back)
    try:
        async for rows in _target_rows(conn, f"{EVENTS} ORDER BY seq", batch):
            await folder.add(rows, lambda row: Recorded(*row))
        await folder.drain()
    finally:
        folder.close()
    counts = census(back.states)
    replayed = back.state_digests()
    compare(copied, back, expected, replayed)
    if snap is None:
        note = "none (the server replays the whole journal on its first start, and saves one when it stops)"
    else:
        note = await _check_snapshot(conn, replayed, batch)
    return Report(copied, note, side_rows, *counts)


class Folder:
    """Folds batches into a ``Tally`` on a thread of its own, one batch at a time, in order.

    The fold is pure Python; PostgreSQL parses a COPY or produces the next
    rows in its own process meanwhile, so the two overlap instead of taking
    turns (the GIL is shared with the event loop, which only pushes bytes).
    """

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="migrate-fold")
        self._pending: asyncio.Future[None] | None = None

    async def add(self, rows: list[Any], decode: Callable[[Any], Recorded]) -> None:
        """Wait for the previous batch (memory stays bounded), then fold this one in the background."""
        await self.drain()
        self._pending = asyncio.get_running_loop().run_in_executor(self._executor, self._fold, rows, decode)

    def _fold(self, rows: list[Any], decode: Callable[[Any], Recorded]) -> None:
        try:
            self.tally.add([decode(row) for row in rows])
        except Exception as exc:  # noqa: BLE001 - a journal this version cannot replay: say where, not a traceback
            raise MigrationFailed(f"cannot replay events {rows[0][0]}..{rows[-1][0]}: {type(exc).__name__}:"
                                  f" {exc}; {ROLLED_BACK}") from exc

    async def drain(self) -> Tally:
        pending, self._pending = self._pending, None
        if pending is not None:
            await pending
        return self.tally

    def close(self) -> None:
        """After ``drain()``; on an error path the batch still folding is abandoned."""
        if self._pending is not None:
            self._pending.cancel()
        self._executor.shutdown(wait=True)


async def _copy_events(source: SqliteSource, conn: asyncpg.Connection, schema: str, batch: int, total: int,
                       say: Say) -> Tally:
    """COPY the source's events batch by batch; each batch is decoded, folded and digested meanwhile."""
    folder, step, done = Folder(Tally()), max(100_000, total // 10), 0
    try:
        async with contextlib.aclosing(source.batches(f"{EVENTS} ORDER BY seq", batch)) as batches:
            async for rows in batches:
                await folder.add(rows, recorded)
                try:  # the JSON text goes in as it is: jsonb parses it
                    await conn.copy_records_to_table(
                        "events", schema_name=schema, columns=_COLUMNS,
                        records=[(seq, stream, version, type_, datetime.fromisoformat(at), actor, data.encode())
                                 for seq, stream, version, type_, at, actor, data in rows])
                except asyncpg.PostgresError as exc:
                    raise MigrationFailed(f"PostgreSQL refused events {rows[0][0]}..{rows[-1][0]}: {exc};"
                                          f" {ROLLED_BACK}") from exc
                if (done + len(rows)) // step > done // step:
                    say(f"  {done + len(rows):,} / {total:,} events copied")
                done += len(rows)
        return await folder.drain()
    finally:
        folder.close()


async def _copy_side_table(source: SqliteSource, conn: asyncpg.Connection, schema: str, table: str,
                           batch: int) -> int:
    """Copy a table kept beside the journal, read it back, compare; set its serial past the copied ids."""
    columns = await source.columns(table)
    listed = ", ".join(f'"{c}"' for c in columns)
    copied, back = RowTally(), RowTally()
    try:
        async with contextlib.aclosing(source.batches(f"SELECT {listed} FROM {table}", batch)) as batches:
            async for rows in batches:
                await conn.copy_records_to_table(table, schema_name=schema, columns=columns, records=rows)
                copied.add(rows)
        async for rows in _target_rows(conn, f"SELECT {listed} FROM {table}", batch):
            back.add(rows)
        for column in columns:
            serial = await conn.fetchval("SELECT pg_get_serial_sequence(quote_ident($1) || '.' || $2, $3)",
                                         schema, table, column)
            if serial is not None and copied.rows:
                await conn.execute(f"SELECT setval($1, (SELECT max({column}) FROM {table}))", serial)
    except (asyncpg.PostgresError, asyncpg.DataError) as exc:
        raise MigrationFailed(f"PostgreSQL refused the rows of {table}: {exc}; {ROLLED_BACK}") from exc
    if (back.rows, back.total) != (copied.rows, copied.total):
        raise MigrationFailed(f"the target's {table} differs from the source's ({back.rows} rows read back,"
                              f" {copied.rows} copied); {ROLLED_BACK}")
    return copied.rows


async def _target_rows(conn: asyncpg.Connection, sql: str, batch: int) -> AsyncGenerator[list[Any], None]:
    """Rows of ``sql`` on the target through a cursor of the migration's transaction, in lists of ``batch``."""
    cursor = await conn.cursor(sql)
    while rows := await cursor.fetch(batch):
        yield [tuple(row) for row in rows]


async def _target_records(conn: asyncpg.Connection, after: int, batch: int) -> AsyncGenerator[list[Recorded], None]:
    """The target's events after ``after`` in seq order, as the PostgreSQL journal decodes them."""
    query = await conn.prepare(f"{EVENTS} WHERE seq > $1 ORDER BY seq LIMIT $2")
    while rows := await query.fetch(after, batch):
        yield [Recorded(*row) for row in rows]
        after = rows[-1][0]


async def _check_snapshot(conn: asyncpg.Connection, replayed: dict[str, bytes], batch: int) -> str:
    """The copied snapshot plus the target's tail must equal the full replay (what the server loads)."""
    row = await conn.fetchrow("SELECT seq, schema, blob FROM snapshots WHERE id = 1")
    seq, schema = row[0], row[1]
    states = unpack(bytes(row[2]))
    if states is None:
        return (f"seq {seq:,}, schema {schema}, not this version's ({SCHEMA}): copied as it is; the server"
                " replays the whole journal on its first start")
    tail = 0
    async for records in _target_records(conn, seq, batch):
        fold(records, states)
        tail += len(records)
    differ = differing({n: state_digest(s) for n, s in states.items()}, replayed)
    if differ:
        raise MigrationFailed(
            f"the source's snapshot (seq {seq:,}) plus the events after it differs from the full replay in"
            f" {differ[:10]}: the snapshot is damaged (python run.py replay shows it). Run migrate with"
            f" --without-snapshot to leave it behind; {ROLLED_BACK}")
    return f"seq {seq:,}, + {tail:,} events after it = the full replay"


# ------------------------------------------------------------ the command


async def migrate_command(database_url: str | None, sqlite_path: Path, target_url: str, *,
                          with_snapshot: bool = True, batch: int = 10_000) -> int:
    """``python run.py migrate``: 0 copied and verified, 2 refused (nothing changed), 1 failed (rolled back)."""
    def say(line: str) -> None:
        print(line, flush=True)

    if database_url:
        print(f"error: migrate copies the embedded SQLite journal, but ZAPIS_DATABASE_URL is set"
              f" ({shown_url(database_url)}): this server does not run on SQLite. Unset it (and point"
              f" ZAPIS_DATA_DIR at the data directory holding {sqlite_path.name}) to migrate", file=sys.stderr)
        return 2
    say(f"source: SQLite {sqlite_path}; target: {shown_url(target_url)}")
    try:
        report = await migrate(sqlite_path, target_url, batch=batch, with_snapshot=with_snapshot, say=say)
    except MigrationRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    except MigrationFailed as failed:
        print(f"error: {failed}", file=sys.stderr)
        return 1
    except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancelled us, the transaction was rolled back
        print(f"interrupted: {ROLLED_BACK}", file=sys.stderr)
        return 130
    for line in report.lines():
        say(line)
    say(f"done: start the server with ZAPIS_DATABASE_URL={shown_url(target_url)} (the SQLite file is left as it"
        " was; do not start a server on it again, or the two diverge)")
    return 0
