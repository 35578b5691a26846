"""Client booking API under load: hello vs availability vs durable bookings, one Hypercorn worker.

    python -m bench.booking                        # PostgreSQL (throwaway schema), 5 s a phase
    python -m bench.booking --backend sqlite --seconds 3
    python -m bench.booking --profile var/prof     # also py-spy the server during each phase
    python -m bench.booking --phases hello,available,board,distinct --seconds 5   # quick before/after

The server (``bench/booking_server.py``) runs in its own process; this
process is the load: ``--clients`` keep-alive HTTP/1.1 connections on a
minimal asyncio client (uvloop), each signed in as its own Telegram user.
Phases: ``GET /api/v1/hello``; ``GET /slots/available`` (one day, 10 staff,
a branch with 5,000 future appointments; ``available2``: the same for a visit
of two services, ``service_id`` repeated); ``GET /dashboard/board`` (that
branch's busiest day, as a manager of it: every card of the day);
``POST /appointments`` on distinct slots (every request a new staff/start),
closed loop and then paced (open loop at half that rate, for latency below
saturation); ``POST /appointments`` on one contended slot (rounds: all
clients fire at the same slot at once, exactly one may win, then the next
slot). ``--phases`` picks a subset (hello is always measured: every ratio is
to it). Afterwards the server checks state and journal for overlapping bookings.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from api.telegram.initdata import sign_init_data

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
Call = Callable[["Http", int], Awaitable[int]]
CYCLED = ("hello", "available", "available2", "board", "distinct")  # interleaved ``--repeat`` times
PHASES = (*CYCLED, "paced", "contended")


class Http:
    """One keep-alive HTTP/1.1 connection; just enough protocol for JSON APIs."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._r: asyncio.StreamReader
        self._w: asyncio.StreamWriter

    async def open(self) -> None:
        self._r, self._w = await asyncio.open_connection("127.0.0.1", self.port)

    async def call(self, method: str, path: str, headers: str, body: bytes = b"") -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{headers}"
        if body:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self._w.write(head.encode() + b"\r\n" + body)
        raw = await self._r.readuntil(b"\r\n\r\n")
        length, close = 0, False
        for line in raw.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() == b"close"
            elif name == b"transfer-encoding":
                raise RuntimeError("chunked responses are not supported by this bench client")
        body = await self._r.readexactly(length) if length else b""
        if close:  # Hypercorn ends a connection after keep_alive_max_requests: reconnect, as clients do
            self.close()
            await self.open()
        return int(raw[9:12]), body

    def close(self) -> None:
        self._w.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


async def closed_loop(conns: list[Http], call: Call, seconds: float, warmup: float) -> dict[str, Any]:
    """Every connection sends its next request as soon as the previous answer arrives."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    measuring = [False]
    sent = [0]

    async def worker(conn: Http, i: int, until: float) -> None:
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            status = await call(conn, i)
            sent[0] += 1
            if measuring[0]:
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(worker(c, i, time.perf_counter() + warmup) for i, c in enumerate(conns)))
    measuring[0] = True
    started = time.perf_counter()
    await asyncio.gather(*(worker(c, i, started + seconds) for i, c in enumerate(conns)))
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99), "statuses": statuses, "requests": len(latencies),
            "all": sent[0]}


async def paced(conns: list[Http], call: Call, rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: requests start on a fixed schedule (``rate``/s over all connections), so the
    latency, measured from the scheduled start, is not hidden by a slow server (no coordinated omission)."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    started = time.perf_counter() + 0.1
    total = int(rate * seconds)

    async def worker(k: int) -> None:
        for n in range(k, total, len(conns)):
            scheduled = started + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            status = await call(conns[k], k)
            latencies.append(time.perf_counter() - scheduled)
            statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(worker(k) for k in range(len(conns))))
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99), "statuses": statuses, "requests": len(latencies)}


async def rounds(conns: list[Http], call: Call, seconds: float) -> dict[str, Any]:
    """All connections fire at one slot together; exactly one must win each round."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    bad_rounds = 0
    n = 0

    async def timed(conn: Http, r: int) -> int:
        t0 = time.perf_counter()
        status = await call(conn, r)
        latencies.append(time.perf_counter() - t0)
        return status

    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        answers = await asyncio.gather(*(timed(c, n) for c in conns))
        for s in answers:
            statuses[s] = statuses.get(s, 0) + 1
        bad_rounds += answers.count(201) != 1
        n += 1
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99), "statuses": statuses, "requests": len(latencies),
            "rounds": n, "bad_rounds": bad_rounds, "wins_per_s": statuses.get(201, 0) / elapsed}


