"""PostgreSQL connection lost during COMMIT: the journal must find out what happened.

A proxy forwards the journal's ``COMMIT`` to PostgreSQL and then resets the
journal's side of the connection before the reply comes back, so the commit
is durable but the writer saw only a dead connection ("in doubt"). Answering
such an append "unavailable, nothing was saved" would be a lie the client
acts on, and the commit listeners (the dashboard hub) would never see those
events. The journal resolves the doubt on a new connection: success if the
rows are there, a plain failure if they are not, and — while the database
stays away — a failure that says the outcome is unknown, with the listeners
told later once it is known.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest

from storage.journal import JournalInDoubt, JournalUnavailable, NewEvent, Recorded
from storage.postgres import PostgresJournal
from tests.pg import fresh_pg_schema, require_pg_url, with_host_port


def ev(n: int) -> NewEvent:
    return NewEvent("t.happened", {"n": n}, datetime(2030, 1, 1, tzinfo=UTC), "test")


class CommitCutter:
    """A TCP proxy to PostgreSQL that can lose the connection around the next ``COMMIT``.

    ``arm("after")``: forward the COMMIT, then reset the client side (the commit
    happens, its reply is lost); ``arm("before")``: reset without forwarding it
    (the transaction rolls back). ``refuse``: new connections are reset at once.
    """

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.mode: str | None = None
        self.refuse = False
        self.cuts = 0
        self.port = 0

    def arm(self, mode: str) -> None:
        self.mode = mode

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        for task in (self._client_to_server(reader, up_writer, writer), self._pump(up_reader, writer)):
            t = asyncio.get_running_loop().create_task(task)
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)

    async def _client_to_server(self, reader: asyncio.StreamReader, up: asyncio.StreamWriter,
                                client: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                if self.mode and b"COMMIT" in data:
                    mode, self.mode = self.mode, None
                    self.cuts += 1
                    if mode == "after":
                        up.write(data)
                        await up.drain()
                    client.transport.abort()  # the journal loses the connection, reply unseen
                    up.close()  # PostgreSQL sees a clean EOF after the COMMIT (or before it)
                    return
                up.write(data)
                await up.drain()
        except OSError:
            pass
        finally:
            with suppress(OSError, RuntimeError):
                up.close()

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except OSError:
            pass
        finally:
            with suppress(OSError, RuntimeError):
                sink.close()


@pytest.fixture
async def cutter() -> AsyncIterator[tuple[CommitCutter, str, str]]:
    url = require_pg_url()
    async with fresh_pg_schema(url) as schema:
        parts = urlsplit(url)
        proxy = CommitCutter(parts.hostname or "127.0.0.1", parts.port or 5432)
        await proxy.start()
        try:
            yield proxy, with_host_port(url, "127.0.0.1", proxy.port), schema
        finally:
            await proxy.stop()


async def _journal(url: str, schema: str, seen: list[Recorded], **kw: float) -> PostgresJournal:
    journal = PostgresJournal(url, schema=schema, connect_timeout_s=2, **kw)  # type: ignore[arg-type]

    def listener(records: Sequence[Recorded]) -> None:
        seen.extend(records)

    journal.add_listener(listener)
    await journal.open()
    await journal.append("s", 0, [ev(1)])
    return journal


@pytest.mark.postgres
async def test_a_commit_whose_reply_was_lost_is_answered_as_committed(
    cutter: tuple[CommitCutter, str, str]
) -> None:
    proxy, url, schema = cutter
    seen: list[Recorded] = []
    journal = await _journal(url, schema, seen)
    try:
        proxy.arm("after")
        recorded = await asyncio.wait_for(journal.append("s", 1, [ev(2), ev(3)]), 20)
        assert proxy.cuts == 1
        assert [r.version for r in recorded] == [2, 3]
        assert [r.version for r in await journal.read_stream("s")] == [1, 2, 3]
        assert [r.version for r in seen] == [1, 2, 3]  # the listeners saw it once, in order
        assert [r.version for r in await journal.append("s", 3, [ev(4)])] == [4]
    finally:
        await journal.close()


@pytest.mark.postgres
async def test_a_commit_that_never_arrived_is_a_plain_failure(cutter: tuple[CommitCutter, str, str]) -> None:
    proxy, url, schema = cutter
    seen: list[Recorded] = []
    journal = await _journal(url, schema, seen)
    try:
        proxy.arm("before")
        with pytest.raises(JournalUnavailable) as failure:
            await asyncio.wait_for(journal.append("s", 1, [ev(2)]), 20)
        assert not isinstance(failure.value, JournalInDoubt)  # known: nothing was saved
        assert [r.version for r in await journal.read_stream("s")] == [1]
        assert [r.version for r in await journal.append("s", 1, [ev(2)])] == [2]
    finally:
        await journal.close()


@pytest.mark.postgres
async def test_while_the_database_stays_away_the_outcome_is_unknown_then_published(
    cutter: tuple[CommitCutter, str, str]
) -> None:
    proxy, url, schema = cutter
    seen: list[Recorded] = []
    journal = await _journal(url, schema, seen, doubt_timeout_s=0.5)
    try:
        proxy.arm("after")
        proxy.refuse = True  # and the database is unreachable from now on
        with pytest.raises(JournalInDoubt):
            await asyncio.wait_for(journal.append("s", 1, [ev(2)]), 20)
        with pytest.raises(JournalUnavailable):  # other appends fail fast meanwhile
            await asyncio.wait_for(journal.append("other", 0, [ev(9)]), 20)
        proxy.refuse = False  # back: the doubt is resolved, the listeners get the event
        async with asyncio.timeout(10):
            while [r.version for r in seen] != [1, 2]:
                await asyncio.sleep(0.02)
        assert [r.version for r in await journal.append("s", 2, [ev(3)])] == [3]
    finally:
        await journal.close()


async def test_an_unknown_outcome_is_a_503_problem_that_says_so() -> None:
    from quart import Quart

    from api.problems import register_error_handlers

    app = Quart("t")
    register_error_handlers(app)

    @app.post("/doubt")
    async def doubt() -> str:
        raise JournalInDoubt("connection lost during COMMIT")

    @app.post("/down")
    async def down() -> str:
        raise JournalUnavailable("refused")

    client = app.test_client()
    unknown, nothing = await client.post("/doubt"), await client.post("/down")
    assert unknown.status_code == nothing.status_code == 503
    body, plain = await unknown.get_json(), await nothing.get_json()
    assert body["code"] == plain["code"] == "unavailable"
    assert "unknown" in body["detail"] and "nothing was saved" in plain["detail"]
