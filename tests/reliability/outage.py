"""Database outage under load (PostgreSQL): cut the database, bring it back, check.

``run_outage`` runs the real server on a throwaway database, starts the
client/manager load, an authenticated dashboard WebSocket and a prober that
reads ``/api/v1/branches``, free slots, the board and ``/readyz`` every
``probe_every_s``; then ``cutter.cut()``, the outage, ``cutter.restore()``,
and more load once writes succeed again. Each phase lasts a fixed time when
the config names one (the bench: "down 10 s" is the point), otherwise until
enough has happened in it (CI: no fixed sleeps) — see ``OutageConfig``.
``OutageResult.problems`` lists every broken promise:

- while down, writes answer 503 ``unavailable`` problem documents (no 500,
  no 2xx that is not durable — every 2xx must be in the journal afterwards,
  and no refused write may be);
- reads of in-memory state (branches, slots, board) answer 200 throughout;
- the WebSocket stays open and, after recovery, carries every acknowledged
  booking made since it opened (no gap);
- writes succeed again within ``recovery_limit_s`` of the restore, without
  a restart (the same process), and ``/readyz`` is 200 again.

The cutter decides how the database goes away: a ``TcpProxy`` between the
server and PostgreSQL (CI: the shared cluster stays up for other tests) or
the cluster itself stopped and started (``bench/outage.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
import orjson
import websockets

from tests.reliability.ledger import Call, Ledger, Outcome
from tests.reliability.server import Backend, ServerProcess
from tests.reliability.traffic import Traffic
from tests.reliability.verify import ledger_violations, overlaps, read_history
from tests.reliability.world import World, build_world, create_admin


class Cutter(Protocol):
    async def cut(self) -> None:
        """Make the database unreachable; return once it is."""

    async def restore(self) -> float:
        """Bring it back; return the ``time.monotonic()`` at which it accepted connections again."""


@dataclass(frozen=True, slots=True)
class OutageConfig:
    clients: int = 10
    managers: int = 1
    # A phase lasts ``*_s`` seconds when set, else until its condition holds (at most PHASE_LIMIT_S):
    warmup_s: float | None = None  # until ``warmup_writes`` writes were answered 2xx
    down_s: float | None = None  # until ``down_writes`` writes got 503 and every read was probed 3 times
    after_s: float | None = None  # until ``after_writes`` more writes were answered 2xx
    warmup_writes: int = 60
    down_writes: int = 60
    after_writes: int = 60
    recovery_limit_s: float = 5.0
    probe_every_s: float = 0.1
    seed: int = 3


@dataclass(slots=True)
class Probe:
    at: float  # time.monotonic() when sent
    path: str
    status: int | None  # None: transport error
    took_s: float


@dataclass
class Socket:
    """The dashboard WebSocket's frames and how it ended."""

    frames: list[dict[str, Any]] = field(default_factory=list)
    closed_at: float | None = None
    close_code: int | None = None
    opened: asyncio.Event = field(default_factory=asyncio.Event)

    def created_ids(self) -> set[str]:
        return {f["appointment"]["id"] for f in self.frames if f.get("type") == "appointment.created"}


@dataclass
class OutageResult:
    t0: float = 0.0  # time.monotonic() when the load started
    cut_at: float = 0.0
    cut_done_at: float = 0.0
    restore_at: float = 0.0
    restored_at: float = 0.0  # the database accepted connections again
    first_write_ok_at: float | None = None
    ready_again_at: float | None = None
    ledger: Ledger = field(default_factory=Ledger)
    probes: list[Probe] = field(default_factory=list)
    socket: Socket = field(default_factory=Socket)
    pids: tuple[int, int] = (0, 0)
    problems: list[str] = field(default_factory=list)

    @property
    def recovery_s(self) -> float | None:
        if self.first_write_ok_at is None:
            return None
        return self.first_write_ok_at - self.restored_at

    def down(self, at: float) -> bool:
        return self.cut_done_at <= at < self.restore_at

    def timeline(self, bucket_s: float = 0.5) -> list[dict[str, Any]]:
        """Per bucket since the load started: writes by outcome, reads ok/failed, readyz."""
        rows: dict[int, Counter[str]] = {}
        for c in self.ledger.calls:
            key = "write 2xx" if c.outcome is Outcome.OK else (
                f"write {c.http_status}" if c.http_status else f"write {c.outcome.value}")
            rows.setdefault(int((c.answered_at - self.t0) / bucket_s), Counter())[key] += 1
        for p in self.probes:
            kind = "readyz" if p.path == "/readyz" else "read"
            rows.setdefault(int((p.at - self.t0) / bucket_s), Counter())[f"{kind} {p.status}"] += 1
        return [{"t": round(b * bucket_s, 2), **dict(rows[b])} for b in sorted(rows)]

    def marks(self) -> dict[str, float | None]:
        rel = lambda t: None if t is None else round(t - self.t0, 3)
        return {"cut": rel(self.cut_at), "cut done": rel(self.cut_done_at), "restore": rel(self.restore_at),
                "restored": rel(self.restored_at), "first write 2xx": rel(self.first_write_ok_at),
                "readyz 200 again": rel(self.ready_again_at)}


