"""Crash consistency: load → SIGKILL at a random moment → checks → restart, N times.

After every kill, with the server down:

1. ``python run.py replay`` exits 0 (snapshot + tail equals the full replay);
2. the journal (read directly) holds every write answered 2xx, exactly as
   answered, and none answered 4xx/5xx or never sent (``verify.py``);
3. no staff member has two overlapping occupying appointments;
4. after the restart, ``GET /dashboard/board`` shows exactly the state the
   journal says (read through the API of the new process).

The randomised delay before the kill is the one sleep that is the point.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from tests.reliability.ledger import Ledger
from tests.reliability.server import Backend, ServerProcess, run_cli
from tests.reliability.traffic import Traffic, board_cards
from tests.reliability.verify import (
    History,
    appointment_rows,
    ledger_violations,
    loaded_matches_replay,
    overlaps,
    read_history,
)
from tests.reliability.world import World, build_world, create_admin, iso_ts

STOP_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class ChaosConfig:
    cycles: int = 5
    clients: int = 12
    managers: int = 1
    kill_after_s: tuple[float, float] = (0.4, 2.0)  # uniform random delay from load start to SIGKILL
    snapshot_every: int = 150  # small, so kills also land around background snapshots
    seed: int = 1
    days: int = 2  # bookable days per cycle window (small: many conflicts)
    move_window: bool = False  # a fresh window of days every cycle (long runs)


@dataclass(slots=True)
class CycleReport:
    cycle: int
    kill_after_s: float
    tally: Counter[str]
    events: int  # branch stream version after the cycle
    appointments: int
    restart_s: float
    problems: list[str]


@dataclass
class ChaosReport:
    backend: str
    cycles: list[CycleReport] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"cycle {c.cycle}: {p}" for c in self.cycles for p in c.problems]

    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for c in self.cycles:
            total.update(c.tally)
        return total


async def run_chaos(backend: Backend, workdir: Path, cfg: ChaosConfig,
                    progress: Callable[[CycleReport], None] | None = None) -> ChaosReport:
    """Run ``cfg.cycles`` kill/restart cycles; the report lists every violation found."""
    rng = random.Random(cfg.seed)
    server = ServerProcess(backend, workdir / "server.log",
                           extra_env={"ZAPIS_SNAPSHOT_EVERY": str(cfg.snapshot_every)})
    report = ChaosReport(backend.name)
    ledger = Ledger()
    try:
        await create_admin(backend)
        await server.start()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            world = await build_world(http, backend, clients=cfg.clients, days=cfg.days)
        expected: dict[str, tuple[int, str, int, str]] | None = None
        first_day = world.first_day
        for cycle in range(1, cfg.cycles + 1):
            if cfg.move_window:
                world.first_day = first_day + timedelta(days=(cycle - 1) % 60)
            problems = [] if expected is None else await _board_agrees(server, world, expected)
            delay = rng.uniform(*cfg.kill_after_s)
            traffic = Traffic(world, ledger, server.base_url, cycle, seed=cfg.seed * 100_000 + cycle,
                              managers=cfg.managers)
            load = asyncio.create_task(traffic.run())
            await asyncio.sleep(delay)  # the random moment of the crash
            server.kill()
            traffic.stop.set()
            await asyncio.wait_for(load, STOP_TIMEOUT_S)
            history, found = await _check(backend, world, ledger, cycle)
            problems += found
            expected = appointment_rows(history.final)
            began = time.monotonic()
            await server.start()
            cycle_report = CycleReport(cycle, delay, ledger.tally(ledger.of_cycle(cycle)), history.final.version,
                                       len(history.final.appointments), time.monotonic() - began, problems)
            report.cycles.append(cycle_report)
            if progress is not None:
                progress(cycle_report)
        if expected is not None:
            tail = await _board_agrees(server, world, expected)
            if tail and report.cycles:
                report.cycles[-1].problems.extend(tail)
    finally:
        server.close()
    return report


async def _check(backend: Backend, world: World, ledger: Ledger, cycle: int) -> tuple[History, list[str]]:
    """Everything checked while the server is down after a kill."""
    problems: list[str] = []
    replay = await run_cli(backend, "replay")
    if replay.returncode != 0:
        problems.append(f"run.py replay exited {replay.returncode}: {replay.stdout[-400:]}{replay.stderr[-400:]}")
    journal = backend.journal()
    await journal.open()
    try:
        history = await read_history(journal, world.branch_id)
        problems += await loaded_matches_replay(journal, world.branch_id, history)
    finally:
        await journal.close()
    problems += ledger_violations(ledger.of_cycle(cycle), history, ledger.calls)
    problems += overlaps(history.final)
    errors = [c for c in ledger.of_cycle(cycle) if c.http_status is not None and c.http_status >= 500]
    problems += [f"{c.kind} answered {c.http_status} {c.body} while the server was up" for c in errors]
    return history, problems


async def _board_agrees(server: ServerProcess, world: World,
                        expected: dict[str, tuple[int, str, int, str]]) -> list[str]:
    """The restarted server's board shows exactly what the journal held after the kill."""
    window = world.window()
    lo, hi = iso_ts(window["date_from"] + "T00:00:00+00:00"), iso_ts(window["date_to"] + "T23:59:59+00:00")
    want = {k: v for k, v in expected.items() if lo <= v[2] <= hi}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
        r = await http.get("/api/v1/dashboard/board", headers=world.manager_headers,
                           params={"branch_id": world.branch_id, **window})
    if r.status_code != 200:
        return [f"board after restart answered {r.status_code}: {r.text[:200]}"]
    got = board_cards(r.json())
    if got != want:
        missing = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        changed = sorted(k for k in set(got) & set(want) if got[k] != want[k])[:5]
        return [f"board after restart differs from the journal: missing {missing}, extra {extra}, "
                f"changed {[(k, want[k], got[k]) for k in changed]}"]
    return []
