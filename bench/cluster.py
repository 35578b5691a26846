"""Several server processes on one PostgreSQL: throughput with 1 vs 2 processes, cross-process fan-out, conflicts.

    python -m bench.cluster                          # 2 cycles × 4 s a phase, 300 sockets, 50 bookings (≈ 2.5 min)
    python -m bench.cluster --seconds 3 --repeat 1 --sockets 100 --bookings 20    # a quick look
    ZAPIS_BENCH_DATABASE_URL=postgresql://user@host:5432/db python -m bench.cluster

PostgreSQL at ``ZAPIS_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/benchdb``; the database is created
if it is missing), in a throwaway schema dropped at the end.

**Processes.** Two servers, A and B (``bench/cluster_server.py``: the real
app, ``run.build`` + ``run.hypercorn_config``, one Hypercorn worker each,
each on its own port, on the same schema). A seeds the branches of
``bench/booking.py`` (availability: 10 staff and 5,000 future visits;
distinct: 20 staff) and a fan-out branch; B seeds nothing and learns it all
by following the journal. This process is the load generator (the
``Http`` client and the availability/booking calls of ``bench/booking.py``):
``--clients`` keep-alive connections, fresh for every phase.

**Throughput.** Phases ``available`` (``GET /slots/available``, one day of
the 5,000-visit branch) and ``distinct`` (``POST /appointments``, every
request a new staff/start of the distinct branch: all processes book the
same branch, so every turn of one process can lose its race to the other's)
and ``spread`` (the same on two branches: connection *i* books branch
*i* mod 2, so with two processes A's connections book one branch and B's
the other — a chain's many branches; with one process A books both), each
closed-loop for ``--seconds`` after ``--warmup``, in two
configurations interleaved ``--repeat`` times: **1 process** — B is
stopped (``SIGSTOP``: one process serves, the other uses no CPU) and every
connection goes to A; **2 processes** — B is continued, the run waits until
B has caught up with what A committed meanwhile (the time is reported: a
paused process waking up), and the connections are spread half to A, half
to B. Reported: requests/s and the 2/1 ratio (median of the per-cycle
ratios), and — because this machine has 2 cores shared by the servers,
this load generator and PostgreSQL — the CPU each took: server CPU per
request (all servers), the servers' cores in use, the load generator's and
the rest of the machine's (PostgreSQL and anything else running). The
*CPU-accounted* ratio is ``2 × (server CPU per request with 1) / (server
CPU per request with 2)``: the throughput 2 processes would give with a core
each, which is what a 2-process deployment has when the load comes from the
network. The conflict retries (``StreamActor.retries`` summed over both
processes: turns decided again after losing a race) are reported per 1,000
bookings answered 201 in the 2-process ``distinct`` and ``spread`` phases,
with any 503.

**Fan-out across processes.** ``--sockets`` authenticated dashboard
sockets on **B** (``bench/wsclient.py``, subscribed to the fan-out branch);
``--bookings`` client bookings made one after another on **A**; for each,
every socket's arrival of the ``appointment.created`` frame minus the
booker's receipt of the 201 (A commit → NOTIFY → B's catch-up read → B's
hub → socket), and minus the request's start. Content is checked on a
sample of sockets (ids in booking order).

Finally both processes check their state: no overlapping bookings, the
same appointment counts on A, on B and in the journal.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.booking import Http, _iso, client_auth, closed_loop, free_port, percentile, phases, wait_for
from bench.wsclient import LeanSocket, open_socket

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/benchdb"
SOCKET_PATH = "/api/v1/dashboard/updates"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (``/proc/<pid>/stat``)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_busy_s() -> float:
    """CPU seconds every core of the machine spent not idle (``/proc/stat``)."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS  # minus idle and iowait


async def ensure_database(url: str) -> None:
    import asyncpg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "postgres"
    conn = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


class Server:
    def __init__(self, name: str, url: str, schema: str, tmp: str, info: Path | None) -> None:
        self.name, self.port = name, free_port()
        cmd = [sys.executable, "-m", "bench.cluster_server", "--port", str(self.port), "--database-url", url,
               "--schema", schema, "--data-dir", tmp]
        if info is not None:
            cmd += ["--seed", "--info", str(info)]
        self.log = open(Path(tmp) / f"{name}.log", "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.stopped = False

    async def get(self, path: str) -> dict[str, Any]:
        conn = Http(self.port)
        await conn.open()
        try:
            status, body = await conn.call("GET", path, "")
            assert status == 200, body[:300]
            return json.loads(body)  # type: ignore[no-any-return]
        finally:
            conn.close()

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)
        self.stopped = True

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)
        self.stopped = False

    def stop(self) -> None:
        if self.stopped:
            self.resume()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