def _iso(ts: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).isoformat()


def board_request(info: dict[str, Any]) -> tuple[str, str]:
    """Path and auth header of the board phase: one local day of one branch, as its manager."""
    b = info["board"]
    return (f"/api/v1/dashboard/board?branch_id={b['branch_id']}&date_from={b['date']}&date_to={b['date']}",
            f"Authorization: Bearer {b['token']}\r\n")


def client_auth(info: dict[str, Any], tg_id: int) -> str:
    """The ``Authorization`` header line of the bench client ``tg_id`` (fresh initData)."""
    return f"Authorization: tma {sign_init_data(info['token'], {'id': tg_id, 'first_name': 'B'}, int(time.time()))}\r\n"


def slots_path(info: dict[str, Any], *, two: bool = False) -> str:
    """The availability request every bench asks: one day of the seeded branch and service
    (``two``: of a visit of two services, the branch's 30-minute one first, SPEC §9.2)."""
    s = info["slots"]
    first = f"service_id={s['service_id2']}&" if two else ""
    return (f"/api/v1/slots/available?branch_id={s['branch_id']}&{first}service_id={s['service_id']}"
            f"&date_from={s['date']}&date_to={s['date']}")


def phases(info: dict[str, Any]) -> tuple[dict[str, Call], Callable[[list[Http]], Call]]:
    tz = ZoneInfo(info["tz"])
    auth = [client_auth(info, tg) for tg in info["tg_ids"]]
    availability, availability2 = slots_path(info), slots_path(info, two=True)
    board_path, board_auth = board_request(info)
    d, c = info["distinct"], info["contended"]
    counter = itertools.count()

    async def hello(conn: Http, i: int) -> int:
        return (await conn.call("GET", "/api/v1/hello", ""))[0]

    async def available(conn: Http, i: int) -> int:
        status, body = await conn.call("GET", availability, auth[i])
        assert status == 200 and b'"slots"' in body, body[:200]
        return status

    async def available2(conn: Http, i: int) -> int:
        status, body = await conn.call("GET", availability2, auth[i])
        assert status == 200 and b'"slots"' in body, body[:200]
        return status

    async def board(conn: Http, i: int) -> int:
        status, body = await conn.call("GET", board_path, board_auth)
        assert status == 200 and b'"columns"' in body, body[:200]
        return status

    async def distinct(conn: Http, i: int) -> int:
        n = next(counter)
        staff = d["staff"][n % len(d["staff"])]
        body = {"branch_id": d["branch_id"], "service_id": d["service_id"], "staff_id": staff,
                "start": _iso(d["day0"] + (n // len(d["staff"])) * 900, tz)}
        return (await conn.call("POST", "/api/v1/appointments", auth[i], json.dumps(body).encode()))[0]

    def contended(conns: list[Http]) -> Call:
        index = {id(conn): k for k, conn in enumerate(conns)}

        async def call(conn: Http, r: int) -> int:
            body = {"branch_id": c["branch_id"], "service_id": c["service_id"], "staff_id": c["staff"][0],
                    "start": _iso(c["day0"] + r * 900, tz)}
            return (await conn.call("POST", "/api/v1/appointments", auth[index[id(conn)]],
                                    json.dumps(body).encode()))[0]
        return call

    return {"hello": hello, "available": available, "available2": available2, "board": board,
            "distinct": distinct}, contended


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for(path: Path, port: int, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        if path.exists() and path.stat().st_size:
            try:
                _, w = await asyncio.open_connection("127.0.0.1", port)
                w.close()
                return
            except OSError:
                pass
        await asyncio.sleep(0.1)
    raise TimeoutError("the server did not become ready")


def profile(pid: int, out: Path | None, name: str, seconds: float) -> subprocess.Popen[bytes] | None:
    if out is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds)),
                             "--format", "speedscope", "--output", str(out / f"{name}.json"), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run(args: argparse.Namespace, port: int, info: dict[str, Any], pid: int) -> list[tuple[str, dict[str, Any]]]:
    calls, contended = phases(info)
    conns = [Http(port) for _ in range(args.clients)]
    await asyncio.gather(*(c.open() for c in conns))
    results: list[tuple[str, dict[str, Any]]] = []

    async def stats() -> dict[str, float]:
        return json.loads((await conns[0].call("GET", "/bench/stats", ""))[1])  # type: ignore[no-any-return]

    if "board" in args.phases:  # what one board request returns, for the report
        status, body = await conns[0].call("GET", *board_request(info))
        assert status == 200, body[:200]
        board = json.loads(body)
        cards = sum(len(col["cards"]) for col in board["columns"])
        assert cards == info["board"]["cards"], (cards, info["board"]["cards"])  # the seeded day, in full
        args.board = {"date": info["board"]["date"], "cards": cards, "bytes": len(body), "staff": len(board["staff"])}

    async def phase(name: str, run_it: Callable[[], Awaitable[dict[str, Any]]], spy_s: float) -> dict[str, Any]:
        spy = profile(pid, args.profile, name, spy_s)
        before = await stats()
        result = await run_it()
        after = await stats()
        result["journal"] = {k: after[k] - before[k] for k in after}
        if spy:
            spy.wait()
        return result

    # hello, availability and bookings interleaved, ``--repeat`` times: load from other
    # processes drifts, and a ratio is only fair between neighbouring measurements.
    span = args.seconds + args.warmup
    cycled = [name for name in CYCLED if name in args.phases]
    cycles: list[dict[str, dict[str, Any]]] = []
    for cycle in range(args.repeat):
        row: dict[str, dict[str, Any]] = {}
        for name in cycled:
            row[name] = await phase(f"{name}-{cycle}" if cycle else name,
                                    lambda: closed_loop(conns, calls[name], args.seconds, args.warmup), span)
        cycles.append(row)
    for name in cycled:
        results.append((name, merge([c[name] for c in cycles], [c["hello"] for c in cycles])))
    if "paced" in args.phases:
        rate = dict(results)["distinct"]["rps"] * args.paced
        results.append(("distinct, paced", await phase(
            "paced", lambda: paced(conns, calls["distinct"], rate, args.seconds), args.seconds)))
    if "contended" in args.phases:
        results.append(("contended", await phase(
            "contended", lambda: rounds(conns, contended(conns), args.seconds), args.seconds)))
    status, body = await conns[0].call("GET", "/bench/verify", "")
    results.append(("verify", json.loads(body)))
    for c in conns:
        c.close()
    return results


def _cpu(r: dict[str, Any]) -> float:
    """Server CPU seconds per request in a phase (warm-up included on both sides)."""
    return r["journal"]["cpu_s"] / max(1, r.get("all", r["requests"]))


def merge(runs: list[dict[str, Any]], hellos: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over cycles; the ratio to hello is taken within each cycle, then the median."""
    statuses: dict[int, int] = {}
    journal: dict[str, int] = {}
    for r in runs:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
        for k, v in r["journal"].items():
            journal[k] = journal.get(k, 0) + v
    return {"rps": statistics.median(r["rps"] for r in runs),
            "cpu_ratio": statistics.median(_cpu(h) / _cpu(r) for r, h in zip(runs, hellos)),
            "ratio": statistics.median(r["rps"] / h["rps"] for r, h in zip(runs, hellos)),
            "p50": statistics.median(r["p50"] for r in runs), "p99": statistics.median(r["p99"] for r in runs),
            "statuses": statuses, "journal": journal, "each": [round(r["rps"]) for r in runs],
            "all": sum(r["all"] for r in runs), "requests": sum(r["requests"] for r in runs)}


def report(results: list[tuple[str, dict[str, Any]]], args: argparse.Namespace) -> None:
    base = results[0][1]["rps"]
    hello_cpu = _cpu(results[0][1])
    print(f"\n# booking benchmark — backend {args.backend}, {args.clients} clients, {args.seconds:g} s a phase "
          f"({', '.join(args.phases)}) "
          f"(× {args.repeat} cycles, medians), 1-min load average {args.load_before:.1f} before → {os.getloadavg()[0]:.1f} after, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    print("| phase | requests/s | × hello | server CPU µs/request | CPU × hello | p50 ms | p99 ms | answers "
          "| events/turn | events/commit |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
    for name, r in results[:-1]:
        answers = ", ".join(f"{k}: {v:,}" for k, v in sorted(r["statuses"].items()))
        j = r["journal"]
        per_turn = f"{j['events'] / j['appends']:.1f}" if j["appends"] else "–"
        per_commit = f"{j['events'] / j['batches']:.1f}" if j["batches"] else "–"
        ratio = r.get("ratio", r["rps"] / base)
        cpu = _cpu(r)
        cpu_ratio = r.get("cpu_ratio", hello_cpu / cpu)
        print(f"| {name} | {r['rps']:,.0f} | {ratio:.2f} | {cpu * 1e6:,.0f} | {cpu_ratio:.2f} | {r['p50'] * 1e3:.1f} "
              f"| {r['p99'] * 1e3:.1f} | {answers} | {per_turn} | {per_commit} |")
    print("\nrequests/s in each cycle:", {name: r["each"] for name, r in results[:-1] if "each" in r})
    if "board" in args.phases:
        b = args.board
        print(f"\nboard: one day ({b['date']}) of the 5,000-appointment branch as its manager: "
              f"{b['cards']} cards, {b['staff']} staff rows, {b['bytes']:,} bytes")
    if "contended" in args.phases:
        contended = dict(results)["contended"]
        print(f"\ncontended: {contended['rounds']} rounds, {contended['wins_per_s']:,.0f} bookings/s, "
              f"rounds without exactly one 201: {contended['bad_rounds']}")
    print("verify:", json.dumps(results[-1][1], ensure_ascii=False))


async def main(args: argparse.Namespace) -> None:
    url = os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get("ZAPIS_TEST_DATABASE_URL") or DEFAULT_URL
    port = free_port()
    args.load_before = os.getloadavg()[0]  # other work on the machine skews every number
    with tempfile.TemporaryDirectory(prefix="zapis-booking-") as tmp:
        info_path = Path(tmp) / "info.json"
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        cmd = [sys.executable, "-m", "bench.booking_server", "--port", str(port), "--info", str(info_path),
               "--data-dir", tmp]
        if args.backend == "postgres":
            cmd += ["--database-url", url, "--schema", schema]
        proc = subprocess.Popen(cmd)
        try:
            await wait_for(info_path, port, proc)
            results = await run(args, port, json.loads(info_path.read_text()), proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            if args.backend == "postgres":
                import asyncpg

                conn = await asyncpg.connect(url)
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                await conn.close()
    report(results, args)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3, help="cycles of hello/available/board/distinct")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma-separated subset of {','.join(PHASES)} (hello is always included)")
    parser.add_argument("--paced", type=float, default=0.5,
                        help="the paced booking phase runs at this fraction of the closed-loop booking rate")
    parser.add_argument("--profile", type=Path, default=None, help="directory for py-spy speedscope profiles")
    args = parser.parse_args(argv)
    chosen = {name.strip() for name in args.phases.split(",") if name.strip()}
    if unknown := chosen - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    if "paced" in chosen and "distinct" not in chosen:
        parser.error("paced runs at a fraction of the distinct rate: add distinct")
    args.phases = [name for name in PHASES if name in chosen | {"hello"}]
    return args


if __name__ == "__main__":
    try:
        import uvloop
        uvloop.run(main(parse()))
    except ImportError:
        asyncio.run(main(parse()))
