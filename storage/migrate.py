"""``python run.py migrate --to postgresql://…``: the embedded SQLite journal into an empty PostgreSQL one (SPEC §9.4).

What is copied is everything the SQLite file holds: every row of ``events``
(seq, stream, version, type, at, actor and the JSON data as stored, so
idempotency keys, the bot's ``notifier`` marks and every other stream come
along) and the snapshot row. The target's tables are created the way the
server creates them (``PostgresJournal.open``: the same migrations, the
commit-hint trigger included). The server assigns ``seq = max(seq) + 1``
under its write lock (there is no sequence object), so a server started on
the target appends right after the migrated positions.

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
load). The SQLite journal must not have grown meanwhile (a server still
running on it): then the copy is rolled back and the operator told to stop it.

Refusals (``MigrationRefused``, exit code 2) leave the target as it was; a
failure after the copy began (``MigrationFailed``, exit code 1) is rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
import sys
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import asyncpg
import orjson

from actors.snapshot import SCHEMA, State, encode_state, unpack
from actors.streams import BRANCH_PREFIX, CLIENTS, fold, fresh
from storage.journal import JournalError, Recorded, Snapshot
from storage.postgres import PostgresJournal, _lock_key

_DRIVER_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                  asyncpg.InternalClientError)
_COLUMNS = ("seq", "stream", "version", "type", "at", "actor", "data")
_SELECT = "SELECT seq, stream, version, type, at, actor, data FROM events"
_DUMP = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
Say = Callable[[str], None]


class MigrationRefused(Exception):
    """Nothing was copied and the target is as it was (exit code 2)."""


class MigrationFailed(Exception):
    """The copy or a check failed; the transaction was rolled back (exit code 1)."""


@dataclass
class Tally:
    """What a pass over a journal saw: per-stream counts and versions, a digest, the folded states."""

    streams: dict[str, list[int]] = field(default_factory=dict)  # stream → [events, last version]
    last_seq: int = 0
    events: int = 0
    states: dict[str, State] = field(default_factory=dict)
    _digest: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=32))

    def add(self, records: Sequence[Recorded]) -> None:
        dumps, update = orjson.dumps, self._digest.update
        for r in records:
            update(dumps((r.seq, r.stream, r.version, r.type, r.at, r.actor, r.data), option=_DUMP))
            seen = self.streams.get(r.stream)
            if seen is None:
                self.streams[r.stream] = [1, r.version]
            else:
                seen[0] += 1
                seen[1] = max(seen[1], r.version)
        if records:
            self.last_seq = records[-1].seq
            self.events += len(records)
        fold(records, self.states)

    @property
    def digest(self) -> str:
        return self._digest.hexdigest()  # type: ignore[no-any-return]

    def state_digests(self) -> dict[str, bytes]:
        """Each stream's state as a digest; the states themselves are dropped (memory)."""
        digests = {name: state_digest(s) for name, s in self.states.items()}
        self.states = {}
        return digests


def state_digest(state: State) -> bytes:
    return hashlib.blake2b(orjson.dumps(encode_state(state), option=_DUMP, default=str)).digest()


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Streams whose states differ; a stream missing on one side counts as fresh there."""
    def of(d: dict[str, bytes], name: str) -> bytes:
        return d[name] if name in d else state_digest(fresh(name))

    return sorted(n for n in a.keys() | b.keys() if of(a, n) != of(b, n))


@dataclass
class Report:
    """What was copied and checked; ``lines()`` is what the command prints."""

    source: str
    target: str
    tally: Tally
    snapshot_note: str
    seconds: float
    branches: int
    appointments: int
    clients: int

    def lines(self) -> list[str]:
        t = self.tally
        rate = t.events / self.seconds if self.seconds > 0 else 0.0
        out = [f"copied {t.events:,} events (last seq {t.last_seq:,}) in {len(t.streams)} streams"
               f" from {self.source} to {self.target} in {self.seconds:.1f} s ({rate:,.0f} events/s)",
               f"snapshot: {self.snapshot_note}"]
        out += [f"  {line}" for line in stream_table(t.streams)]
        out.append(f"verified: counts and versions per stream, last seq, every event, and the replayed state"
                   f" ({self.branches} branches, {self.appointments:,} appointments, {self.clients:,} clients)"
                   " equal the source's")
        return out


def stream_table(streams: dict[str, list[int]], limit: int = 20) -> list[str]:
    """Events per stream; with many branches, the branch streams are summed into one line."""
    rows = sorted(streams.items())
    if len(rows) > limit:
        branch = [(n, v) for n, v in rows if n.startswith(BRANCH_PREFIX)]
        rows = [(n, v) for n, v in rows if not n.startswith(BRANCH_PREFIX)]
        rows.append((f"{BRANCH_PREFIX}* ({len(branch)} streams)", [sum(v[0] for _, v in branch), 0]))
    width = max((len(n) for n, _ in rows), default=6)
    return [f"{'stream':<{width}}  {'events':>10}"] + [f"{n:<{width}}  {v[0]:>10,}" for n, v in rows]


def shown_url(url: str) -> str:
    """``postgresql://user@host:port/db`` without the password (for messages), even for a broken URL."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0] + at
    return f"{parts.scheme}://{user}{hostport}{parts.path}"


