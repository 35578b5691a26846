"""Backends for the subprocess-level reliability tests: a SQLite data dir, or a throwaway PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.pg import require_pg_url
from tests.reliability.databases import throwaway_database
from tests.reliability.server import Backend


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", tmp_path / "data")
        return
    async with throwaway_database(require_pg_url()) as url:
        yield Backend("postgres", tmp_path / "data", url)
