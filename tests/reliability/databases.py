"""Throwaway PostgreSQL databases for a real ``run.py`` (it has no schema setting).

``throwaway_database(admin_url)`` creates ``zapis_rel_<random>`` on the server
of ``admin_url`` and drops it (``WITH (FORCE)``, so a SIGKILLed server's
leftover connections cannot keep it alive) when the block ends.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def with_database(url: str, name: str) -> str:
    """``url`` naming another database (user, password, host and port kept)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def throwaway_database(admin_url: str, prefix: str = "zapis_rel") -> AsyncIterator[str]:
    """Yield the URL of a fresh, empty database; drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_url, name)
    finally:
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
