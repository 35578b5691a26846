"""PostgreSQL helpers for any test package.

``require_pg_url()`` gives the server named by ``ZAPIS_TEST_DATABASE_URL``:
unset means the test is skipped, unless ``ZAPIS_REQUIRE_POSTGRES=1`` (CI),
which turns the skip into a failure. ``fresh_pg_schema(url)`` creates a
uniquely named schema for one test and drops it afterwards.
``TcpProxy`` sits between a client and the server so a test can cut the
database off and bring it back.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

URL_VARIABLE = "ZAPIS_TEST_DATABASE_URL"
REQUIRE_VARIABLE = "ZAPIS_REQUIRE_POSTGRES"


def require_pg_url() -> str:
    """The test database URL, or skip (fail when PostgreSQL is required)."""
    url = os.environ.get(URL_VARIABLE, "").strip()
    if url:
        return url
    message = f"{URL_VARIABLE} is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {message}", pytrace=False)
    pytest.skip(message)


async def _connect(url: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(url, timeout=10)
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as exc:
        where = urlsplit(url)
        pytest.fail(
            f"cannot reach the test PostgreSQL at {where.hostname}:{where.port} "
            f"({URL_VARIABLE}): {type(exc).__name__}: {exc}",
            pytrace=False,
        )


@asynccontextmanager
async def fresh_pg_schema(url: str) -> AsyncIterator[str]:
    """Create an empty schema with a unique name; drop it (and its tables) on exit."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    conn = await _connect(url)
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    try:
        yield name
    finally:
        conn = await _connect(url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()


def with_host_port(url: str, host: str, port: int) -> str:
    """``url`` pointed at another host and port, keeping user, password and path."""
    parts = urlsplit(url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@{host}:{port}" if userinfo else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``stop()`` cuts every connection."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @classmethod
    def for_url(cls, url: str) -> TcpProxy:
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 5432)

    async def start(self) -> None:
        """Listen (again, on the same port after a ``stop()``)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and reset every open connection: the database is 'down'."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.get_running_loop().create_task(self._pump(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(sink)
            with suppress(OSError, RuntimeError):
                sink.close()
