"""Server side of ``bench/booking.py``: the real app on one Hypercorn worker, seeded.

The app is ``run.build`` as in production (Telegram token set, rate limits
off so one client may book thousands of times); this wrapper only adds
``GET /api/v1/hello`` (the baseline) and ``GET /bench/verify`` (double-booking
check over state and journal), then seeds (plus a manager of the busy branch,
whose JWT goes to the load generator for the board), writes the info JSON the
load generator needs, and serves until SIGTERM.

    python -m bench.booking_server --port 8099 --info /tmp/info.json [--database-url URL --schema S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from actors.core.errors import DomainError
from actors.core.messages import AddService, AddStaff, BookSlot, CreateUser, RegisterClient
from actors.core.model import Branch, Service, Staff, Status
from actors.runtime import BranchActor
from actors.core.schedule import local_date, local_instant, parse_schedule, zone
from actors.streams import branch_stream
from settings import Settings

TOKEN = "424242:BENCH-zapis-booking-token"
TZ = "Europe/Moscow"
CLIENTS = 64
APPOINTMENTS = 5_000


def _schedule(first: str, last: str) -> dict[str, Any]:
    return parse_schedule({d: [[first, last]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})


async def _branch(z: Any, name: str, staff: int, hours: tuple[str, str], services: list[tuple[str, int]],
                  horizon: int) -> tuple[BranchActor, dict[str, str], list[str]]:
    runtime = z.runtime
    branch = Branch(id=runtime.new_id(), name=name, timezone=TZ, horizon_days=horizon)
    await runtime.open_branch(branch, "bench")
    svc_ids: dict[str, str] = {}
    for svc_name, minutes in services:
        svc = Service(runtime.new_id(), svc_name, "1000.00", "RUB", minutes, 0, (branch.id,))
        await runtime.catalogue.ask(AddService(svc), "bench")
        svc_ids[svc_name] = svc.id
    actor = runtime.branch(branch.id)
    staff_ids = []
    for i in range(staff):
        member = Staff(runtime.new_id(), branch.id, f"Master {i + 1}", tuple(svc_ids.values()),
                       _schedule(*hours))
        await actor.ask(AddStaff(member), "bench")
        staff_ids.append(member.id)
    return actor, svc_ids, staff_ids


async def seed(z: Any) -> dict[str, Any]:
    """Three branches: availability (10 staff, 5,000 future appointments), distinct and contended booking."""
    runtime, tz = z.runtime, zone(TZ)
    today = datetime.fromtimestamp(z.clock.now(), tz).date()
    tg_ids = [7_000_000_000 + i for i in range(CLIENTS)]
    clients = await asyncio.gather(*(runtime.clients.ask(RegisterClient(
        runtime.new_id(), tg, f"+7999{i:07d}", f"Клиент {i}"), "bench") for i, tg in enumerate(tg_ids)))
    client_ids = [r.client.id for r in clients]

    busy, svc, staff = await _branch(z, "bench: availability", 10, ("09:00", "21:00"),
                                     [("s30", 30), ("s60", 60)], 60)
    rng = random.Random(7)
    bookings: list[BookSlot] = []
    staff_days = [(d, s) for d in range(1, 31) for s in staff]
    for k, (offset, staff_id) in enumerate(staff_days):  # 200 staff-days × 17 + 100 × 16 = 5,000
        day = today + timedelta(days=offset)
        for block in sorted(rng.sample(range(24), 17 if k < 200 else 16)):
            start = local_instant(day, 9 * 60 + 30 * block, tz)
            bookings.append(BookSlot(runtime.new_id(), rng.choice(client_ids), source="manual",
                                     status=Status.CONFIRMED, service=runtime.catalogue.committed.services[svc["s30"]],
                                     start=start, staff_id=staff_id, by_manager=True))
    assert len(bookings) == APPOINTMENTS
    for i in range(0, len(bookings), 500):
        await asyncio.gather(*(busy.ask(b, "bench") for b in bookings[i:i + 500]))
    slots_date = today + timedelta(days=15)
    board = await _board(z, busy, slots_date)

    book, book_svc, book_staff = await _branch(z, "bench: distinct", 20, ("00:00", "24:00"), [("s15", 15)], 365)
    fight, fight_svc, fight_staff = await _branch(z, "bench: contended", 1, ("00:00", "24:00"), [("s15", 15)], 365)
    day0 = local_instant(today + timedelta(days=2), 0, tz)
    return {
        "token": TOKEN, "tz": TZ, "tg_ids": tg_ids,
        "slots": {"branch_id": busy.committed.branch.id, "service_id": svc["s60"],  # type: ignore[union-attr]
                  "service_id2": svc["s30"], "date": slots_date.isoformat()},
        "board": board,
        "distinct": {"branch_id": book.committed.branch.id, "service_id": book_svc["s15"],  # type: ignore[union-attr]
                     "staff": book_staff, "day0": day0},
        "contended": {"branch_id": fight.committed.branch.id, "service_id": fight_svc["s15"],  # type: ignore[union-attr]
                      "staff": fight_staff, "day0": day0},
    }


async def _board(z: Any, busy: BranchActor, prefer: date) -> dict[str, Any]:
    """The board phase's target: the busy branch's busiest local day (``prefer`` among equals),
    and a JWT of a manager of that branch, created as ``run.py create-user`` would."""
    assert busy.committed.branch is not None
    branch_id, tz = busy.committed.branch.id, zone(busy.committed.branch.timezone)
    per_day: dict[date, int] = {}
    for a in busy.committed.appointments.values():
        day = local_date(a.start, tz)
        per_day[day] = per_day.get(day, 0) + 1
    day = max(per_day, key=lambda d: (per_day[d], d == prefer, -d.toordinal()))
    users = z.runtime.users
    await users.ask(CreateUser("bench-manager", "manager", (branch_id,), z.passwords.hash("bench-password")), "bench")
    token = z.tokens.issue(users.committed.users["bench-manager"])
    return {"branch_id": branch_id, "date": day.isoformat(), "cards": per_day[day], "token": token}


async def verify(z: Any) -> dict[str, Any]:
    """Overlapping occupying appointments per staff member (must be 0), and state vs journal counts."""
    out: dict[str, Any] = {}
    for actor in z.runtime.branches.values():
        state = actor.committed
        overlaps = 0
        per_staff: dict[str, list[tuple[int, int]]] = {}
        for a in state.appointments.values():
            if a.occupying:
                per_staff.setdefault(a.staff_id, []).append((a.start, a.block_end))
        for spans in per_staff.values():
            spans.sort()
            overlaps += sum(1 for (_, e), (s, _) in zip(spans, spans[1:]) if s < e)
        journaled = 0
        async for rec in z.journal.read_all(0, stream=branch_stream(state.branch.id)):
            journaled += rec.type == "appointment.created"
        out[state.branch.name] = {"appointments": len(state.appointments), "journaled": journaled,
                                  "overlaps": overlaps}
    return out


def build_app(settings: Settings, info_path: Path, journal: Any = None) -> Any:
    from run import build

    app = build(settings, journal=journal)
    z = app.extensions["zapis"]

    @app.get("/api/v1/hello")
    async def hello() -> str:  # the plainest Quart endpoint: the baseline
        return "hello"

    @app.get("/bench/stats")
    async def bench_stats() -> dict[str, float]:  # appends = actor turns that wrote; batches = commits
        stats = z.journal.stats
        return {"appends": stats.appends, "events": stats.events, "batches": stats.batches,
                "cpu_s": time.process_time()}  # this process, every thread

    @app.get("/bench/verify")
    async def bench_verify() -> dict[str, Any]:
        return await verify(z)

    @app.before_serving
    async def _seed() -> None:  # runs after the app's own start-up
        try:
            info = await seed(z)
        except DomainError as err:
            raise SystemExit(f"seeding failed: {err.detail}") from err
        info_path.write_text(json.dumps(info))

    return app


async def serve(args: argparse.Namespace) -> None:
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    settings = Settings(
        database_url=args.database_url, data_dir=Path(args.data_dir), jwt_secret="b" * 40,
        telegram_bot_token=TOKEN, bot_mode="off", holds_per_minute=0, bookings_per_minute=0)
    journal = None
    if args.database_url:
        from storage.postgres import PostgresJournal

        journal = PostgresJournal(args.database_url, schema=args.schema or "public")
    app = build_app(settings, Path(args.info), journal)
    config = Config()
    config.bind = [f"127.0.0.1:{args.port}"]
    config.accesslog = None
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await hypercorn_serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--info", required=True, help="where to write the seed info JSON")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--schema", default=None, help="PostgreSQL schema to use")
    parser.add_argument("--data-dir", default="var/bench")
    args = parser.parse_args()
    try:
        import uvloop
        uvloop.run(serve(args))
    except ImportError:
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
