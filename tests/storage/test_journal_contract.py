"""One contract (SPEC §1), run against every journal backend.

``JournalContract`` holds the tests; ``TestSqlite`` and ``TestPostgres`` only
say how to reach their database (the ``backend_spec`` fixture). A spec is a
plain dict so the cross-process test can hand it to a child interpreter.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from storage.group import GroupWriter, Outcome, PendingAppend, plan_batch
from storage.journal import (
    ConcurrencyConflict,
    JournalUnavailable,
    NewEvent,
    Recorded,
    Snapshot,
)
from storage.postgres import PostgresJournal
from storage.sqlite import SqliteJournal
from tests.pg import TcpProxy, fresh_pg_schema, with_host_port

AnyJournal = SqliteJournal | PostgresJournal
NewJournal = Callable[..., AnyJournal]
ROOT = Path(__file__).resolve().parents[2]
# A DST night in Moscow's neighbourhood: the offset must not survive storage.
AT = datetime(2025, 3, 30, 2, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))


def build(spec: dict[str, str], **options: Any) -> AnyJournal:
    """A not-yet-opened journal for ``spec`` (also used by the child process)."""
    if spec["backend"] == "sqlite":
        return SqliteJournal(Path(spec["path"]), **options)
    return PostgresJournal(spec["dsn"], schema=spec["schema"], **options)


def ev(type_: str = "Tested", **data: Any) -> NewEvent:
    return NewEvent(type_, data, AT, actor="user:test")


async def everything(journal: AnyJournal) -> list[Recorded]:
    return [recorded async for recorded in journal.read_all()]


def assert_well_ordered(events: Sequence[Recorded]) -> dict[str, int]:
    """Gap-free seq 1..n, versions 1..k per stream in seq order; returns the k's."""
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    versions: dict[str, int] = {}
    for e in events:
        versions[e.stream] = versions.get(e.stream, 0) + 1
        assert e.version == versions[e.stream], e
    return versions


async def append_retrying(journal: AnyJournal, stream: str, event: NewEvent) -> Recorded:
    """What an actor without a cache would do: read the version, append, retry."""
    while True:
        version = await journal.stream_version(stream)
        try:
            (recorded,) = await journal.append(stream, version, [event])
            return recorded
        except ConcurrencyConflict:
            continue


