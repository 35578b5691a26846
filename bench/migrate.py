"""Migrate benchmark: ``python run.py migrate --to postgresql://…`` on a journal of 1,000,000 events.

    python -m bench.migrate                          # 1,000,000 events, 100 branches, 2 runs
    python -m bench.migrate --events 100000 --branches 10 --runs 1
    python -m bench.migrate --data-dir /tmp/big      # keep the generated journal, reuse it next time

1. **Generate** a realistic history with the pure core (``bench/startup.py``'s
   ``Generator``: a catalogue, branches with staff, clients registering, weeks
   of holds, bookings, confirmations, visits, reschedules and cancellations;
   every event is what ``decide`` answered) and write it into a SQLite
   journal with big ``journal.append`` calls, then the snapshot the server
   would save on a clean stop (the generator's states, ``pack``).
2. **Migrate**, ``--runs`` times, each into a new database
   ``zapis_bench_<random>`` on the server of ``ZAPIS_BENCH_DATABASE_URL``
   (else ``ZAPIS_TEST_DATABASE_URL``, else the local default), dropped
   afterwards: the real command in its own process, timed from start to
   exit. Its output lines are time-stamped as they arrive, which splits the
   run into start (Python, imports, connecting, creating the tables), copy
   (read SQLite → COPY, with the source's fold and digest), check (reading
   the target back, its fold, the snapshot + tail) and the commit. Peak
   memory is the child's ``ru_maxrss`` (``os.wait4``). For scale: the state
   a server loads (``load_states`` from the snapshot, tracemalloc's peak, in
   this process) and ``python run.py replay`` on the same journal (a full
   replay and the snapshot load, like the check), timed the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/migrate.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

import asyncpg

from actors.snapshot import SCHEMA, pack, unpack
from bench.startup import Generator, History, write_history
from storage.journal import Snapshot
from storage.sqlite import SqliteJournal

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


async def write_source(path: Path, history: History) -> float:
    """The history and its snapshot in a SQLite journal at ``path``; returns the write seconds."""
    journal = SqliteJournal(path, max_batch_events=1_000_000)  # a simulated day per commit
    await journal.open()
    try:
        seconds = await write_history(journal, history)
        await journal.save_snapshot(Snapshot(await journal.last_seq(), SCHEMA, pack(history.states)))
    finally:
        await journal.close()
    return seconds


async def refresh_snapshot(path: Path) -> bool:
    """A kept journal whose snapshot this version cannot load gets a new one, as a clean stop would save."""
    from actors.runtime import collector_paused, load_states

    journal = SqliteJournal(path)
    await journal.open()
    try:
        snap = await journal.load_snapshot()
        if snap is not None and unpack(snap.blob) is not None:
            return False
        with collector_paused():
            states, last = await load_states(journal, use_snapshot=False)
        await journal.save_snapshot(Snapshot(last, SCHEMA, pack(states)))
        return True
    finally:
        await journal.close()


async def admin(url: str, sql: str) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


@dataclass
class Run:
    code: int
    wall_s: float
    phases: dict[str, float]  # start, copy, check, commit → seconds
    peak_rss_mib: float
    cpu_s: float
    db_mib: float
    output: str


def migrate_once(data_dir: Path, url: str) -> Run:
    """``python run.py migrate`` into a new database; the database is dropped afterwards."""
    name = f"zapis_bench_{secrets.token_hex(4)}"
    target = urlsplit(url)._replace(path=f"/{name}").geturl()
    asyncio.run(admin(url, f'CREATE DATABASE "{name}"'))
    try:
        env = {**os.environ, "ZAPIS_DATA_DIR": str(data_dir), "ZAPIS_DATABASE_URL": ""}
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "migrate", "--to", target], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert proc.stdout is not None
        stamps: dict[str, float] = {}
        lines = []
        for line in proc.stdout:
            now = time.perf_counter() - started
            lines.append(line)
            for mark in ("copying", "checking", "copied"):
                if line.startswith(mark) and mark not in stamps:
                    stamps[mark] = now
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        db = asyncio.run(admin(url, f"SELECT pg_database_size('{name}')"))
    finally:
        asyncio.run(admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    phases = {}
    if {"copying", "checking", "copied"} <= stamps.keys():
        phases = {"start": stamps["copying"], "copy": stamps["checking"] - stamps["copying"],
                  "check + commit": stamps["copied"] - stamps["checking"]}
    return Run(proc.returncode, wall, phases, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
               db / 2**20, "".join(lines))


def replay_once(data_dir: Path) -> tuple[float, float]:
    """For scale: ``python run.py replay`` on the same journal (full replay + snapshot load): seconds, peak MiB."""
    env = {**os.environ, "ZAPIS_DATA_DIR": str(data_dir), "ZAPIS_DATABASE_URL": ""}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "replay"], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "replay failed"
    return time.perf_counter() - started, usage.ru_maxrss / 1024


def state_memory(path: Path) -> float:
    """MiB the server's start-up allocates for this journal's state (snapshot load, tracemalloc peak)."""
    import tracemalloc

    from actors.runtime import collector_paused, load_states

    async def load() -> None:
        journal = SqliteJournal(path)
        await journal.open()
        try:
            with collector_paused():
                await load_states(journal)
        finally:
            await journal.close()

    tracemalloc.start()
    asyncio.run(load())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--branches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="keep the generated SQLite journal here (and reuse one found there)")
    args = parser.parse_args(argv)
    url = os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get("ZAPIS_TEST_DATABASE_URL") or DEFAULT_PG_URL
    server = asyncio.run(admin(url, "SHOW server_version")).split()[0]
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version},"
          f" PostgreSQL {server}; load {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory(prefix="zapis-migrate-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        path = data_dir / "zapis.sqlite3"
        if path.exists():
            print(f"reusing the SQLite journal {path}", flush=True)
            if asyncio.run(refresh_snapshot(path)):
                print("its snapshot was of an older SCHEMA: replaced by this version's", flush=True)
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            print(f"generating {args.events:,} events over {args.branches} branches …", flush=True)
            started = time.perf_counter()
            history = Generator(args.events, args.branches, args.seed).run()
            print(f"generated in {time.perf_counter() - started:.1f} s: {history.appointments:,} appointments,"
                  f" {history.clients:,} clients", flush=True)
            write_s = asyncio.run(write_source(path, history))
            del history
            gc.collect()
            print(f"SQLite journal written in {write_s:.1f} s", flush=True)
        with sqlite3.connect(path) as conn:
            events = int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        print(f"{events:,} events, {path.stat().st_size / 2**20:.0f} MiB", flush=True)
        state_mib = state_memory(path)
        print(f"the state a server loads for it: {state_mib:.0f} MiB (tracemalloc peak)", flush=True)
        replay_s, replay_mib = replay_once(data_dir)
        print(f"for scale, python run.py replay on it: {replay_s:.1f} s, peak RSS {replay_mib:.0f} MiB", flush=True)
        runs = []
        for i in range(args.runs):
            run = migrate_once(data_dir, url)
            runs.append(run)
            if run.code != 0:
                print(run.output)
                return 1
            phases = ", ".join(f"{k} {v:.1f} s" for k, v in run.phases.items())
            print(f"run {i + 1}: {run.wall_s:.1f} s = {events / run.wall_s:,.0f} events/s ({phases});"
                  f" CPU {run.cpu_s:.1f} s; peak RSS {run.peak_rss_mib:.0f} MiB; PostgreSQL database"
                  f" {run.db_mib:.0f} MiB; load {os.getloadavg()[0]:.1f}", flush=True)
        if runs:
            print("\nlast run's output:\n" + runs[-1].output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
