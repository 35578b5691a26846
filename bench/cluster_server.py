"""Server side of ``bench/cluster.py``: one of several server processes on one PostgreSQL schema.

The app is ``run.build`` as in production (Telegram token set, rate limits
off, Hypercorn with ``run.hypercorn_config``), wrapped like
``bench/booking_server.py``: ``GET /api/v1/hello``, ``GET /bench/verify``
(overlapping bookings, state vs journal) and ``GET /bench/stats`` (journal
counters, the actors' conflict retries, the runtime's ``committed_seq``).
The process started with ``--seed`` seeds the branches of
``bench/booking_server.py`` plus a second booking branch and a fan-out branch and an admin (whose JWT the
dashboard sockets use) and writes the info JSON; the others seed nothing:
they learn everything by following the journal, like any further process.

    python -m bench.cluster_server --port 8099 --database-url URL --schema S [--seed --info /tmp/info.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

from actors.core.errors import DomainError
from actors.core.messages import CreateUser
from bench.booking_server import TOKEN, _branch, seed, verify
from settings import Settings

ADMIN = "bench-admin"


async def seed_cluster(z: Any) -> dict[str, Any]:
    """``bench/booking_server.py``'s branches, a second distinct branch, a 20-staff fan-out branch
    and an admin's JWT."""
    info = await seed(z)
    two, two_svc, two_staff = await _branch(z, "bench: distinct 2", 20, ("00:00", "24:00"), [("s15", 15)], 365)
    info["distinct2"] = {"branch_id": two.committed.branch.id, "service_id": two_svc["s15"],  # type: ignore[union-attr]
                         "staff": two_staff, "day0": info["distinct"]["day0"]}
    fan, fan_svc, fan_staff = await _branch(z, "bench: fan-out", 20, ("00:00", "24:00"), [("s15", 15)], 365)
    users = z.runtime.users
    await users.ask(CreateUser(ADMIN, "admin", ("*",), z.passwords.hash("bench-password")), "bench")
    info["fanout"] = {"branch_id": fan.committed.branch.id, "service_id": fan_svc["s15"],  # type: ignore[union-attr]
                      "staff": fan_staff, "day0": info["distinct"]["day0"],
                      "token": z.tokens.issue(users.committed.users[ADMIN])}
    return info


def build_app(settings: Settings, journal: Any, info_path: Path | None) -> Any:
    from run import build

    app = build(settings, journal=journal)
    z = app.extensions["zapis"]

    @app.get("/api/v1/hello")
    async def hello() -> str:
        return "hello"

    @app.get("/bench/stats")
    async def bench_stats() -> dict[str, float]:
        stats = z.journal.stats
        return {"appends": stats.appends, "events": stats.events, "batches": stats.batches,
                "retries": sum(a.retries for a in z.runtime.all_actors()),
                "committed_seq": z.runtime.committed_seq, "cpu_s": time.process_time()}

    @app.get("/bench/verify")
    async def bench_verify() -> dict[str, Any]:
        await z.runtime.catch_up()  # everything the other processes committed, first
        return await verify(z)

    if info_path is not None:
        @app.before_serving
        async def _seed() -> None:  # runs after the app's own start-up
            try:
                info = await seed_cluster(z)
            except DomainError as err:
                raise SystemExit(f"seeding failed: {err.detail}") from err
            info_path.write_text(json.dumps(info))

    return app


async def serve(args: argparse.Namespace) -> None:
    from hypercorn.asyncio import serve as hypercorn_serve

    from run import hypercorn_config
    from storage.postgres import PostgresJournal

    settings = Settings(
        database_url=args.database_url, data_dir=Path(args.data_dir), jwt_secret="b" * 40,
        telegram_bot_token=TOKEN, bot_mode="off", holds_per_minute=0, bookings_per_minute=0,
        host="127.0.0.1", port=args.port, ws_ping_interval_s=3600)
    journal = PostgresJournal(args.database_url, schema=args.schema)
    app = build_app(settings, journal, Path(args.info) if args.seed else None)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await hypercorn_serve(app, hypercorn_config(settings), shutdown_trigger=stop.wait)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--seed", action="store_true", help="seed the branches and write --info")
    parser.add_argument("--info", default=None, help="where the seeding process writes the info JSON")
    parser.add_argument("--data-dir", default="var/bench")
    args = parser.parse_args()
    if args.seed and not args.info:
        parser.error("--seed needs --info")
    try:
        import uvloop
        uvloop.run(serve(args))
    except ImportError:
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
