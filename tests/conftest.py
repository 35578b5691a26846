"""Shared fixtures: every service-bound test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``ZAPIS_TEST_DATABASE_URL``; without it those cases
are skipped, or fail when ``ZAPIS_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from storage.journal import Journal
from storage.sqlite import SqliteJournal
from tests.harness import Harness
from tests.pg import fresh_pg_schema, require_pg_url


@pytest.fixture(params=["sqlite", "postgres"])
async def journal_factory(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Callable[[], Journal]]:
    """Makes unopened journals on one fresh database (call it again to 'restart')."""
    if request.param == "sqlite":
        yield lambda: SqliteJournal(tmp_path / "journal.sqlite3")
        return
    url = require_pg_url()
    from storage.postgres import PostgresJournal

    async with fresh_pg_schema(url) as schema:
        yield lambda: PostgresJournal(url, schema=schema)


@pytest.fixture
async def harness(journal_factory: Callable[[], Journal], tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(journal_factory, tmp_path)
    try:
        yield h
    finally:
        await h.stop()