class JournalContract:
    """Every backend must pass these. Subclasses provide ``backend_spec``."""

    @pytest.fixture
    def backend_spec(self) -> dict[str, str]:
        raise NotImplementedError

    @pytest.fixture
    async def new_journal(self, backend_spec: dict[str, str]) -> AsyncIterator[NewJournal]:
        """Makes journals on the test's database; closes whatever the test left open."""
        made: list[AnyJournal] = []

        def new(**options: Any) -> AnyJournal:
            made.append(build(backend_spec, **options))
            return made[-1]

        yield new
        for journal in made:
            await journal.close()

    @pytest.fixture
    async def journal(self, new_journal: NewJournal) -> AnyJournal:
        journal = new_journal()
        await journal.open()
        return journal

    async def test_round_trip_keeps_every_field(self, journal: AnyJournal) -> None:
        data = {"name": "Анна «Ж»", "n": 2**62, "x": 0.1, "ok": True, "none": None,
                "nested": {"list": [1, "два", {"3": []}]}, "emoji": "💇"}
        recorded = await journal.append("branch-1", 0, [ev("Booked", **data), ev("Held")])

        assert [(r.stream, r.version, r.type, r.actor) for r in recorded] == [
            ("branch-1", 1, "Booked", "user:test"), ("branch-1", 2, "Held", "user:test")]
        assert recorded[0].data == data
        assert recorded[0].at == AT and recorded[0].at.utcoffset() == timedelta(0)
        assert await journal.read_stream("branch-1") == recorded
        assert await everything(journal) == recorded

    async def test_versions_per_stream_and_global_seq(self, journal: AnyJournal) -> None:
        await journal.append("a", 0, [ev(), ev()])
        await journal.append("b", 0, [ev()])
        await journal.append("a", 2, [ev()])

        events = await everything(journal)
        assert assert_well_ordered(events) == {"a": 3, "b": 1}
        assert [e.version for e in await journal.read_stream("a", from_version=2)] == [2, 3]
        assert await journal.read_stream("nobody") == []

    async def test_conflict_raises_and_writes_nothing(self, journal: AnyJournal) -> None:
        await journal.append("a", 0, [ev()])
        for expected in (0, 2):
            with pytest.raises(ConcurrencyConflict) as caught:
                await journal.append("a", expected, [ev(), ev()])
            assert (caught.value.stream, caught.value.expected, caught.value.actual) == (
                "a", expected, 1)
        assert await journal.last_seq() == 1
        assert await journal.stream_version("a") == 1

    async def test_conflicting_appends_fail_alone_within_a_batch(self, journal: AnyJournal) -> None:
        results = await asyncio.gather(
            journal.append("a", 0, [ev(i=1)]),
            journal.append("b", 5, [ev(i=2)]),
            journal.append("a", 1, [ev(i=3)]),
            return_exceptions=True,
        )
        assert isinstance(results[1], ConcurrencyConflict)
        assert [e.data["i"] for e in await everything(journal)] == [1, 3]

    async def test_bad_events_are_refused_before_the_writer(self, journal: AnyJournal) -> None:
        naive = NewEvent("T", {}, datetime(2025, 1, 1))
        for bad in (naive, ev(obj=object()), ev(text="a\x00b"), ev("T\x00")):
            with pytest.raises(ValueError):
                await journal.append("a", 0, [bad])
        with pytest.raises(ValueError):
            await journal.append("a", -1, [ev()])
        assert await journal.append("a", 0, [ev(text="a\\u0000b")]) != []
        assert await journal.last_seq() == 1

    async def test_empty_append_only_checks_the_version(self, journal: AnyJournal) -> None:
        assert await journal.append("a", 0, []) == []
        with pytest.raises(ConcurrencyConflict):
            await journal.append("a", 3, [])
        assert await journal.last_seq() == 0

    async def test_200_concurrent_tasks_are_batched(self, journal: AnyJournal) -> None:
        # Task k is append number k // 20 + 1 of stream k % 20 (two events each),
        # and all start at once, so they meet in the writer's queue in order.
        tasks = [journal.append(f"s{k % 20}", 2 * (k // 20), [ev(k=k), ev(k=k)]) for k in range(200)]
        async with asyncio.timeout(30):
            results = await asyncio.gather(*tasks)

        events = await everything(journal)
        assert assert_well_ordered(events) == {f"s{i}": 20 for i in range(20)}
        assert [r for batch in results for r in batch] == sorted(events, key=lambda e: e.seq)
        assert journal.stats.appends == 200
        assert journal.stats.batches < 200

    async def test_concurrent_retrying_writers_keep_streams_consistent(
        self, journal: AnyJournal
    ) -> None:
        async def writer(k: int) -> None:
            for i in range(3):
                await append_retrying(journal, f"s{k % 20}", ev(k=k, i=i))

        async with asyncio.timeout(60):
            await asyncio.gather(*(writer(k) for k in range(200)))
        events = await everything(journal)
        assert assert_well_ordered(events) == {f"s{i}": 30 for i in range(20)}
        assert journal.stats.batches < journal.stats.appends + journal.stats.conflicts

    async def test_same_expected_version_race_has_one_winner(
        self, journal: AnyJournal, new_journal: NewJournal
    ) -> None:
        other = new_journal()
        await other.open()
        for first, second, version in ((journal, journal, 0), (journal, other, 1)):
            results = await asyncio.gather(
                first.append("a", version, [ev(who=1)]),
                second.append("a", version, [ev(who=2)]),
                return_exceptions=True,
            )
            winners = [r for r in results if isinstance(r, list)]
            assert len(winners) == 1
            assert sum(isinstance(r, ConcurrencyConflict) for r in results) == 1
        assert len(await journal.read_stream("a")) == 2

    async def test_listeners_see_every_batch_in_seq_order(self, journal: AnyJournal) -> None:
        batches: list[list[Recorded]] = []

        def broken(events: Sequence[Recorded]) -> None:
            raise RuntimeError("listeners must not stop the journal")

        journal.add_listener(broken)
        journal.add_listener(lambda events: batches.append(list(events)))

        async def writer(k: int) -> None:
            for i in range(5):
                recorded = await journal.append(f"s{k}", i, [ev(i=i)])
                assert any(recorded[0] in batch for batch in batches)  # told first

        await asyncio.gather(*(writer(k) for k in range(30)))
        seen = [e for batch in batches for e in batch]
        assert seen == await everything(journal)
        assert len(batches) == journal.stats.batches

    async def test_read_all_filters_and_chunks(self, new_journal: NewJournal) -> None:
        journal = new_journal(chunk_size=3)
        await journal.open()
        for i in range(10):
            stream = "odd" if i % 2 else "even"
            await journal.append(stream, i // 2, [ev(i=i)])

        async def seqs(after: int = 0, **kw: Any) -> list[int]:
            return [e.seq async for e in journal.read_all(after, **kw)]

        assert await seqs() == list(range(1, 11))
        assert await seqs(4) == list(range(5, 11))
        assert await seqs(stream="odd") == [2, 4, 6, 8, 10]
        assert await seqs(3, stream="odd", limit=2) == [4, 6]
        assert await seqs(limit=7) == list(range(1, 8))
        assert await seqs(limit=0) == []
        assert await seqs(10) == []

    async def test_last_seq_and_stream_version(self, journal: AnyJournal) -> None:
        assert (await journal.last_seq(), await journal.stream_version("a")) == (0, 0)
        await journal.append("a", 0, [ev(), ev()])
        await journal.append("b", 0, [ev()])
        assert await journal.last_seq() == 3
        assert (await journal.stream_version("a"), await journal.stream_version("b")) == (2, 1)

    async def test_snapshots_save_load_replace(self, journal: AnyJournal) -> None:
        assert await journal.load_snapshot() is None
        await journal.save_snapshot(Snapshot(seq=5, schema=1, blob=b"\x00\xffstate"))
        assert await journal.load_snapshot() == Snapshot(5, 1, b"\x00\xffstate")
        await journal.save_snapshot(Snapshot(seq=9, schema=2, blob=b"newer" * 10_000))
        assert await journal.load_snapshot() == Snapshot(9, 2, b"newer" * 10_000)

    async def test_second_instance_interleaves_in_order(
        self, journal: AnyJournal, new_journal: NewJournal
    ) -> None:
        other = new_journal()
        await other.open()
        await journal.append("shared", 0, [ev()])
        await other.append("shared", 1, [ev()])
        with pytest.raises(ConcurrencyConflict):
            await journal.append("shared", 1, [ev()])

        async def writer(target: AnyJournal, k: int) -> None:
            for i in range(10):
                await target.append(f"own{k}", i, [ev()])
                await append_retrying(target, "shared", ev(k=k))

        async with asyncio.timeout(60):
            await asyncio.gather(*(writer((journal, other)[k % 2], k) for k in range(8)))
        versions = assert_well_ordered(await everything(other))
        assert versions["shared"] == 2 + 80

    async def test_two_instances_can_open_a_new_database_at_once(
        self, new_journal: NewJournal
    ) -> None:
        first, second = new_journal(), new_journal()
        await asyncio.gather(first.open(), second.open())
        await first.append("a", 0, [ev()])
        assert await second.stream_version("a") == 1

    async def test_another_process_appends_in_order(
        self, journal: AnyJournal, backend_spec: dict[str, str]
    ) -> None:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CHILD, json.dumps(backend_spec), "shared", "40",
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for i in range(40):
            await append_retrying(journal, "shared", ev(parent=i))
            await journal.append("parent", i, [ev()])
        async with asyncio.timeout(60):
            assert await child.wait() == 0
        events = await everything(journal)
        assert assert_well_ordered(events) == {"shared": 80, "parent": 40}
        assert sum(e.actor == "process:child" for e in events) == 40

    async def test_close_flushes_in_flight_appends(self, new_journal: NewJournal) -> None:
        journal = new_journal()
        await journal.open()
        tasks = [asyncio.create_task(journal.append(f"s{k}", 0, [ev()])) for k in range(50)]
        await asyncio.sleep(0)  # let every task hand its append to the writer
        await journal.close()
        assert all(len(task.result()) == 1 for task in tasks)
        with pytest.raises(JournalUnavailable):
            await journal.append("late", 0, [ev()])

        reopened = new_journal()
        await reopened.open()
        assert len(await everything(reopened)) == 50

    async def test_reopen_preserves_everything(self, new_journal: NewJournal) -> None:
        journal = new_journal()
        await journal.open()
        await journal.append("a", 0, [ev(x=1), ev(x=2)])
        await journal.save_snapshot(Snapshot(2, 1, b"blob"))
        before = await everything(journal)
        await journal.close()

        reopened = new_journal()
        await reopened.open()
        assert await everything(reopened) == before
        assert await reopened.load_snapshot() == Snapshot(2, 1, b"blob")
        assert [r.seq for r in await reopened.append("a", 2, [ev()])] == [3]

    async def test_batches_respect_the_event_cap(self, new_journal: NewJournal) -> None:
        journal = new_journal(max_batch_events=10)
        await journal.open()
        big = journal.append("big", 0, [ev(i=i) for i in range(25)])
        await asyncio.gather(big, *(journal.append(f"s{k}", 0, [ev()]) for k in range(30)))
        assert journal.stats.batches >= 4
        assert_well_ordered(await everything(journal))

    async def test_ping(self, journal: AnyJournal) -> None:
        await journal.ping()


CHILD = """
import asyncio, json, sys
from datetime import datetime, timezone
from storage.journal import NewEvent
from tests.storage.test_journal_contract import append_retrying, build

async def main(spec, stream, count):
    journal = build(spec)
    await journal.open()
    for i in range(count):
        event = NewEvent("Child", {"i": i}, datetime.now(timezone.utc), "process:child")
        await append_retrying(journal, stream, event)
    await journal.close()

asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
"""


class TestSqlite(JournalContract):
    @pytest.fixture
    def backend_spec(self, tmp_path: Path) -> dict[str, str]:
        return {"backend": "sqlite", "path": str(tmp_path / "journal.sqlite3")}

    async def test_a_file_locked_too_long_is_unavailable(
        self, new_journal: NewJournal, backend_spec: dict[str, str]
    ) -> None:
        journal = new_journal(busy_timeout_s=0.2)
        await journal.open()
        other_process = sqlite3.connect(backend_spec["path"], isolation_level=None)
        other_process.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(JournalUnavailable):
                await journal.append("a", 0, [ev()])
        finally:
            other_process.execute("ROLLBACK")
            other_process.close()
        await journal.append("a", 0, [ev()])
        assert journal.stats.failed_batches == 1

    async def test_an_unopenable_path_is_unavailable(self, tmp_path: Path) -> None:
        journal = SqliteJournal(tmp_path / "missing-dir" / "journal.sqlite3")
        with pytest.raises(JournalUnavailable):
            await journal.open()
        with pytest.raises(JournalUnavailable):
            await journal.ping()


@pytest.mark.postgres
class TestPostgres(JournalContract):
    @pytest.fixture
    async def backend_spec(self, pg_url: str) -> AsyncIterator[dict[str, str]]:
        async with fresh_pg_schema(pg_url) as schema:
            yield {"backend": "postgres", "dsn": pg_url, "schema": schema}

    async def test_unreachable_server_is_unavailable(self) -> None:
        journal = PostgresJournal("postgresql://postgres@127.0.0.1:1/test", connect_timeout_s=2)
        with pytest.raises(JournalUnavailable):
            await journal.open()
        with pytest.raises(JournalUnavailable):
            await journal.ping()
        with pytest.raises(JournalUnavailable):
            await journal.append("a", 0, [ev()])

    async def test_outage_is_unavailable_and_the_pool_recovers(
        self, new_journal: NewJournal, backend_spec: dict[str, str], pg_url: str
    ) -> None:
        proxy = TcpProxy.for_url(pg_url)
        await proxy.start()
        journal = build(
            {**backend_spec, "dsn": with_host_port(pg_url, "127.0.0.1", proxy.port)},
            min_size=2, connect_timeout_s=2,
        )
        try:
            await journal.open()
            await journal.append("a", 0, [ev()])
            await proxy.stop()  # the database "goes away"
            calls: list[Callable[[], Any]] = [
                journal.ping, lambda: journal.append("a", 1, [ev()]), journal.last_seq,
                lambda: everything(journal), journal.load_snapshot,
                lambda: journal.save_snapshot(Snapshot(1, 1, b"")),
            ]
            for call in calls:
                with pytest.raises(JournalUnavailable):
                    await call()
            await proxy.start()  # ... and comes back: no restart needed
            await journal.ping()
            assert [r.seq for r in await journal.append("a", 1, [ev()])] == [2]
            assert journal.stats.failed_batches == 1
        finally:
            await journal.close()
            await proxy.stop()

    async def test_a_lockless_duplicate_becomes_a_conflict(
        self, journal: AnyJournal, backend_spec: dict[str, str], pg_url: str
    ) -> None:
        await journal.append("a", 0, [ev()])
        settings = {"search_path": backend_spec["schema"]}
        rogue = await asyncpg.connect(pg_url, server_settings=settings)
        observer = await asyncpg.connect(pg_url)
        try:
            transaction = rogue.transaction()
            await transaction.start()
            await rogue.execute(
                "INSERT INTO events VALUES (100, 'a', 2, 'Rogue', now(), 'rogue', '{}'::jsonb)"
            )
            append = asyncio.create_task(journal.append("a", 1, [ev()]))
            async with asyncio.timeout(10):  # until the journal's COPY waits on the rogue row
                while not await observer.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'"
                ):
                    await asyncio.sleep(0.01)
            await transaction.commit()
            with pytest.raises(ConcurrencyConflict):
                await append
        finally:
            await rogue.close()
            await observer.close()
        assert [r.seq for r in await journal.append("a", 2, [ev()])] == [101]


def test_factory_picks_the_backend(tmp_path: Path) -> None:
    from storage.factory import open_journal

    embedded = open_journal(None, tmp_path / "var" / "data")
    assert isinstance(embedded, SqliteJournal)
    assert embedded.path == tmp_path / "var" / "data" / "zapis.sqlite3"
    assert embedded.path.parent.is_dir()
    for url in ("postgresql://u@h:5432/db", "postgres://u:secret@h/db"):
        assert isinstance(open_journal(url, tmp_path), PostgresJournal)
    with pytest.raises(ValueError, match="unsupported database URL mysql://") as caught:
        open_journal("mysql://u:secret@h/db", tmp_path)
    assert "secret" not in str(caught.value)


# The group-commit writer on its own, with a fake database, for what a real
# one cannot be made to do on cue.


class FakeDatabase:
    """Commits through ``plan_batch``; can be held at the gate or made to fail."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()
        self.failure: Exception | None = None
        self.rows: list[Recorded] = []

    async def commit(self, batch: Sequence[PendingAppend]) -> list[Outcome]:
        self.entered.set()
        await self.gate.wait()
        if self.failure is not None:
            raise self.failure
        versions: dict[str, int] = {}
        for row in self.rows:
            versions[row.stream] = row.version
        plan = plan_batch(batch, len(self.rows), versions)
        self.rows.extend(recorded for recorded, _ in plan.rows)
        return plan.outcomes


async def test_writer_drops_appends_cancelled_before_their_turn() -> None:
    db = FakeDatabase()
    writer = GroupWriter(db.commit)
    writer.start()
    db.gate.clear()
    first = writer.submit("a", 0, [ev()])
    async with asyncio.timeout(5):
        await db.entered.wait()  # the first batch is in the database
    second = writer.submit("b", 0, [ev()])
    second.cancel()
    db.gate.set()
    assert len(await first) == 1
    await writer.close()
    assert [r.stream for r in db.rows] == ["a"]


async def test_writer_fails_a_whole_batch_then_carries_on() -> None:
    db = FakeDatabase()
    writer = GroupWriter(db.commit)
    writer.start()
    for failure in (JournalUnavailable("connection reset"), RuntimeError("driver bug")):
        db.failure = failure
        results = await asyncio.gather(
            writer.submit("a", 0, [ev()]), writer.submit("b", 0, [ev()]), return_exceptions=True
        )
        assert all(isinstance(r, JournalUnavailable) for r in results)
        assert results[0] is not results[1]
    last = results[0]
    assert isinstance(last, JournalUnavailable) and isinstance(last.__cause__, RuntimeError)
    db.failure = None
    assert len(await writer.submit("a", 0, [ev()])) == 1
    assert (writer.stats.failed_batches, writer.stats.batches) == (2, 1)
    await writer.close()
