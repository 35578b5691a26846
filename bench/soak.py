"""Soak: 10 minutes of mixed load with the server's memory sampled every 10 s.

    python -m bench.soak                                  # 600 s, 200 bookers, 500 sockets, SQLite
    python -m bench.soak --seconds 60 --bookers 20 --sockets 50 --plot /tmp/soak.png

The real ``run.py`` runs as a subprocess (``tests/reliability/server.py``).
``--sockets`` dashboard WebSockets (``/api/v1/dashboard/updates``, authenticated
with a manager's JWT) are opened first and read every frame; then
``--bookers`` Telegram clients each loop until the end: think for a random
while, read a staff member's free slots for a day, hold a free one, then book
it by ``hold_id`` or release it, and now and then cancel one of their own
bookings. A manager confirms bookings now and then. Every ``--sample-every``
seconds the server's RSS (``/proc/<pid>/status`` VmRSS) is recorded with the
request counters.

Pass/fail (exit 1 on failure):
- memory: a least-squares line through the samples after ``--warmup``
  seconds grows by at most ``--max-growth`` (10 %) over that span;
- errors: no 5xx, no transport error, no unexpected status (409
  ``slot_unavailable`` is a normal answer under contention and is counted
  apart), no WebSocket closed, and every socket received the
  ``appointment.created`` frame of every acknowledged booking.

``--plot`` writes a PNG of the curve (matplotlib); ``--json`` the samples.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp
import httpx

from tests.reliability.databases import throwaway_database
from tests.reliability.server import (
    Backend,
    ServerProcess,
    code_tree,
    interrupt_on_sigterm,
)
from tests.reliability.world import Person, World, build_world, create_admin

EXPECTED = {200, 201, 204, 409}


@dataclass(slots=True)
class Sample:
    t: float  # seconds since the load started
    rss_mb: float
    requests: int
    bookings: int
    frames: int
    errors: int


@dataclass
class Counters:
    statuses: Counter[str] = field(default_factory=Counter)  # "<op> <status>"
    transport: Counter[str] = field(default_factory=Counter)
    booked: set[str] = field(default_factory=set)  # acknowledged appointment ids
    frames: int = 0
    socket_closes: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def errors(self) -> int:
        unexpected = sum(n for k, n in self.statuses.items() if int(k.rsplit(" ", 1)[1]) not in EXPECTED)
        return unexpected + sum(self.transport.values()) + sum(self.socket_closes.values())


class DashboardSocket:
    """One manager's board socket: authenticates, then counts every frame it gets."""

    def __init__(self) -> None:
        self.created: set[str] = set()
        self.ready = asyncio.Event()

    async def run(self, session: aiohttp.ClientSession, url: str, token: str, branch_id: str,
                  counters: Counters, stop: asyncio.Event) -> None:
        try:
            async with session.ws_connect(url, heartbeat=None, autoping=True, max_msg_size=2**22) as ws:
                await ws.send_str(json.dumps({"type": "auth", "token": token, "branch_ids": [branch_id]}))
                while True:
                    receive = asyncio.ensure_future(ws.receive())
                    stopping = asyncio.ensure_future(stop.wait())
                    done, _ = await asyncio.wait({receive, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    if receive not in done:
                        receive.cancel()
                        return
                    stopping.cancel()
                    msg = receive.result()
                    if msg.type is not aiohttp.WSMsgType.TEXT:
                        counters.socket_closes[f"{msg.type.name} {ws.close_code}"] += 1
                        return
                    counters.frames += 1
                    if '"appointment.created"' in msg.data:  # decode only what is checked: 500 readers, 2 CPUs
                        self.created.add(json.loads(msg.data)["appointment"]["id"])
                    elif '"ready"' in msg.data:
                        self.ready.set()
        except (aiohttp.ClientError, OSError) as exc:
            counters.socket_closes[type(exc).__name__] += 1


@dataclass
class Booker:
    me: Person
    world: World
    rng: random.Random
    counters: Counters
    think_s: float
    mine: list[str] = field(default_factory=list)

    async def call(self, session: aiohttp.ClientSession, op: str, method: str, url: str,
                   **kw: Any) -> tuple[int, Any]:
        try:
            async with session.request(method, url, **kw) as r:
                body = await r.json(content_type=None) if r.status != 204 else None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self.counters.transport[f"{op} {type(exc).__name__}"] += 1
            return 0, None
        self.counters.statuses[f"{op} {r.status}"] += 1
        return r.status, body

    async def run(self, session: aiohttp.ClientSession, until: float) -> None:
        w, rng, h = self.world, self.rng, self.me.headers
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(0, 2 * self.think_s))  # a person thinking: load pacing
            if self.mine and rng.random() < 0.25:
                appt = self.mine.pop(rng.randrange(len(self.mine)))
                await self.call(session, "cancel", "POST", f"/api/v1/appointments/{appt}/cancel", headers=h)
                continue
            day = w.first_day.fromordinal(w.first_day.toordinal() + rng.randrange(w.days)).isoformat()
            service = rng.choice(w.services)[0]
            staff = rng.choice(w.staff)
            status, body = await self.call(session, "slots", "GET", "/api/v1/slots/available", headers=h, params={
                "branch_id": w.branch_id, "service_id": service, "date_from": day, "date_to": day,
                "staff_id": staff})
            if status != 200 or not body["slots"]:
                continue
            slot = rng.choice(body["slots"])
            status, hold = await self.call(session, "hold", "POST", "/api/v1/slots/hold", headers=h, json={
                "branch_id": w.branch_id, "service_id": service, "start": slot["start"], "staff_id": staff})
            if status != 201:
                continue
            if rng.random() < 0.5:
                status, appt = await self.call(session, "book", "POST", "/api/v1/appointments", headers=h,
                                               json={"hold_id": hold["hold_id"]})
                if status == 201:
                    self.counters.booked.add(appt["id"])
                    self.mine.append(appt["id"])
            else:
                await self.call(session, "release", "DELETE", f"/api/v1/slots/hold/{hold['hold_id']}", headers=h)


async def manager(session: aiohttp.ClientSession, world: World, counters: Counters, until: float,
                  rng: random.Random) -> None:
    """Confirms a random recent booking every second or so (status changes reach every socket)."""
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0.5, 1.5))
        if not counters.booked:
            continue
        appt = rng.choice(list(counters.booked)[-200:])
        try:
            async with session.patch(f"/api/v1/appointments/{appt}/status", headers=world.manager_headers,
                                     json={"status": "confirmed"}) as r:
                await r.read()
                counters.statuses[f"status {r.status}"] += 1
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            counters.transport[f"status {type(exc).__name__}"] += 1


