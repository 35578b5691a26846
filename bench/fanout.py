"""Fan-out benchmark: N authenticated dashboard sockets on ONE server worker; how long
from a booking's 201 until its ``appointment.created`` frame is at every socket, and
how much server memory each socket costs.

    python -m bench.fanout                              # 1,000 sockets, Hypercorn (+ others installed)
    python -m bench.fanout --sockets 200 --bookings 10 --servers hypercorn --modes plain

The server runs in its own process (pinned to CPU 0 when there are two or
more) with the real app graph (``run.build``, SQLite journal in a temporary
directory, synchronous=FULL); the sockets and the booker share one process
on the other CPU, using a lean raw-protocol client (``bench/wsclient.py``).
Bookings are made one after another through ``POST /appointments/manual``.
Latency per (booking, socket) = frame arrival − the booker's receipt of
the 201 (negative: the frame came first — the hub queues frames before the
booker is answered); "all N" = the last socket's arrival for a booking.
Memory = the server's RSS growth from before the sockets connected until
after the last booking, divided by N. Modes: ``plain`` sockets, and
``deflate`` ones that offer permessage-deflate as browsers do.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.wsclient import LeanSocket, open_socket

PATH = "/api/v1/dashboard/updates"
ADMIN, PASSWORD = "bench", "bench-password-123"
SERVERS = ("hypercorn", "uvicorn", "uvicorn-nodeflate", "granian")


# ------------------------------------------------------------------ server side


def serve(server: str, port: int, data_dir: str) -> None:
    """The server process: the real app on one worker, admin account created first."""
    from run import build, create_user, hypercorn_config
    from settings import Settings

    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {0})
    env = {"ZAPIS_DATA_DIR": data_dir, "ZAPIS_JWT_SECRET": "bench-secret-" + "x" * 32, "ZAPIS_BOT_MODE": "off",
           "ZAPIS_PORT": str(port), "ZAPIS_WS_PING_INTERVAL_S": "3600", "ZAPIS_LOGINS_PER_MINUTE": "10000"}
    os.environ.update(env)
    settings = Settings.from_env()
    import uvloop

    uvloop.run(create_user(settings, ADMIN, "admin", "all", PASSWORD))
    if server == "granian":
        from granian import Granian

        from granian.constants import Interfaces, Loops

        Granian("bench.fanout:granian_app", factory=True, interface=Interfaces.ASGI, address="127.0.0.1",
                port=port, workers=1, loop=Loops.uvloop, log_enabled=False).serve()
        return
    app = build(settings)
    if server == "hypercorn":
        from hypercorn.asyncio import serve as hypercorn_serve

        uvloop.run(hypercorn_serve(app, hypercorn_config(settings)))  # type: ignore[arg-type]
    elif server.startswith("uvicorn"):
        import uvicorn

        uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", ws="websockets", lifespan="on",
                    ws_ping_interval=None, ws_per_message_deflate=server == "uvicorn",
                    log_level="warning", access_log=False)
    else:
        raise SystemExit(f"unknown server {server}")


def granian_app() -> Any:
    """The app for Granian's worker (configured through the environment, as in production)."""
    from run import build
    from settings import Settings

    return build(Settings.from_env())


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Granian serves from a child process)."""
    out = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            for child in f.read().split():
                out += _tree(int(child))
    return out


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) the server has used so far: robust to other load on the machine."""
    total = 0
    for p in _tree(pid):
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of the server (``pid`` and its descendants)."""
    total = 0
    for p in _tree(pid):
        with open(f"/proc/{p}/status") as f:
            total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return total


# ------------------------------------------------------------------ driver side


async def seed(http: httpx.AsyncClient) -> tuple[dict[str, str], str, str]:
    r = await http.post("/api/v1/auth/login", json={"login": ADMIN, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    branch = (await http.post("/api/v1/admin/branches", headers=headers, json={
        "name": "Bench", "timezone": "Europe/Moscow"})).json()["id"]
    service = (await http.post("/api/v1/admin/services", headers=headers, json={
        "name": "Стрижка", "price": "1500.00", "duration_min": 30, "branch_ids": [branch]})).json()["id"]
    every_day = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for i in range(3):
        r = await http.post("/api/v1/admin/staff", headers=headers, json={
            "branch_id": branch, "name": f"Мастер {i + 1}", "service_ids": [service], "schedule": every_day})
        r.raise_for_status()
    return headers, branch, service


def _start(i: int) -> str:
    """Distinct future half-hours (three staff, so three bookings per half-hour fit)."""
    t = time.time() + 2 * 86400
    t = t - t % 1800 + (i // 3) * 1800
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


async def run_case(server: str, mode: str, sockets: int, bookings: int) -> dict[str, Any]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="zapis-fanout-") as tmp:
        log = open(Path(tmp) / "server.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "bench.fanout", "--serve", server, "--port", str(port),
                                 "--data", tmp], stdout=log, stderr=subprocess.STDOUT)
        try:
            return await _measure(proc, port, mode, sockets, bookings)
        except BaseException:
            print((Path(tmp) / "server.log").read_text()[-3000:], file=sys.stderr)
            raise
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()


async def _measure(proc: subprocess.Popen[bytes], port: int, mode: str, sockets: int,
                   bookings: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await _wait_ready(http)
        headers, branch, service = await seed(http)
        token = headers["Authorization"][7:]

        async def book(i: int) -> tuple[float, float, str]:
            t0 = time.monotonic()
            r = await http.post("/api/v1/appointments/manual", headers=headers, json={
                "branch_id": branch, "service_id": service, "start": _start(i),
                "client": {"phone": f"+7999{i + 100:07d}", "name": f"Клиент {i}"}, "comment": "звонок"})
            t1 = time.monotonic()
            assert r.status_code == 201, r.text
            return t0, t1, r.json()["id"]

        await book(0)  # warm-up (code paths, caches) before the baseline
        cpu0 = cpu_ms(proc.pid)
        alone = [t1 - t0 for t0, t1, _ in [await book(-i) for i in range(1, 11)]]
        cpu_alone = (cpu_ms(proc.pid) - cpu0) / 10
        rss_before = rss_kib(proc.pid)
        counts = [0]
        arrived = asyncio.Event()
        target = [sockets]

        def on_frame(_: LeanSocket) -> None:
            counts[0] += 1
            if counts[0] >= target[0]:
                arrived.set()

        socks: list[LeanSocket] = []
        for first in range(0, sockets, 100):
            socks += await asyncio.gather(*(
                open_socket(loop, "127.0.0.1", port, PATH, {"type": "auth", "token": token}, mode == "deflate",
                            on_frame) for _ in range(first, min(first + 100, sockets))))
        await asyncio.wait_for(arrived.wait(), 60)  # every socket has its `ready`
        rss_connected = rss_kib(proc.pid)
        timings = []
        cpu1 = cpu_ms(proc.pid)
        for i in range(1, bookings + 1):
            arrived.clear()
            target[0] = sockets * (i + 1)
            t0, t1, appt_id = await book(i)
            await asyncio.wait_for(arrived.wait(), 60)
            timings.append((t0, t1, appt_id))
        rss_after = rss_kib(proc.pid)
        cpu_fanout = (cpu_ms(proc.pid) - cpu1) / bookings - cpu_alone
        for s in socks:
            s.transport.close()
    report = _report(socks, timings, rss_before, rss_connected, rss_after, sockets)
    report["alone_ms"] = statistics.median(alone) * 1000
    report["cpu_fanout_ms"] = cpu_fanout
    return report


def _report(socks: list[LeanSocket], timings: list[tuple[float, float, str]], rss_before: int,
            rss_connected: int, rss_after: int, n: int) -> dict[str, Any]:
    per_socket: list[float] = []
    to_all: list[float] = []
    from_request: list[float] = []
    spread: list[float] = []
    for k, (t0, t201, _) in enumerate(timings, start=1):
        arrivals = [s.frames[k].at for s in socks]
        per_socket += [(a - t201) * 1000 for a in arrivals]
        to_all.append((max(arrivals) - t201) * 1000)
        from_request.append((max(arrivals) - t0) * 1000)
        spread.append((max(arrivals) - min(arrivals)) * 1000)
    for s in socks[:: max(1, n // 20)]:  # check the content on a sample of sockets
        frames = s.decoded()
        assert frames[0]["type"] == "ready"
        assert [f["appointment"]["id"] for f in frames[1:]] == [t[2] for t in timings]
        assert all(f["type"] == "appointment.created" for f in frames[1:])
    return {
        "per_socket": _summary(per_socket), "all": _summary(to_all), "request": _summary(from_request),
        "spread": _summary(spread),
        "booking_ms": _summary([(t201 - t0) * 1000 for t0, t201, _ in timings]),
        "kib_per_socket_connected": (rss_connected - rss_before) / n,
        "kib_per_socket_after": (rss_after - rss_before) / n,
        "rss_mib": rss_after / 1024,
    }


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": statistics.median(ordered), "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "max": ordered[-1]}


async def _wait_ready(http: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError("the server did not start")
        await asyncio.sleep(0.1)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--bookings", type=int, default=30)
    parser.add_argument("--servers", default="all", help="comma-separated: hypercorn,uvicorn (installed ones)")
    parser.add_argument("--modes", default="plain,deflate")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.data)
        return
    if len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[1:]))
    servers = [s for s in SERVERS if importlib.util.find_spec(s.split("-")[0])] if args.servers == "all" \
        else args.servers.split(",")
    print(f"# {platform.python_version()}, {os.cpu_count()} CPUs, {args.sockets} sockets, "
          f"{args.bookings} bookings, SQLite journal")
    print("| server | clients | 201→frame p50 / p99 / max | 201→all N p50 / p99 / max | "
          "request→all N p50 / p99 / max | first→last socket p50 / p99 / max | request→201 p50 (alone) | "
          "server CPU per fan-out | KiB/socket idle / after | server RSS MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    import uvloop

    for server in servers:
        for mode in args.modes.split(","):
            r = uvloop.run(run_case(server, mode, args.sockets, args.bookings))
            print(f"| {server} | {mode} | {_ms(r['per_socket'])} | {_ms(r['all'])} | {_ms(r['request'])} | "
                  f"{_ms(r['spread'])} | {r['booking_ms']['p50']:.1f} ms ({r['alone_ms']:.1f} ms) | "
                  f"{r['cpu_fanout_ms']:.0f} ms | "
                  f"{r['kib_per_socket_connected']:.1f} / {r['kib_per_socket_after']:.1f} | {r['rss_mib']:.0f} |",
                  flush=True)


def _ms(s: dict[str, float]) -> str:
    return f"{s['p50']:.1f} / {s['p99']:.1f} / {s['max']:.1f} ms"


if __name__ == "__main__":
    main()
