"""Webhook delivery benchmark: 1,000 appointment events to 3 endpoints, one of them slow.

    python -m bench.webhooks                         # SQLite, 1,000 events, slow endpoint 50 ms per answer
    python -m bench.webhooks --rate 100                # the same events paced at 100 bookings/s
    python -m bench.webhooks --events 300 --slow-ms 100 --database-url postgresql://postgres@127.0.0.1/test

The server side is the real app graph (``run.build``, the journal on SQLite
in a temporary directory or on the PostgreSQL named, the delivery worker as
in production) in this process; the receivers are three aiohttp servers in a
process of their own (so their work is not the server's): two answer at
once, the slow one sleeps ``--slow-ms`` before each answer. Events are
manager bookings (``appointment.created``), 20 at a time so that the journal
groups commits as under load (a burst: the lag is then mostly the queue), or
paced at ``--rate`` per second (the lag of a steady stream).

Three phases, each on a fresh database: ``none`` (no webhooks: the booking
rate alone), ``fast`` (the two quick endpoints) and ``fast+slow`` (all three).
Per endpoint: events delivered, throughput (events ÷ seconds from the first
commit to the endpoint's last arrival), lag per event (arrival at the
receiver − the event's commit in the server, same clock) p50 / p95 / max, and
whether every event arrived once, in ``seq`` order. The line "bookings/s"
shows whether deliveries slowed the booking path down.
"""

from __future__ import annotations

import argparse
import dataclasses
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


# ------------------------------------------------------------------ receivers (their own process)


def receivers(ports: list[int], slow_s: float, ready: Any, stop: Any) -> None:
    from aiohttp import web

    arrivals: dict[int, list[tuple[int, float]]] = {p: [] for p in ports}

    async def main() -> None:
        runners = []
        for i, port in enumerate(ports):
            delay = slow_s if i == len(ports) - 1 else 0.0

            async def hook(request: web.Request, port: int = port, delay: float = delay) -> web.Response:
                await request.read()
                arrivals[port].append((int(request.headers["X-Zapis-Delivery"]), time.time()))
                if delay:
                    await asyncio.sleep(delay)
                return web.Response(text="ok")

            async def results(request: web.Request, port: int = port) -> web.Response:
                return web.json_response(arrivals[port])

            async def reset(request: web.Request, port: int = port) -> web.Response:
                arrivals[port].clear()
                return web.Response(text="ok")

            app = web.Application()
            app.router.add_post("/hook", hook)
            app.router.add_get("/results", results)
            app.router.add_post("/reset", reset)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            runners.append(runner)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        for runner in runners:
            await runner.cleanup()

    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {1})
    asyncio.run(main())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ the server side (this process)