async def run_outage(backend: Backend, workdir: Path, cutter: Cutter, cfg: OutageConfig,
                     on_mark: Callable[[str], None] | None = None) -> OutageResult:
    """One outage under load against a real server; see the module docstring."""
    res = OutageResult()
    mark = on_mark or (lambda _: None)
    server = ServerProcess(backend, workdir / "server.log")
    try:
        await create_admin(backend)
        await server.start()
        first_pid = server.pid
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as http:
            world = await build_world(http, backend, clients=cfg.clients, days=3)
        socket_task = asyncio.create_task(_watch_socket(server, world, res.socket))
        await asyncio.wait_for(res.socket.opened.wait(), 10)
        traffic = Traffic(world, res.ledger, server.base_url, cycle=1, seed=cfg.seed, managers=cfg.managers)
        res.t0 = time.monotonic()
        load = asyncio.create_task(traffic.run())
        stop_probing = asyncio.Event()
        prober = asyncio.create_task(_probe(server, world, res, cfg.probe_every_s, stop_probing))
        await _phase(cfg.warmup_s, lambda: _writes(res, Outcome.OK, res.t0) >= cfg.warmup_writes, load, prober)
        mark("cut")
        res.cut_at = time.monotonic()
        await cutter.cut()
        res.cut_done_at = time.monotonic()
        await _phase(cfg.down_s, lambda: _writes(res, Outcome.REFUSED, res.cut_done_at) >= cfg.down_writes
                     and _probed_while_down(res) >= 3, load, prober)
        mark("restore")
        res.restore_at = time.monotonic()
        res.restored_at = await cutter.restore()
        res.first_write_ok_at = await _first_write_ok(res, cfg.recovery_limit_s + 10)
        if res.first_write_ok_at is not None:
            await _phase(cfg.after_s, lambda: _writes(res, Outcome.OK, res.restored_at) >= cfg.after_writes,
                         load, prober)
        traffic.stop.set()
        stop_probing.set()
        await asyncio.wait_for(asyncio.gather(load, prober), 30)
        await _settle_socket(res, world)
        socket_task.cancel()
        await asyncio.gather(socket_task, return_exceptions=True)
        res.pids = (first_pid, server.pid if server.alive() else -1)
        res.problems += await _check(res, backend, world, cfg)
    finally:
        server.close()
    return res


PHASE_LIMIT_S = 30.0


async def _phase(seconds: float | None, enough: Callable[[], bool], *tasks: asyncio.Task[Any]) -> None:
    """Let the load run ``seconds``, or until ``enough()`` (bounded); a crashed load task raises at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (seconds if seconds is not None else PHASE_LIMIT_S)
    while loop.time() < deadline:
        step = min(0.05, deadline - loop.time()) if seconds is None else deadline - loop.time()
        done, _ = await asyncio.wait(tasks, timeout=step, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()
        if seconds is None and enough():
            return


def _writes(res: OutageResult, outcome: Outcome, since: float) -> int:
    return sum(1 for c in res.ledger.calls if c.outcome is outcome and c.sent_at >= since)


def _probed_while_down(res: OutageResult) -> int:
    """How many times the least-probed read path was read since the cut."""
    paths = ("/api/v1/branches", "/api/v1/slots/available", "/api/v1/dashboard/board")
    return min(sum(1 for p in res.probes if p.path == path and p.at >= res.cut_done_at) for path in paths)


async def _first_write_ok(res: OutageResult, limit_s: float) -> float | None:
    """When the first write sent after the restore was answered 2xx (None: not within ``limit_s``)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        oks = [c.answered_at for c in res.ledger.calls
               if c.outcome is Outcome.OK and c.sent_at >= res.restored_at]
        if oks:
            return min(oks)
        await asyncio.sleep(0.02)
    return None


async def _watch_socket(server: ServerProcess, world: World, sock: Socket) -> None:
    token = world.manager_headers["Authorization"].split(" ", 1)[1]
    url = f"ws://127.0.0.1:{server.port}/api/v1/dashboard/updates"
    async with websockets.connect(url, open_timeout=10, max_size=2**22) as ws:
        await ws.send(orjson.dumps({"type": "auth", "token": token, "branch_ids": [world.branch_id]}).decode())
        try:
            async for raw in ws:
                frame = orjson.loads(raw)
                sock.frames.append(frame)
                if frame.get("type") == "ready":
                    sock.opened.set()
        except websockets.ConnectionClosed:
            pass
        sock.closed_at = time.monotonic()
        sock.close_code = ws.close_code


