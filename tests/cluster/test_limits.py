"""Rate limits and sign-in limits hold across server processes on one PostgreSQL (SPEC §9.5).

Two apps (``tests/harness.py``) on one PostgreSQL schema and one clock stand
for two processes: the N+1th booking attempt or sign-in attempt through
either answers 429 with ``Retry-After``. The counters live in the schema's
``rate_limits`` table (``storage/limits.py``); on SQLite they stay in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from actors.core.clock import ManualClock
from api.problems import ApiError
from api.ratelimit import MemoryRateLimiter, SharedRateLimiter
from storage.journal import JournalUnavailable
from storage.leader import AlwaysLeader
from storage.limits import PostgresCounters
from storage.postgres import PostgresJournal
from storage.sqlite import SqliteJournal
from tests.client.kit import TOKEN, problem, register, salon_with_clients, tma
from tests.harness import T0, Harness
from tests.pg import fresh_pg_schema, require_pg_url

pytestmark = pytest.mark.postgres

LIMIT = 3
ANNA, BORIS = 1001, 1002


@pytest.fixture
async def pair(tmp_path: Path) -> AsyncIterator[tuple[Harness, Harness, str]]:
    """Two apps ("processes") on one fresh schema and one clock; and the schema's URL."""
    url = require_pg_url()
    async with fresh_pg_schema(url) as schema:
        clock = ManualClock(T0)
        settings = {"telegram_bot_token": TOKEN, "bookings_per_minute": LIMIT, "logins_per_minute": LIMIT}
        a, b = (Harness(lambda: PostgresJournal(url, schema=schema), tmp_path / name, clock=clock,
                        overrides=dict(settings)) for name in "ab")
        try:
            yield a, b, schema
        finally:
            await b.stop()
            await a.stop()


async def test_the_n_plus_first_booking_through_any_process_is_refused(
    pair: tuple[Harness, Harness, str],
) -> None:
    a, b, _ = pair
    ca = await a.start()
    salon = await salon_with_clients(a, ca, ANNA)
    await register(ca, a, BORIS)
    cb = await b.start()  # the second process knows the clients from the journal
    assert isinstance(b.z.telegram and b.z.telegram.booking_limiter, SharedRateLimiter)

    async def book(client: Any, h: Harness, tg_id: int) -> Any:
        # A hold that does not exist: the attempt is counted before the body is even read.
        return await client.post("/api/v1/appointments", json={"hold_id": "nope"}, headers=tma(h, tg_id))

    for n in range(LIMIT):  # a, b, a
        client, h = (ca, a) if n % 2 == 0 else (cb, b)
        r = await book(client, h, ANNA)
        assert r.status_code != 429, await r.get_data(as_text=True)
    for client, h in ((cb, b), (ca, a)):
        r = await book(client, h, ANNA)
        await problem(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert (await book(cb, b, BORIS)).status_code != 429  # another client has a budget of its own

    a.clock.advance(60)
    r = await book(cb, b, ANNA)
    assert r.status_code != 429, await r.get_data(as_text=True)
    body = {"branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": "2026-03-02T12:00:00+03:00"}
    r = await ca.post("/api/v1/appointments", json=body, headers=tma(a, ANNA))
    assert r.status_code == 201, await r.get_data(as_text=True)


async def test_the_n_plus_first_sign_in_through_any_process_is_refused(pair: tuple[Harness, Harness, str]) -> None:
    a, b, _ = pair
    ca = await a.start()
    await a.user("anna", "manager")  # password-123
    cb = await b.start()

    async def login(client: Any, password: str, ip: str = "203.0.113.7") -> Any:
        return await client.post("/api/v1/auth/login", json={"login": "anna", "password": password},
                                 scope_base={"client": (ip, 40000)})

    for n in range(LIMIT):
        await problem(await login(ca if n % 2 == 0 else cb, f"guess-{n}"), 401, "unauthorized")
    for client in (cb, ca):  # the right password, too late, through either process
        r = await login(client, "password-123", ip="198.51.100.9")  # another address: the login's budget
        await problem(r, 429, "rate_limited")
        assert 1 <= int(r.headers["Retry-After"]) <= 60
    a.clock.advance(60)
    r = await login(cb, "password-123")
    assert r.status_code == 200, await r.get_data(as_text=True)


async def test_finished_windows_are_deleted(pair: tuple[Harness, Harness, str]) -> None:
    a, b, schema = pair
    ca = await a.start()
    for n in range(4):
        await ca.post("/api/v1/auth/login", json={"login": f"user-{n}", "password": "x" * 8})
    limiter = a.z.login_limiter
    assert isinstance(limiter, SharedRateLimiter)
    counters = limiter._counters
    assert isinstance(counters, PostgresCounters)
    conn = await asyncpg.connect(require_pg_url())
    try:
        count = f'SELECT count(*) FROM "{schema}".rate_limits'
        assert await conn.fetchval(count) == 5  # four logins and one address
        assert await counters.sweep(a.clock.now()) == 0  # their windows are open
        a.clock.advance(60)
        assert await counters.sweep(a.clock.now()) == 5
        assert await conn.fetchval(count) == 0
        persistence = "SELECT relpersistence::text FROM pg_class WHERE oid = $1::regclass"
        assert await conn.fetchval(persistence, f'"{schema}".rate_limits') == "u"  # UNLOGGED
    finally:
        await conn.close()


async def test_sqlite_counts_in_memory_and_always_leads(tmp_path: Path) -> None:
    h = Harness(lambda: SqliteJournal(tmp_path / "j.sqlite3"), tmp_path, overrides={"telegram_bot_token": TOKEN})
    try:
        await h.start()
        assert isinstance(h.z.login_limiter, MemoryRateLimiter)
        assert h.z.telegram is not None and isinstance(h.z.telegram.booking_limiter, MemoryRateLimiter)
        assert isinstance(h.z.leadership, AlwaysLeader)
    finally:
        await h.stop()


class Unreachable:
    async def count(self, key: str, now: float, window_s: float, cap: int) -> tuple[int, float]:
        raise JournalUnavailable("PostgreSQL rate limits: connection refused")


async def test_unreachable_shared_counters_fall_back_to_this_process() -> None:
    clock = ManualClock(T0)
    limiter = SharedRateLimiter(Unreachable(), "logins", LIMIT, 60, clock, "sign-in attempts")
    for _ in range(LIMIT):
        await limiter.hit("login:anna")
    with pytest.raises(ApiError) as refused:
        await limiter.hit("login:anna")
    assert refused.value.status == 429 and refused.value.headers["Retry-After"] == "60"
    clock.advance(60)
    await limiter.hit("login:anna")