async def sampler(server: ServerProcess, counters: Counters, t0: float, until: float, every_s: float,
                  samples: list[Sample]) -> None:
    while True:
        now = time.monotonic()
        samples.append(Sample(round(now - t0, 1), round(server.rss_kib() / 1024, 1), counters.requests,
                              len(counters.booked), counters.frames, counters.errors()))
        s = samples[-1]
        print(f"t={s.t:6.1f}s rss={s.rss_mb:7.1f} MB requests={s.requests:7d} bookings={s.bookings:6d} "
              f"frames={s.frames:9d} errors={s.errors}", flush=True)
        if now >= until:
            return
        await asyncio.sleep(min(every_s, max(0.0, until - now)) or every_s)


def trend(samples: list[Sample], warmup_s: float) -> tuple[float, float, float]:
    """(growth over the post-warm-up span as a fraction of the fitted start, slope MB/min, fitted start MB)."""
    pts = [(s.t, s.rss_mb) for s in samples if s.t >= warmup_s]
    if len(pts) < 2:
        return 0.0, 0.0, pts[0][1] if pts else 0.0
    n = len(pts)
    mx, my = sum(t for t, _ in pts) / n, sum(m for _, m in pts) / n
    slope = sum((t - mx) * (m - my) for t, m in pts) / sum((t - mx) ** 2 for t, _ in pts)
    start = my + slope * (pts[0][0] - mx)
    span = pts[-1][0] - pts[0][0]
    return slope * span / start, slope * 60, start