# ------------------------------------------------------------ the source


class SqliteSource:
    """A read-only view of a SQLite journal file, read in one transaction on its own thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="migrate-sqlite")
        self._conn: sqlite3.Connection | None = None

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
            conn.execute(f"{_SELECT} LIMIT 0")
            conn.execute("SELECT seq, schema, blob FROM snapshots LIMIT 0")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise MigrationRefused(f"{self.path} is not a zapis journal: {exc}") from exc
        self._conn = conn

    def _conn_or_fail(self) -> sqlite3.Connection:
        assert self._conn is not None, "open() first"
        return self._conn

    async def snapshot(self) -> Snapshot | None:
        row = await self._run(lambda: self._conn_or_fail().execute(
            "SELECT seq, schema, blob FROM snapshots WHERE id = 1").fetchone())
        return None if row is None else Snapshot(row[0], row[1], bytes(row[2]))

    async def batches(self, size: int) -> AsyncGenerator[list[Any], None]:
        """Lists of raw rows ``(seq, stream, version, type, at, actor, data_text)`` in seq order."""
        cursor: sqlite3.Cursor = await self._run(lambda: self._conn_or_fail().execute(f"{_SELECT} ORDER BY seq"))
        pending = asyncio.ensure_future(self._run(cursor.fetchmany, size))
        try:
            while rows := await pending:
                pending = asyncio.ensure_future(self._run(cursor.fetchmany, size))  # read ahead while this is copied
                yield rows
        finally:
            pending.cancel()

    async def count(self) -> int:
        return int(await self._run(lambda: self._conn_or_fail().execute("SELECT count(*) FROM events").fetchone()[0]))

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
    """A SQLite row decoded as the SQLite journal decodes it."""
    seq, stream, version, type_, at, actor, data = row
    return Recorded(seq, stream, version, type_, datetime.fromisoformat(at), actor, orjson.loads(data))


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
    """What the target's journal already holds (why it is not empty), or None."""
    for table, what in (("events", "SELECT 'events up to seq ' || max(seq) FROM events HAVING count(*) > 0"),
                        ("snapshots", "SELECT 'a snapshot at seq ' || seq FROM snapshots")):
        if await conn.fetchval("SELECT to_regclass(quote_ident($1) || '.' || $2)", schema, table) is not None:
            found = await conn.fetchval(what)
            if found is not None:
                return str(found)
    return None


async def create_tables(url: str, schema: str) -> None:
    """The journal's tables, trigger and migrations, exactly as the server creates them."""
    journal = PostgresJournal(url, schema=schema, min_size=1, max_size=1)
    try:
        await journal.open()
    except JournalError as exc:
        raise MigrationRefused(f"cannot create the journal's tables on the target: {exc}") from exc
    await journal.close()


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
            try:
                async with conn.transaction():
                    report = await _copy_and_check(source, conn, target_url, schema, batch, with_snapshot, say)
                    report.source, report.target = str(source_path), shown_url(target_url)
            except _DRIVER_ERRORS as exc:
                raise MigrationFailed(f"PostgreSQL failed during the copy ({type(exc).__name__}: {exc});"
                                      f" {ROLLED_BACK}") from exc
            with contextlib.suppress(*_DRIVER_ERRORS):
                await conn.execute("ANALYZE events")  # the planner's statistics for the server's first queries
        finally:
            await conn.close()
    finally:
        await source.close()
    report.seconds = time.perf_counter() - started
    return report


