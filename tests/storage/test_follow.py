"""PostgreSQL journals of several processes on one schema: following each other's commits.

A following journal hands its listeners EVERY committed record once, in seq
order with no gap, whichever journal committed it: foreign records before an
own batch that comes after them, on a commit hint (NOTIFY), on ``catch_up``,
and again after its LISTEN connection is killed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import asyncpg
import pytest

from storage.journal import ConcurrencyConflict, Follower, JournalUnavailable, NewEvent, Recorded
from storage.postgres import PostgresJournal
from tests.pg import TcpProxy, fresh_pg_schema, with_host_port

AT = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
TIMEOUT = 10.0


def ev(n: int) -> NewEvent:
    return NewEvent("Tested", {"n": n}, AT, actor="user:test")


class Seen:
    """A commit listener that records what it was given and wakes waiters."""

    def __init__(self) -> None:
        self.records: list[Recorded] = []
        self.changed = asyncio.Event()

    def __call__(self, batch: Sequence[Recorded]) -> None:
        self.records.extend(batch)
        self.changed.set()

    async def until(self, seq: int) -> None:
        async def wait() -> None:
            while not self.records or self.records[-1].seq < seq:
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(wait(), TIMEOUT)

    def assert_in_order(self) -> None:
        assert [r.seq for r in self.records] == list(range(1, len(self.records) + 1))


@pytest.fixture
async def pair(pg_url: str) -> AsyncIterator[tuple[PostgresJournal, PostgresJournal]]:
    async with fresh_pg_schema(pg_url) as schema:
        a = PostgresJournal(pg_url, schema=schema, poll_s=60)  # only hints and requests, never the poll
        b = PostgresJournal(pg_url, schema=schema, poll_s=60)
        await a.open()
        await b.open()
        try:
            yield a, b
        finally:
            await a.close()
            await b.close()


async def test_a_follower_gets_foreign_records_by_hint_and_before_its_own(
        pair: tuple[PostgresJournal, PostgresJournal]) -> None:
    a, b = pair
    assert isinstance(a, Follower)
    seen = Seen()
    a.add_listener(seen)
    await b.append("x", 0, [ev(1)])  # before following: left to the loaded state
    a.follow(1)
    await b.append("x", 1, [ev(2), ev(3)])
    await seen.until(3)  # the hint
    assert [(r.seq, r.local) for r in seen.records] == [(2, False), (3, False)]
    # B commits twice more; A's next own append comes after them: they are delivered first.
    await b.append("y", 0, [ev(4)])
    await b.append("x", 3, [ev(5)])
    mine = await a.append("z", 0, [ev(6)])
    assert mine[0].seq == 6
    assert [r.seq for r in seen.records[:5]] == [2, 3, 4, 5, 6]
    assert seen.records[4].local and not seen.records[3].local
    assert await a.catch_up() == 6
    assert [r.seq for r in seen.records] == [2, 3, 4, 5, 6]


async def test_a_lost_race_is_caught_up_before_the_conflict_is_answered(
        pair: tuple[PostgresJournal, PostgresJournal]) -> None:
    a, b = pair
    seen = Seen()
    a.add_listener(seen)
    a.follow(0)
    await a.append("s", 0, [ev(1)])
    await b.append("s", 1, [ev(2)])  # B wins version 2
    with pytest.raises(ConcurrencyConflict) as conflict:
        await a.append("s", 1, [ev(3)])
    assert conflict.value.actual == 2
    assert [(r.seq, r.stream, r.version) for r in seen.records] == [(1, "s", 1), (2, "s", 2)]


async def test_the_listen_connection_killed_is_replaced(
        pair: tuple[PostgresJournal, PostgresJournal], pg_url: str) -> None:
    a, b = pair
    seen = Seen()
    a.add_listener(seen)
    a.follow(0)
    await b.append("x", 0, [ev(1)])
    await seen.until(1)
    conn = await asyncpg.connect(pg_url)
    try:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE query LIKE 'LISTEN %' AND datname = current_database()")
        assert killed >= 1
    finally:
        await conn.close()
    # Commits while A is reconnecting are read when it listens again; later ones by hint.
    await b.append("x", 1, [ev(2)])
    await seen.until(2)
    await b.append("x", 2, [ev(3)])
    await seen.until(3)
    seen.assert_in_order()


async def test_many_writers_interleaved_every_follower_sees_one_order(pg_url: str) -> None:
    async with fresh_pg_schema(pg_url) as schema:
        journals = [PostgresJournal(pg_url, schema=schema, poll_s=60) for _ in range(3)]
        seens = [Seen() for _ in journals]
        for journal, seen in zip(journals, seens):
            await journal.open()
            journal.add_listener(seen)
            journal.follow(0)
        try:
            async def writer(journal: PostgresJournal, stream: str) -> None:
                for i in range(50):
                    await journal.append(stream, i, [ev(i)])
            await asyncio.gather(*(writer(j, f"s{i}") for i, j in enumerate(journals)))
            for seen in seens:
                await seen.until(150)
                seen.assert_in_order()
                assert len(seen.records) == 150
            assert sum(sum(r.local for r in s.records) for s in seens) == 150
        finally:
            for journal in journals:
                await journal.close()


async def test_after_a_database_outage_the_follower_converges_in_order(pg_url: str) -> None:
    """A's database connection goes away (its LISTEN connection too) while B keeps writing."""
    proxy = TcpProxy.for_url(pg_url)
    await proxy.start()
    async with fresh_pg_schema(pg_url) as schema:
        a = PostgresJournal(with_host_port(pg_url, "127.0.0.1", proxy.port), schema=schema, poll_s=0.2,
                            connect_timeout_s=1)
        b = PostgresJournal(pg_url, schema=schema, poll_s=60)
        await a.open()
        await b.open()
        seen = Seen()
        a.add_listener(seen)
        a.follow(0)
        try:
            await b.append("x", 0, [ev(1)])
            await seen.until(1)
            await proxy.stop()  # A is cut off from the database
            with pytest.raises(JournalUnavailable):
                await a.catch_up()
            for i in range(1, 4):
                await b.append("x", i, [ev(i + 1)])
            await proxy.start()  # back: A's pool and LISTEN connection reconnect by themselves
            await seen.until(4)
            await b.append("x", 4, [ev(5)])
            await seen.until(5)
            mine = await a.append("y", 0, [ev(6)])
            assert mine[0].seq == 6
            seen.assert_in_order()
            assert len(seen.records) == 6
        finally:
            await a.close()
            await b.close()
            await proxy.stop()