async def caught_up(b: Server, a: Server, timeout: float = 60) -> float:
    """Seconds until B's committed states hold everything A committed."""
    target = (await a.get("/bench/stats"))["committed_seq"]
    t0 = time.perf_counter()
    while (await b.get("/bench/stats"))["committed_seq"] < target:
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError("B did not catch up")
        await asyncio.sleep(0.005)
    return time.perf_counter() - t0


async def measure(servers: list[Server], ports: list[int], clients: int, call: Any,
                  seconds: float, warmup: float) -> dict[str, Any]:
    """One closed-loop phase; connections spread round-robin over ``ports``; CPU of every party."""
    conns = [Http(ports[i % len(ports)]) for i in range(clients)]
    await asyncio.gather(*(c.open() for c in conns))
    before = [await s.get("/bench/stats") for s in servers if not s.stopped]
    cpu0 = [cpu_s(s.proc.pid) for s in servers]
    me0, all0, t0 = time.process_time(), machine_busy_s(), time.perf_counter()
    result = await closed_loop(conns, call, seconds, warmup)
    wall = time.perf_counter() - t0
    servers_cpu = sum(cpu_s(s.proc.pid) - c for s, c in zip(servers, cpu0))
    me, machine = time.process_time() - me0, machine_busy_s() - all0
    after = [await s.get("/bench/stats") for s in servers if not s.stopped]
    for c in conns:
        c.close()
    result["server_cpu_per_req"] = servers_cpu / max(1, result["all"])  # warm-up included on both sides
    result["server_cores"] = servers_cpu / wall
    result["loadgen_cores"] = me / wall
    result["other_cores"] = max(0.0, machine - servers_cpu - me) / wall
    result["retries"] = sum(x["retries"] - y["retries"] for x, y in zip(after, before))
    result["per_port"] = len(ports)
    return result