async def _settle_socket(res: OutageResult, world: World, timeout_s: float = 5.0) -> None:
    """Wait (bounded) until every acknowledged booking's card reached the socket."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _missing_cards(res):
        await asyncio.sleep(0.02)


def _missing_cards(res: OutageResult) -> set[str]:
    booked = {c.body["id"] for c in res.ledger.calls if c.kind in ("book", "book_hold") and c.outcome is Outcome.OK}
    return booked - res.socket.created_ids()


async def _probe(server: ServerProcess, world: World, res: OutageResult, every_s: float,
                 stop: asyncio.Event) -> None:
    reader = world.people[0]
    day = world.window()["date_from"]
    reads: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("/api/v1/branches", {}, {}),
        ("/api/v1/slots/available", reader.headers, {"branch_id": world.branch_id,
                                                     "service_id": world.services[0][0],
                                                     "date_from": day, "date_to": day}),
        ("/api/v1/dashboard/board", world.manager_headers, {"branch_id": world.branch_id, **world.window()}),
        ("/readyz", {}, {}),
    ]
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
        while not stop.is_set():
            for path, headers, params in reads:
                began = time.monotonic()
                try:
                    status: int | None = (await http.get(path, headers=headers, params=params)).status_code
                except httpx.TransportError:
                    status = None
                res.probes.append(Probe(began, path, status, time.monotonic() - began))
                if path == "/readyz" and status == 200 and res.restore_at and res.ready_again_at is None \
                        and began >= res.restored_at:
                    res.ready_again_at = time.monotonic()
            try:
                await asyncio.wait_for(stop.wait(), every_s)
            except TimeoutError:
                pass


async def _check(res: OutageResult, backend: Backend, world: World, cfg: OutageConfig) -> list[str]:
    problems: list[str] = []
    if res.pids[0] != res.pids[1]:
        problems.append(f"the server did not survive the outage (pid {res.pids[0]} → {res.pids[1]})")
    if res.recovery_s is None or res.recovery_s > cfg.recovery_limit_s:
        problems.append(f"writes did not recover within {cfg.recovery_limit_s} s (took {res.recovery_s})")
    if res.ready_again_at is None:
        problems.append("/readyz never answered 200 after the restore")
    problems += _answers_while_down(res)
    problems += _reads_kept_working(res)
    if res.socket.closed_at is not None:
        problems.append(f"the WebSocket closed during the run (code {res.socket.close_code})")
    missing = _missing_cards(res)
    if missing:
        problems.append(f"{len(missing)} acknowledged bookings never reached the WebSocket: {sorted(missing)[:5]}")
    journal = backend.journal()
    await journal.open()
    try:
        history = await read_history(journal, world.branch_id)
    finally:
        await journal.close()
    problems += ledger_violations(res.ledger.calls, history)
    problems += overlaps(history.final)
    return problems


def _answers_while_down(res: OutageResult) -> list[str]:
    problems = []
    down = [c for c in res.ledger.calls if res.down(c.sent_at) and res.down(c.answered_at)]
    unavailable = [c for c in down if c.http_status == 503 and c.code == "unavailable"]
    if not unavailable:
        problems.append(f"no write answered 503 unavailable while the database was down ({len(down)} writes)")
    wrong = [c for c in res.ledger.calls if c.http_status is not None and c.http_status >= 500
             and not (c.http_status == 503 and c.code == "unavailable" and _is_problem(c))]
    problems += [f"{c.kind} answered {c.http_status} {c.body}" for c in wrong[:5]]
    acked_while_down = [c for c in down if c.outcome is Outcome.OK and _changes_something(c)]
    problems += [f"{c.kind} answered {c.http_status} while the database was down" for c in acked_while_down[:5]]
    # A 503 "outcome unknown" is honest (COMMIT in flight, database away longer than the
    # journal waits); a connection that died while the server lived is not.
    cut_off = [c for c in res.ledger.calls if c.error]
    problems += [f"{c.kind}: {c.error} although the server never died" for c in cut_off[:5]]
    return problems


def _is_problem(call: Call) -> bool:
    return isinstance(call.body, dict) and {"type", "title", "status", "detail", "code"} <= call.body.keys()


def _changes_something(call: Call) -> bool:
    return call.kind != "release" or call.http_status != 404


def _reads_kept_working(res: OutageResult) -> list[str]:
    problems = []
    for path in ("/api/v1/branches", "/api/v1/slots/available", "/api/v1/dashboard/board"):
        during = [p for p in res.probes if p.path == path and res.down(p.at)]
        bad = [p for p in during if p.status != 200]
        if not during:
            problems.append(f"no {path} read while the database was down")
        elif bad:
            problems.append(f"{path}: {len(bad)} of {len(during)} reads failed while the database was down "
                            f"({Counter(p.status for p in bad)})")
    slow = [p for p in res.probes if p.path != "/readyz" and p.took_s > 2.0]
    problems += [f"{p.path} took {p.took_s:.1f} s" for p in slow[:3]]
    return problems