def plot(samples: list[Sample], warmup_s: float, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    growth, slope, start = trend(samples, warmup_s)
    t = [s.t / 60 for s in samples]
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    ax.plot(t, [s.rss_mb for s in samples], marker="o", markersize=3, label="server RSS (MB)")
    post = [s for s in samples if s.t >= warmup_s]
    if len(post) >= 2:
        ax.plot([post[0].t / 60, post[-1].t / 60], [start, start * (1 + growth)], linestyle="--",
                label=f"trend after warm-up: {growth * 100:+.1f} % ({slope:+.2f} MB/min)")
    ax.axvspan(0, warmup_s / 60, color="grey", alpha=0.15, label="warm-up")
    ax.set_xlabel("minutes")
    ax.set_ylabel("RSS, MB")
    ax.set_ylim(0, max(s.rss_mb for s in samples) * 1.25)
    ax2 = ax.twinx()
    ax2.plot(t, [s.bookings for s in samples], color="tab:green", alpha=0.6, label="bookings (cumulative)")
    ax2.set_ylabel("bookings")
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    ax.legend(lines, labels, loc="lower center", fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


async def soak(backend: Backend, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    server = ServerProcess(backend, work / "server.log")
    counters, samples = Counters(), list[Sample]()
    try:
        await create_admin(backend)
        await server.start()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
            world = await build_world(http, backend, clients=args.bookers, staff=args.staff, days=args.days)
        stop_sockets = asyncio.Event()
        connector = aiohttp.TCPConnector(limit=0)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(base_url=server.base_url, connector=connector, timeout=timeout) as session:
            token = world.manager_headers["Authorization"].split(" ", 1)[1]
            ws_url = f"ws://127.0.0.1:{server.port}/api/v1/dashboard/updates"
            sockets = [DashboardSocket() for _ in range(args.sockets)]
            socket_tasks = []
            for i in range(0, len(sockets), 50):  # open in waves, each authenticated before the next
                wave = sockets[i:i + 50]
                socket_tasks += [asyncio.create_task(s.run(session, ws_url, token, world.branch_id, counters,
                                                           stop_sockets)) for s in wave]
                await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in wave)), 30)
            print(f"{len(sockets)} sockets open; rss {server.rss_kib() / 1024:.1f} MB", flush=True)
            t0 = time.monotonic()
            until = t0 + args.seconds
            rng = random.Random(args.seed)
            bookers = [Booker(p, world, random.Random(rng.random()), counters, args.think) for p in world.people]
            work_tasks = [asyncio.create_task(b.run(session, until)) for b in bookers]
            work_tasks.append(asyncio.create_task(manager(session, world, counters, until, random.Random(7))))
            await sampler(server, counters, t0, until, args.sample_every, samples)
            await asyncio.wait_for(asyncio.gather(*work_tasks), 60)
            deadline = time.monotonic() + 30  # let the last frames arrive (bounded)
            while time.monotonic() < deadline and any(counters.booked - s.created for s in sockets):
                await asyncio.sleep(0.1)
            missing = sum(1 for s in sockets if counters.booked - s.created)
            stop_sockets.set()
            await asyncio.wait_for(asyncio.gather(*socket_tasks), 30)
        final_rss = server.rss_kib() / 1024
        code = server.terminate()
    finally:
        server.close()
        if counters.errors():
            print(f"server log (tail):\n{server.log_tail(30)}", flush=True)
    growth, slope, start = trend(samples, args.warmup)
    return {
        "samples": [asdict(s) for s in samples], "growth": growth, "slope_mb_per_min": slope, "start_mb": start,
        "final_rss_mb": final_rss, "statuses": dict(counters.statuses), "transport": dict(counters.transport),
        "socket_closes": dict(counters.socket_closes), "sockets_missing_cards": missing,
        "bookings": len(counters.booked), "frames": counters.frames, "requests": counters.requests,
        "errors": counters.errors(), "exit_code": code, "branch_events": None,
    }


async def main(args: argparse.Namespace) -> int:
    title = (f"zapis soak: {args.bookers} bookers + {args.sockets} sockets, {args.seconds:.0f} s, "
             f"{args.backend}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(title, flush=True)
    with tempfile.TemporaryDirectory(prefix="zapis-soak-") as tmp, code_tree(args.code) as code:
        work = Path(tmp)
        if args.backend == "sqlite":
            result = await soak(Backend("sqlite", work / "data", code_root=code), work, args)
        else:
            url = os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get("ZAPIS_TEST_DATABASE_URL") \
                or "postgresql://postgres@127.0.0.1:5432/test"
            async with throwaway_database(url, prefix="zapis_soak") as db:
                result = await soak(Backend("postgres", work / "data", db, code), work, args)
    samples = [Sample(**s) for s in result["samples"]]
    if args.plot:
        plot(samples, args.warmup, Path(args.plot), title)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    ok_memory = result["growth"] <= args.max_growth
    ok_errors = result["errors"] == 0 and result["sockets_missing_cards"] == 0
    print(f"requests {result['requests']}, bookings {result['bookings']}, frames {result['frames']}")
    print(f"statuses {result['statuses']}")
    print(f"transport errors {result['transport']}, socket closes {result['socket_closes']}, "
          f"sockets missing a card {result['sockets_missing_cards']}")
    print(f"memory after warm-up: fitted {result['start_mb']:.1f} MB, trend {result['growth'] * 100:+.2f} % "
          f"({result['slope_mb_per_min']:+.3f} MB/min); limit {args.max_growth * 100:.0f} % — "
          f"{'OK' if ok_memory else 'FAIL'}; errors {result['errors']} — {'OK' if ok_errors else 'FAIL'}")
    return 0 if ok_memory and ok_errors else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--bookers", type=int, default=200)
    p.add_argument("--sockets", type=int, default=500)
    p.add_argument("--think", type=float, default=10.0, help="mean think time of a booker between steps, s")
    p.add_argument("--staff", type=int, default=6)
    p.add_argument("--days", type=int, default=120, help="bookable days (room for the whole run)")
    p.add_argument("--sample-every", type=float, default=10.0)
    p.add_argument("--warmup", type=float, default=60.0, help="seconds excluded from the memory trend")
    p.add_argument("--max-growth", type=float, default=0.10)
    p.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--code", default="HEAD",
                   help="git ref whose files the server runs (a snapshot), or 'worktree' for this checkout")
    p.add_argument("--plot", help="write the memory curve as a PNG here")
    p.add_argument("--json", help="write the samples and counters as JSON here")
    return p.parse_args(argv)


if __name__ == "__main__":
    interrupt_on_sigterm()
    sys.exit(asyncio.run(main(parse())))