def not_empty(url: str, found: str) -> str:
    return (f"the target {shown_url(url)} is not empty: its journal holds {found}. migrate copies into an empty"
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
    now = await source.last_seq_now()
    if now != copied.last_seq:
        raise MigrationFailed(f"the SQLite journal grew during the copy (seq {copied.last_seq:,} → {now:,}):"
                              f" a server is still running on it. Stop it and run migrate again; {ROLLED_BACK}")
    say("checking: replaying the target …")
    expected = copied.state_digests()
    back = Tally()
    async for records in _target_records(conn, 0, batch):
        back.add(records)
    counts = census(back.states)
    replayed = back.state_digests()
    _compare(copied, back, expected, replayed)
    if snap is None:
        note = "none (the server replays the whole journal on its first start, and saves one when it stops)"
    else:
        note = await _check_snapshot(conn, replayed, batch)
    return Report("", "", copied, note, 0.0, *counts)


async def _copy_events(source: SqliteSource, conn: asyncpg.Connection, schema: str, batch: int, total: int,
                       say: Say) -> Tally:
    """COPY the source's events batch by batch, folding and digesting each batch as it goes."""
    copied, step = Tally(), max(100_000, total // 10)
    async with contextlib.aclosing(source.batches(batch)) as batches:
        async for rows in batches:
            records = [recorded(row) for row in rows]
            try:
                await conn.copy_records_to_table(
                    "events", schema_name=schema, columns=_COLUMNS,
                    records=[(r.seq, r.stream, r.version, r.type, r.at, r.actor, row[6].encode())
                             for r, row in zip(records, rows)])
            except asyncpg.PostgresError as exc:
                raise MigrationFailed(f"PostgreSQL refused events {records[0].seq}..{records[-1].seq}: {exc};"
                                      f" {ROLLED_BACK}") from exc
            before = copied.events
            copied.add(records)
            if copied.events // step > before // step:
                say(f"  {copied.events:,} / {total:,} events copied")
    return copied


ROLLED_BACK = "the transaction was rolled back, the target holds no events"


async def _target_records(conn: asyncpg.Connection, after: int, batch: int) -> Any:
    """The target's events after ``after`` in seq order, as the PostgreSQL journal decodes them."""
    query = await conn.prepare(f"{_SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2")
    while rows := await query.fetch(after, batch):
        yield [Recorded(*row) for row in rows]
        after = rows[-1][0]


def census(states: dict[str, State]) -> tuple[int, int, int]:
    """(branches, appointments, clients) of folded states, for the report."""
    branches = [s for n, s in states.items() if n.startswith(BRANCH_PREFIX)]
    clients = states.get(CLIENTS)
    return (sum(1 for s in branches if getattr(s, "branch", None) is not None),
            sum(len(getattr(s, "appointments", {})) for s in branches),
            len(getattr(clients, "clients", {})))


def _compare(copied: Tally, back: Tally, expected: dict[str, bytes], replayed: dict[str, bytes]) -> None:
    """Source pass vs target pass; any difference is a ``MigrationFailed`` (and a rollback)."""
    if back.streams != copied.streams or back.last_seq != copied.last_seq:
        differ = sorted(n for n in back.streams.keys() | copied.streams.keys()
                        if back.streams.get(n) != copied.streams.get(n))
        raise MigrationFailed(f"the target's events differ from the source's: last seq {back.last_seq} vs"
                              f" {copied.last_seq}, counts or versions in {differ[:10]}; {ROLLED_BACK}")
    if back.digest != copied.digest:
        raise MigrationFailed(f"the target's events read back differ from the source's (digest); {ROLLED_BACK}")
    differ = differing(expected, replayed)
    if differ:
        raise MigrationFailed(f"replaying the target gives another state than replaying the source in"
                              f" {differ[:10]}; {ROLLED_BACK}")


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
    for line in report.lines():
        say(line)
    say(f"done: start the server with ZAPIS_DATABASE_URL={shown_url(target_url)} (the SQLite file is left as it"
        " was; do not start a server on it again, or the two diverge)")
    return 0
