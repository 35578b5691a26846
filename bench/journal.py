"""Journal benchmark: durable appends/s under concurrency, and replay speed.

    python -m bench.journal                       # both backends, everything
    python -m bench.journal --backend sqlite --seconds 2 --replay-events 100000

Appends: N writers on N distinct streams, each awaiting its own one-event
append in a loop for ``--seconds``; every acknowledged append is committed
(SQLite ``synchronous=FULL``, PostgreSQL's default ``synchronous_commit``).
Replay: write ``--replay-events`` with 1000-event appends, then time a full
``read_all`` (decoding included). PostgreSQL runs in a throwaway schema of
``ZAPIS_BENCH_DATABASE_URL`` (else ``ZAPIS_TEST_DATABASE_URL``, else the local
default below); SQLite in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path

import asyncpg

from storage.journal import NewEvent
from storage.postgres import PostgresJournal
from storage.sqlite import SqliteJournal

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
AnyJournal = SqliteJournal | PostgresJournal


def event(i: int) -> NewEvent:
    """A payload about the size of a real booking event (~200 bytes of JSON)."""
    data = {
        "appointment_id": f"a-{i:012d}", "client_id": 10_000_000 + i, "staff_id": "s-7",
        "service_id": "haircut-45", "starts_at": "2025-06-01T09:15:00+00:00",
        "ends_at": "2025-06-01T10:00:00+00:00", "comment": "Без укладки, пожалуйста",
    }
    return NewEvent("AppointmentBooked", data, datetime.now(timezone.utc), "client:42")


@asynccontextmanager
async def fresh(backend: str, url: str) -> AsyncIterator[Callable[[], AnyJournal]]:
    """A factory of journals on a new, empty database that is removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="zapis-bench-") as tmp:
            yield lambda: SqliteJournal(Path(tmp) / "bench.sqlite3")
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        yield lambda: PostgresJournal(url, schema=schema)
    finally:
        conn = await asyncpg.connect(url)
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await conn.close()


async def appends(backend: str, url: str, writers: int, seconds: float) -> dict[str, float]:
    async with fresh(backend, url) as new:
        journal = new()
        await journal.open()
        try:
            deadline = time.perf_counter() + seconds

            async def writer(k: int) -> int:
                version = 0
                while time.perf_counter() < deadline:
                    await journal.append(f"w{k}", version, [event(version)])
                    version += 1
                return version

            started = time.perf_counter()
            done = sum(await asyncio.gather(*(writer(k) for k in range(writers))))
            elapsed = time.perf_counter() - started
            return {"events": done, "rate": done / elapsed, "batches": journal.stats.batches}
        finally:
            await journal.close()


async def replay(backend: str, url: str, total: int) -> dict[str, float]:
    async with fresh(backend, url) as new:
        journal = new()
        await journal.open()
        try:
            started = time.perf_counter()

            async def loader(k: int, count: int) -> None:
                for version in range(0, count, 1000):
                    size = min(1000, count - version)
                    await journal.append(f"load{k}", version, [event(version + i) for i in range(size)])

            share = total // 4
            await asyncio.gather(*(loader(k, share + (total % 4 if k == 0 else 0)) for k in range(4)))
            write_rate = total / (time.perf_counter() - started)
        finally:
            await journal.close()
        reader = new()  # a fresh process's view: nothing cached
        await reader.open()
        try:
            started = time.perf_counter()
            count = 0
            async for _ in reader.read_all():
                count += 1
            elapsed = time.perf_counter() - started
        finally:
            await reader.close()
        assert count == total, (count, total)
        return {"events": count, "seconds": elapsed, "rate": count / elapsed, "write_rate": write_rate}


async def describe(url: str, backends: list[str]) -> str:
    parts = [f"{os.cpu_count()} CPUs", f"Python {platform.python_version()}",
             f"SQLite {sqlite3.sqlite_version}", f"asyncpg {asyncpg.__version__}"]
    if "postgres" in backends:
        conn = await asyncpg.connect(url)
        parts.append("PostgreSQL " + await conn.fetchval("SHOW server_version"))
        await conn.close()
    return ", ".join(parts)


async def main(args: argparse.Namespace) -> None:
    url = os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get(
        "ZAPIS_TEST_DATABASE_URL") or DEFAULT_URL
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"# journal benchmark — {await describe(url, backends)}\n")
    print("| backend | writers | events/s | batches | events/batch | vs 1 writer |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for backend in backends:
        base = 0.0
        for writers in args.writers:
            r = await appends(backend, url, writers, args.seconds)
            base = base or r["rate"]
            print(f"| {backend} | {writers} | {r['rate']:,.0f} | {r['batches']:,.0f} "
                  f"| {r['events'] / max(r['batches'], 1):.1f} | {r['rate'] / base:.1f}× |")
    if args.replay_events:
        print("\n| backend | replayed events | seconds | events/s | load events/s |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for backend in backends:
            r = await replay(backend, url, args.replay_events)
            print(f"| {backend} | {r['events']:,.0f} | {r['seconds']:.2f} | {r['rate']:,.0f} "
                  f"| {r['write_rate']:,.0f} |")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=4.0, help="per append run")
    parser.add_argument("--writers", type=lambda s: [int(x) for x in s.split(",")],
                        default=[1, 8, 64], help="comma-separated writer counts")
    parser.add_argument("--replay-events", type=int, default=1_000_000, help="0 to skip")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