async def phase(name: str, urls: list[str], events: int, database_url: str | None, data_dir: Path,
                rate: float = 0.0) -> dict[str, Any]:
    import httpx

    from actors.core.clock import SystemClock
    from actors.core.messages import BookSlot, CreateUser, RegisterClient
    from run import build
    from settings import Settings
    from storage.factory import open_journal

    settings = Settings(data_dir=data_dir, database_url=database_url, jwt_secret="bench-" + "x" * 40,
                        bot_mode="off", webhook_allow_private=True, snapshot_every=0)
    app = build(settings, clock=SystemClock(), journal=open_journal(database_url, data_dir))
    z = app.extensions["zapis"]
    committed: dict[int, float] = {}
    z.runtime.add_listener(lambda recs: committed.update({r.seq: time.time() for r in recs
                                                          if r.type == "appointment.created"}))
    async with app.test_app():
        client = app.test_client()
        await z.runtime.users.ask(CreateUser("bench", "admin", ("*",), z.passwords.hash("bench-password-123")))
        headers = {"Authorization": f"Bearer {z.tokens.issue(z.runtime.users.committed.users['bench'])}"}
        r = await client.post("/api/v1/admin/branches", headers=headers, json={
            "name": "Bench", "timezone": "UTC", "horizon_days": 365, "min_notice_min": 0})
        branch_id = (await r.get_json())["id"]
        r = await client.post("/api/v1/admin/services", headers=headers, json={
            "name": "cut", "price": "1000.00", "duration_min": 30, "branch_ids": [branch_id]})
        service_id = (await r.get_json())["id"]
        staff = []
        for i in range(3):
            r = await client.post("/api/v1/admin/staff", headers=headers, json={
                "branch_id": branch_id, "name": f"M{i}", "service_ids": [service_id], "schedule": ALL_DAY})
            staff.append((await r.get_json())["id"])
        for url in urls:
            r = await client.post("/api/v1/admin/webhooks", headers=headers,
                                  json={"url": url, "events": ["appointment.created"]})
            assert r.status_code == 201, await r.get_data(as_text=True)
        await z.runtime.clients.ask(RegisterClient("c", 1, "+79990000001", "Клиент"))
        service = z.runtime.catalogue.committed.services[service_id]
        day = datetime.now(UTC).date() + timedelta(days=1)
        first = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        branch = z.runtime.branch(branch_id)

        async def book(i: int) -> None:
            await branch.ask(BookSlot(f"a{i}", "c", source="manual", service=service,
                                      start=first + (i // 3) * 1800, staff_id=staff[i % 3], by_manager=True))

        began = time.perf_counter()
        if rate:  # paced: one booking every 1/rate s, as a steady day would bring them
            for i in range(events):
                await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
                await book(i)
        else:  # a burst, 20 at a time
            for chunk in range(0, events, 20):
                await asyncio.gather(*(book(i) for i in range(chunk, min(chunk + 20, events))))
        booking_s = time.perf_counter() - began
        await z.webhooks.deliveries.settle(timeout=3600)
        seqs = sorted(committed)
        out: dict[str, Any] = {"phase": name, "bookings_per_s": events / booking_s, "endpoints": []}
        async with httpx.AsyncClient() as http:
            for url in urls:
                arrivals = (await http.get(url.replace("/hook", "/results"))).json()
                got = [seq for seq, _ in arrivals]
                lags = [at - committed[seq] for seq, at in arrivals]
                span = max(at for _, at in arrivals) - committed[seqs[0]]
                out["endpoints"].append({
                    "url": url, "delivered": len(got), "in_order_once": got == seqs,
                    "per_s": len(got) / span, "p50_ms": statistics.median(lags) * 1000,
                    "p95_ms": statistics.quantiles(lags, n=20)[-1] * 1000, "max_ms": max(lags) * 1000})
                await http.post(url.replace("/hook", "/reset"))
        out["stats"] = dataclasses.asdict(z.webhooks.deliveries.stats)
    return out


async def main(args: argparse.Namespace) -> None:
    ports = [free_port() for _ in range(3)]
    urls = [f"http://127.0.0.1:{p}/hook" for p in ports]
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    proc = ctx.Process(target=receivers, args=(ports, args.slow_ms / 1000, ready, stop), daemon=True)
    proc.start()
    ready.wait(30)
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {0})
    results = []
    try:
        for name, chosen in (("none", []), ("fast", urls[:2]), ("fast+slow", urls)):
            with tempfile.TemporaryDirectory() as tmp:
                url = args.database_url
                if url:
                    url = await fresh_database(url, name)
                try:
                    results.append(await phase(name, chosen, args.events, url, Path(tmp), args.rate))
                finally:
                    if url:
                        await drop_database(args.database_url, url)
    finally:
        stop.set()
        proc.join(10)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    pace = f"{args.rate:g} bookings/s" if args.rate else "a burst, 20 at a time"
    print(f"{args.events} appointment.created events ({pace}), {backend}, slow endpoint {args.slow_ms} ms per answer")
    print(f"{'phase':<10} {'bookings/s':>10}  endpoint  delivered  in order, once  events/s   lag p50   p95      max")
    for r in results:
        if not r["endpoints"]:
            print(f"{r['phase']:<10} {r['bookings_per_s']:>10.0f}  (no webhooks)")
        for i, e in enumerate(r["endpoints"]):
            kind = "slow" if e["url"] == urls[2] else f"fast{i + 1}"
            print(f"{r['phase']:<10} {r['bookings_per_s']:>10.0f}  {kind:<8}  {e['delivered']:>9}  "
                  f"{str(e['in_order_once']):<14}  {e['per_s']:>8.0f}  {e['p50_ms']:>7.0f} ms {e['p95_ms']:>6.0f} ms "
                  f"{e['max_ms']:>6.0f} ms")


async def fresh_database(url: str, name: str) -> str:
    """A new database per phase on the server of ``url`` (dropped after the phase)."""
    import asyncpg

    db = f"webhooks_bench_{name.replace('+', '_')}_{os.getpid()}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        await conn.execute(f'CREATE DATABASE "{db}"')
    finally:
        await conn.close()
    return url.rsplit("/", 1)[0] + "/" + db


async def drop_database(url: str, made: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{made.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--slow-ms", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--rate", type=float, default=0.0, help="bookings per second (0: a burst)")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    asyncio.run(main(parser.parse_args()))