def spread(info: dict[str, Any]) -> Any:
    """Bookings on distinct slots of two branches: connection i books branch i % 2 (with two
    processes, the connections to A book one branch and those to B the other)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(info["tz"])
    auth = [client_auth(info, tg) for tg in info["tg_ids"]]
    branches = [info["distinct"], info["distinct2"]]
    counters = [itertools.count(), itertools.count()]

    async def call(conn: Http, i: int) -> int:
        d = branches[i % 2]
        n = next(counters[i % 2])
        body = {"branch_id": d["branch_id"], "service_id": d["service_id"], "staff_id": d["staff"][n % len(d["staff"])],
                "start": _iso(d["day0"] + 60 * 86400 + (n // len(d["staff"])) * 900, tz)}
        return (await conn.call("POST", "/api/v1/appointments", auth[i], json.dumps(body).encode()))[0]
    return call


async def throughput(args: argparse.Namespace, a: Server, b: Server, info: dict[str, Any]) -> dict[str, Any]:
    calls, _ = phases(info)
    calls["spread"] = spread(info)
    out: dict[str, Any] = {"cycles": [], "wakeups": []}
    for cycle in range(args.repeat):
        row: dict[str, dict[str, Any]] = {}
        for phase in args.phases:
            b.pause()
            row[f"{phase}/1"] = await measure([a, b], [a.port], args.clients, calls[phase], args.seconds, args.warmup)
            b.resume()
            out["wakeups"].append(await caught_up(b, a))
            row[f"{phase}/2"] = await measure([a, b], [a.port, b.port], args.clients, calls[phase],
                                              args.seconds, args.warmup)
            await caught_up(b, a)
        out["cycles"].append(row)
        print(f"cycle {cycle + 1}: " + ", ".join(f"{k} {v['rps']:,.0f}/s" for k, v in row.items()), flush=True)
    return out


async def fanout(args: argparse.Namespace, a: Server, b: Server, info: dict[str, Any]) -> dict[str, Any]:
    """Sockets on B, bookings on A one after another; latency of each frame."""
    from zoneinfo import ZoneInfo

    loop = asyncio.get_running_loop()
    f = info["fanout"]
    tz = ZoneInfo(info["tz"])
    auth = client_auth(info, info["tg_ids"][0])
    counts = [0]
    arrived = asyncio.Event()
    target = [args.sockets]

    def on_frame(_: LeanSocket) -> None:
        counts[0] += 1
        if counts[0] >= target[0]:
            arrived.set()

    socks: list[LeanSocket] = []
    hello = {"type": "auth", "token": f["token"], "branch_ids": [f["branch_id"]]}
    for first in range(0, args.sockets, 100):
        socks += await asyncio.gather(*(open_socket(loop, "127.0.0.1", b.port, SOCKET_PATH, hello, False, on_frame)
                                        for _ in range(first, min(first + 100, args.sockets))))
    await asyncio.wait_for(arrived.wait(), 60)  # every socket has its `ready`
    booker = Http(a.port)
    await booker.open()
    timings: list[tuple[float, float, str]] = []
    for i in range(args.bookings):
        arrived.clear()
        target[0] = args.sockets * (i + 2)
        body = {"branch_id": f["branch_id"], "service_id": f["service_id"], "staff_id": f["staff"][i % len(f["staff"])],
                "start": _iso(f["day0"] + 30 * 86400 + (i // len(f["staff"])) * 900, tz)}
        t0 = time.monotonic()
        status, answer = await booker.call("POST", "/api/v1/appointments", auth, json.dumps(body).encode())
        t1 = time.monotonic()
        assert status == 201, answer[:300]
        await asyncio.wait_for(arrived.wait(), 30)
        timings.append((t0, t1, json.loads(answer)["id"]))
        await asyncio.sleep(0.02)  # bookings spaced out: each one's own latency, not a queue
    booker.close()
    per_socket: list[float] = []
    from_request: list[float] = []
    to_all: list[float] = []
    for k, (t0, t201, _) in enumerate(timings, start=1):
        arrivals = [s.frames[k].at for s in socks]
        per_socket += [(x - t201) * 1000 for x in arrivals]
        from_request += [(x - t0) * 1000 for x in arrivals]
        to_all.append((max(arrivals) - t201) * 1000)
    for s in socks[:: max(1, args.sockets // 20)]:
        frames = s.decoded()
        assert frames[0]["type"] == "ready", frames[0]
        assert [x["appointment"]["id"] for x in frames[1:]] == [t[2] for t in timings]
    for s in socks:
        s.transport.close()
    closed = sum(1 for s in socks if s.close_code not in (None, 1006))
    return {"per_socket": per_socket, "from_request": from_request, "to_all": to_all,
            "booking": [(t1 - t0) * 1000 for t0, t1, _ in timings], "closed_early": closed}


def _ms(values: list[float]) -> str:
    return (f"{percentile(values, 0.5):.1f} / {percentile(values, 0.99):.1f} / {max(values):.1f} ms"
            if values else "–")


def report(args: argparse.Namespace, thr: dict[str, Any], fan: dict[str, Any], checks: list[dict[str, Any]]) -> None:
    print(f"\n# cluster benchmark — {args.clients} clients, {args.seconds:g} s a phase × {args.repeat} cycles "
          f"(medians), 1-min load average {args.load_before:.1f} before → {os.getloadavg()[0]:.1f} after, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    print("| phase | processes | requests/s (each cycle) | server CPU µs/request | server cores | load generator cores "
          "| rest of the machine, cores | p50 / p99 ms | answers |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |")
    cycles = thr["cycles"]
    for phase in args.phases:
        for n in (1, 2):
            runs = [c[f"{phase}/{n}"] for c in cycles]
            statuses: dict[int, int] = {}
            for r in runs:
                for k, v in r["statuses"].items():
                    statuses[k] = statuses.get(k, 0) + v
            med = statistics.median
            print(f"| {phase} | {n} | {med(r['rps'] for r in runs):,.0f} ({' / '.join(format(r['rps'], ',.0f') for r in runs)}) "
                  f"| {med(r['server_cpu_per_req'] for r in runs) * 1e6:,.0f} | {med(r['server_cores'] for r in runs):.2f} "
                  f"| {med(r['loadgen_cores'] for r in runs):.2f} | {med(r['other_cores'] for r in runs):.2f} "
                  f"| {med(r['p50'] for r in runs) * 1e3:.1f} / {med(r['p99'] for r in runs) * 1e3:.1f} "
                  f"| {', '.join(f'{k}: {v:,}' for k, v in sorted(statuses.items()))} |")
    print("\n| phase | 2 ÷ 1 by requests/s (each cycle) | 2 ÷ 1 CPU-accounted: 2 × CPU/request₁ ÷ CPU/request₂ (each cycle) |")
    print("| --- | --- | --- |")
    for phase in args.phases:
        raw = [c[f"{phase}/2"]["rps"] / c[f"{phase}/1"]["rps"] for c in cycles]
        acc = [2 * c[f"{phase}/1"]["server_cpu_per_req"] / c[f"{phase}/2"]["server_cpu_per_req"] for c in cycles]
        print(f"| {phase} | **{statistics.median(raw):.2f}×** ({' / '.join(f'{x:.2f}' for x in raw)}) "
              f"| **{statistics.median(acc):.2f}×** ({' / '.join(f'{x:.2f}' for x in acc)}) |")
    for phase, what in (("distinct", "2 processes booking one branch"),
                        ("spread", "2 processes, each booking its own branch")):
        if phase not in args.phases:
            continue
        runs = [c[f"{phase}/2"] for c in cycles]
        booked = sum(r["statuses"].get(201, 0) for r in runs)
        retries = sum(r["retries"] for r in runs)
        unavailable = sum(r["statuses"].get(503, 0) for r in runs)
        print(f"\nconflicts, {what}: {retries} retries for {booked:,} bookings answered 201 "
              f"= **{1000 * retries / max(1, booked):.1f} per 1,000 bookings**; 503: {unavailable}; "
              f"other answers: { {k: v for r in runs for k, v in r['statuses'].items() if k not in (201, 503)} }")
    wake = thr["wakeups"]
    if wake:
        print(f"B paused (SIGSTOP) during each 1-process phase, then continued: caught up with A in "
              f"{', '.join(f'{w * 1000:.0f}' for w in wake)} ms")
    if fan:
        print(f"\nfan-out: {args.sockets} sockets on B, {args.bookings} bookings on A one after another; "
              f"sockets closed early: {fan['closed_early']}")
        print("| measure | p50 / p99 / max |\n| --- | --- |")
        print(f"| A's 201 → frame at a socket on B | {_ms(fan['per_socket'])} |")
        print(f"| A's 201 → frame at all {args.sockets} sockets | {_ms(fan['to_all'])} |")
        print(f"| request sent to A → frame at a socket on B | {_ms(fan['from_request'])} |")
        print(f"| booking on A, request → 201 | {_ms(fan['booking'])} |")
    print("\nverify:", json.dumps(checks, ensure_ascii=False))


async def main(args: argparse.Namespace) -> None:
    url = os.environ.get("ZAPIS_BENCH_DATABASE_URL") or DEFAULT_URL
    await ensure_database(url)
    args.load_before = os.getloadavg()[0]
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="zapis-cluster-") as tmp:
        info_path = Path(tmp) / "info.json"
        a = Server("a", url, schema, tmp, info_path)
        b: Server | None = None
        try:
            await wait_for(info_path, a.port, a.proc)
            info = json.loads(info_path.read_text())
            b = Server("b", url, schema, tmp, None)
            await wait_for(info_path, b.port, b.proc)  # (the info exists: waits for B's port)
            await caught_up(b, a)
            thr = await throughput(args, a, b, info) if args.phases else {"cycles": [], "wakeups": []}
            fan = await fanout(args, a, b, info) if args.sockets and args.bookings else {}
            checks = [await a.get("/bench/verify"), await b.get("/bench/verify")]
        except BaseException:
            for s in (a, b):
                if s is not None:
                    s.log.flush()
                    print(f"--- {s.name}.log", (Path(tmp) / f"{s.name}.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            for s in (a, b):
                if s is not None:
                    s.stop()
            import asyncpg

            conn = await asyncpg.connect(url)
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            await conn.close()
    report(args, thr, fan, checks)
    if checks[0] != checks[1] or any(v["overlaps"] or v["appointments"] != v["journaled"]
                                     for c in checks for v in c.values()):
        raise SystemExit("verify failed: the processes disagree, or a slot is booked twice")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=2, help="cycles of 1-process / 2-process phases")
    parser.add_argument("--phases", default="available,distinct,spread",
                        help="comma-separated: available,distinct,spread")
    parser.add_argument("--sockets", type=int, default=300, help="dashboard sockets on B (0: no fan-out)")
    parser.add_argument("--bookings", type=int, default=50, help="bookings on A for the fan-out")
    args = parser.parse_args(argv)
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if unknown := set(args.phases) - {"available", "distinct", "spread"}:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    return args


if __name__ == "__main__":
    try:
        import uvloop
        uvloop.run(main(parse()))
    except ImportError:
        asyncio.run(main(parse()))
