"""Cross-process commit hints: how long from A's acknowledged append until B's listener has it.

    python -m bench.catchup                     # 1,000 appends, one every 5 ms
    python -m bench.catchup --appends 300 --every-ms 20

Two OS processes on one PostgreSQL schema: this one appends one-event
batches on journal A at a steady pace and notes when each is acknowledged;
a child process opens journal B, ``follow``s from the start and prints the
time each record reaches its commit listener (the runtime's path: the
LISTEN hint, then a catch-up read in B's writer task). Latency = B's arrival −
A's acknowledgement (the NOTIFY is sent at commit, so it can be slightly
negative). The poll is set to 60 s, so every record arrives by a hint or
not within the run. Also: A's throughput with one writer, trigger included.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg

from storage.journal import NewEvent, Recorded
from storage.postgres import PostgresJournal

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _url() -> str:
    return os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get("ZAPIS_TEST_DATABASE_URL") or DEFAULT_URL


async def follower(url: str, schema: str, n: int) -> None:
    """The child: print ``seq time`` for every record its listener receives, until ``n``."""
    journal = PostgresJournal(url, schema=schema, poll_s=60)
    await journal.open()
    done = asyncio.Event()
    out: list[str] = []

    def listener(records: Sequence[Recorded]) -> None:
        now = time.time()
        out.extend(f"{rec.seq} {now:.6f}" for rec in records)
        if records[-1].seq >= n:
            done.set()

    journal.add_listener(listener)
    journal.follow(0)
    print("ready", flush=True)
    await asyncio.wait_for(done.wait(), 120)
    print("\n".join(out), flush=True)
    await journal.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(args: argparse.Namespace) -> None:
    url = _url()
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    journal = PostgresJournal(url, schema=schema, poll_s=60)
    await journal.open()
    child = subprocess.Popen([sys.executable, "-m", "bench.catchup", "--child", schema, "--appends", str(args.appends)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        acked: dict[int, float] = {}
        at = datetime.now(UTC)
        start = time.perf_counter()
        for i in range(args.appends):
            rec = await journal.append("bench", i, [NewEvent("Tested", {"i": i}, at)])
            acked[rec[0].seq] = time.time()
            if args.every_ms:
                await asyncio.sleep(args.every_ms / 1000)
        elapsed = time.perf_counter() - start
        out, _ = await asyncio.to_thread(child.communicate, timeout=120)
        arrived = {int(s): float(t) for s, t in (line.split() for line in out.splitlines() if line)}
        lat = [(arrived[seq] - acked[seq]) * 1000 for seq in acked]
        print(f"appends: {len(acked)}, every {args.every_ms} ms; all arrived at B: {len(arrived) == len(acked)}")
        print(f"A → B latency ms: p50 {statistics.median(lat):.2f}, p90 {percentile(lat, 0.9):.2f}, "
              f"p99 {percentile(lat, 0.99):.2f}, max {max(lat):.2f}")
        print(f"B's catch-up reads: ≈ one per hint (A's run took {elapsed:.1f} s)")
        t0 = time.perf_counter()
        for i in range(args.appends, args.appends + 500):
            await journal.append("bench", i, [NewEvent("Tested", {"i": i}, at)])
        print(f"A alone, one writer, 500 one-event appends (trigger included): "
              f"{500 / (time.perf_counter() - t0):,.0f} appends/s")
    finally:
        if child.poll() is None:
            child.kill()
        await journal.close()
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--every-ms", type=float, default=5.0)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    parsed = parse()
    if parsed.child:
        asyncio.run(follower(_url(), parsed.child, parsed.appends))
    else:
        asyncio.run(main(parsed))
