"""The per-request floor: a bare Quart app, zapis's ``/healthz`` and availability, one run.

    python -m bench.floor                            # PostgreSQL (throwaway schema), 3 cycles × 5 s
    python -m bench.floor --backend sqlite --seconds 3 --repeat 5
    python -m bench.floor --loop asyncio             # both servers on plain asyncio (uvloop if importable otherwise)
    python -m bench.floor --profile var/floor        # py-spy each phase's server (collapsed stacks)
    python -m bench.floor --top var/floor/healthz-*.txt    # the heaviest functions in such files

Two server processes, each **one Hypercorn worker configured by
``run.hypercorn_config``** (zapis's settings: read timeout, header limits,
no access log) on the same event loop:

- *bare*: ``Quart("bare")`` with one route ``GET /`` answering
  ``{"status":"ok"}`` — no hooks, no extensions;
- *zapis*: the real app (``run.build`` through ``bench/booking_server.py``'s
  ``build_app``: Telegram token set, rate limits off), seeded with a branch
  of 10 masters and 5,000 future visits.

This process is the load: ``--clients`` keep-alive HTTP/1.1 connections to
each server (the minimal client of ``bench/booking.py``). Phases: ``bare``
(``GET /`` of the bare app), ``healthz`` (``GET /healthz`` of zapis: every
hook, header and wrapper a request passes, no handler work), ``available``
(``GET /api/v1/slots/available`` for one day of that branch, signed in with
Telegram ``initData``; 22 slots). The three phases are interleaved
``--repeat`` times (after ``--warmup`` s each) and each ratio to *bare* is
taken within its cycle, then the median — load from other processes
drifts. "server CPU µs/request" is the server process's user + system time
(``/proc/<pid>/stat``, all threads) over every request of the phase: it
moves far less than requests/s when the machine is shared.

Before measuring, the answers are checked: ``/healthz`` carries the
Content-Security-Policy and the other security headers, a too-large body
gets the 413 problem document, an unauthenticated availability call 401.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

PHASES = ("bare", "healthz", "available")
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ server side


def bare_app() -> Any:
    from quart import Quart

    app = Quart("bare")

    @app.get("/")
    async def index() -> dict[str, str]:
        return {"status": "ok"}

    return app


def run_loop(main: Any, loop: str) -> None:
    """Run ``main`` on the chosen loop: ``auto`` is what ``run.py`` does (uvloop when importable)."""
    if loop in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if loop == "uvloop":
                raise SystemExit("--loop uvloop: uvloop is not installed (pip install -e '.[uvloop]')") from None
        else:
            uvloop.run(main)
            return
    asyncio.run(main)


def serve(args: argparse.Namespace) -> None:
    from hypercorn.asyncio import serve as hypercorn_serve

    from run import hypercorn_config
    from settings import Settings

    settings = Settings(
        database_url=args.database_url, data_dir=Path(args.data_dir), jwt_secret="b" * 40, port=args.port,
        telegram_bot_token="424242:BENCH-zapis-booking-token", bot_mode="off",
        holds_per_minute=0, bookings_per_minute=0)
    info = Path(args.info)
    if args.serve == "bare":
        app = bare_app()

        @app.before_serving
        async def _ready() -> None:
            info.write_text("{}")
    else:
        from bench.booking_server import build_app

        journal = None
        if args.database_url:
            from storage.postgres import PostgresJournal

            journal = PostgresJournal(args.database_url, schema=args.schema or "public")
        app = build_app(settings, info, journal)

    async def main() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        config = hypercorn_config(settings)
        config.bind = [f"127.0.0.1:{args.port}"]
        loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
        print(f"floor: {args.serve} on port {args.port}, loop {loop}", file=sys.stderr, flush=True)
        await hypercorn_serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]

    run_loop(main(), args.loop)


# ------------------------------------------------------------------ load side


def profile(pid: int, out: Path | None, name: str, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy the server for ``seconds``: collapsed stacks (``name.txt``, for ``--top``) and nothing else."""
    if out is None:
        return None
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "250",
                             "--format", "raw", "--output", str(out / f"{name}.txt"), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def top(files: list[Path], n: int = 40) -> None:
    """Print the functions with the largest inclusive share of samples in collapsed-stack files."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack:
                continue
            k = int(count)
            total += k
            frames = [f.split(" (")[0] + " " + f.rsplit("/", 1)[-1].split(":")[0] for f in stack.split(";")]
            for frame in set(frames):
                inclusive[frame] = inclusive.get(frame, 0) + k
            own[frames[-1]] = own.get(frames[-1], 0) + k
    print(f"{total} samples; inclusive %, self %, function")
    for frame, k in sorted(inclusive.items(), key=lambda kv: -kv[1])[:n]:
        print(f"{100 * k / total:5.1f} {100 * own.get(frame, 0) / total:5.1f}  {frame}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of process ``pid`` (all its threads), from ``/proc``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


async def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One request on its own connection: status, headers (lower-case names), body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await asyncio.wait_for(reader.readexactly(int(headers.get("content-length", "0"))), 10)
        return int(lines[0].split()[1]), headers, body
    finally:
        writer.close()


async def checks(port: int, slots_path: str) -> list[str]:
    """What the floor must keep; returns what is missing (empty: all there)."""
    missing: list[str] = []
    status, headers, body = await raw(port, b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
    if status != 200 or json.loads(body) != {"status": "ok"}:
        missing.append(f"/healthz answered {status} {body[:80]!r}")
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"):
        if name not in headers:
            missing.append(f"/healthz without {name}")
    big = b"{" + b" " * 2_000_000 + b"}"
    status, headers, body = await raw(port, b"POST /api/v1/appointments HTTP/1.1\r\nHost: bench\r\n"
                                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(big) + big)
    if status != 413 or headers.get("content-type") != "application/problem+json":
        missing.append(f"a 2 MB body got {status} {headers.get('content-type')}")
    status, headers, body = await raw(port, f"GET {slots_path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    if status != 401 or headers.get("content-type") != "application/problem+json":
        missing.append(f"availability without sign-in got {status}")
    if "content-security-policy" not in headers:
        missing.append("a problem document without the CSP")
    return missing


async def measure(args: argparse.Namespace, ports: dict[str, int], pids: dict[str, int],
                  info: dict[str, Any]) -> dict[str, Any]:
    from bench.booking import Http, client_auth, closed_loop, slots_path

    auth = [client_auth(info, tg) for tg in info["tg_ids"]]
    availability = slots_path(info)
    missing = await checks(ports["zapis"], availability)
    if missing:
        raise SystemExit("the zapis server dropped a check: " + "; ".join(missing))

    async def bare(conn: Http, i: int) -> int:
        status, body = await conn.call("GET", "/", "")
        assert status == 200 and body.strip() == b'{"status":"ok"}', body[:200]
        return status

    async def healthz(conn: Http, i: int) -> int:
        status, body = await conn.call("GET", "/healthz", "")
        assert status == 200 and body.strip() == b'{"status":"ok"}', body[:200]
        return status

    async def available(conn: Http, i: int) -> int:
        status, body = await conn.call("GET", availability, auth[i % len(auth)])
        assert status == 200 and b'"slots"' in body, body[:200]
        return status

    calls = {"bare": (bare, "bare"), "healthz": (healthz, "zapis"), "available": (available, "zapis")}
    cycles: list[dict[str, dict[str, Any]]] = []
    for cycle in range(args.repeat):
        row: dict[str, dict[str, Any]] = {}
        for name in args.phases:
            call, server = calls[name]
            spy = profile(pids[server], args.profile, f"{name}-{cycle}", args.seconds + args.warmup)
            # Fresh connections per phase: Hypercorn closes keep-alive connections idle for 5 s.
            conns = [Http(ports[server]) for _ in range(args.clients)]
            await asyncio.gather(*(c.open() for c in conns))
            cpu = cpu_seconds(pids[server])
            result = await closed_loop(conns, call, args.seconds, args.warmup)
            result["cpu_us"] = (cpu_seconds(pids[server]) - cpu) / max(1, result["all"]) * 1e6
            for c in conns:
                c.close()
            row[name] = result
            if spy:
                spy.wait()
        cycles.append(row)
    out: dict[str, Any] = {}
    for name in args.phases:
        runs = [c[name] for c in cycles]
        out[name] = {
            "rps": statistics.median(r["rps"] for r in runs),
            "ratio": statistics.median(c[name]["rps"] / c["bare"]["rps"] for c in cycles),
            "cpu_us": statistics.median(r["cpu_us"] for r in runs),
            "cpu_ratio": statistics.median(c["bare"]["cpu_us"] / c[name]["cpu_us"] for c in cycles),
            "p50": statistics.median(r["p50"] for r in runs), "p99": statistics.median(r["p99"] for r in runs),
            "each": [round(r["rps"]) for r in runs], "requests": sum(r["requests"] for r in runs),
            "statuses": {k: sum(r["statuses"].get(k, 0) for r in runs) for k in {k for r in runs for k in r["statuses"]}},
        }
    return out


def report(args: argparse.Namespace, loop: str, results: dict[str, Any]) -> None:
    print(f"\n# floor — backend {args.backend}, loop {loop}, {args.clients} clients per server, "
          f"{args.seconds:g} s a phase × {args.repeat} cycles (medians), 1-min load average "
          f"{args.load_before:.1f} → {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    print("| phase | requests/s | × bare | server CPU µs/request | CPU × bare | p50 ms | p99 ms | answers |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for name, r in results.items():
        answers = ", ".join(f"{k}: {v:,}" for k, v in sorted(r["statuses"].items()))
        print(f"| {name} | {r['rps']:,.0f} | {r['ratio']:.2f} | {r['cpu_us']:,.0f} | {r['cpu_ratio']:.2f} "
              f"| {r['p50'] * 1e3:.1f} | {r['p99'] * 1e3:.1f} | {answers} |")
    print("\nrequests/s in each cycle:", {name: r["each"] for name, r in results.items()})


async def main(args: argparse.Namespace) -> None:
    from bench.booking import free_port, wait_for

    url = os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get("ZAPIS_TEST_DATABASE_URL") or DEFAULT_URL
    args.load_before = os.getloadavg()[0]
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with tempfile.TemporaryDirectory(prefix="zapis-floor-") as tmp:
        procs: dict[str, subprocess.Popen[bytes]] = {}
        ports: dict[str, int] = {}
        infos: dict[str, Path] = {}
        try:
            for server in ("bare", "zapis"):
                ports[server], infos[server] = free_port(), Path(tmp) / f"{server}.json"
                cmd = [sys.executable, "-m", "bench.floor", "--serve", server, "--port", str(ports[server]),
                       "--info", str(infos[server]), "--data-dir", tmp, "--loop", args.loop]
                if server == "zapis" and args.backend == "postgres":
                    cmd += ["--database-url", url, "--schema", schema]
                procs[server] = subprocess.Popen(cmd)
            for server in procs:
                await wait_for(infos[server], ports[server], procs[server])
            results = await measure(args, ports, {k: p.pid for k, p in procs.items()},
                                    json.loads(infos["zapis"].read_text()))
        finally:
            for proc in procs.values():
                proc.send_signal(signal.SIGTERM)
            for proc in procs.values():
                proc.wait(30)
            if args.backend == "postgres":
                import asyncpg

                conn = await asyncpg.connect(url)
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                await conn.close()
    loop = args.loop
    if loop == "auto":
        try:
            import uvloop  # noqa: F401
            loop = "auto: uvloop"
        except ImportError:
            loop = "auto: asyncio"
    report(args, loop, results)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=64, help="keep-alive connections per server")
    parser.add_argument("--repeat", type=int, default=3, help="cycles of bare/healthz/available")
    parser.add_argument("--loop", choices=["auto", "asyncio", "uvloop"], default="auto",
                        help="the servers' event loop (auto: as run.py, uvloop when importable)")
    parser.add_argument("--phases", default=",".join(PHASES), help="subset of bare,healthz,available (bare always)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="directory for py-spy collapsed stacks of each phase's server (<phase>-<cycle>.txt)")
    parser.add_argument("--top", type=Path, nargs="+", default=None,
                        help="only print the heaviest functions of these collapsed-stack files, then exit")
    parser.add_argument("--serve", choices=["bare", "zapis"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--info", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", default="var/bench", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--schema", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    chosen = {p.strip() for p in args.phases.split(",") if p.strip()}
    if unknown := chosen - set(PHASES):
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    args.phases = [p for p in PHASES if p in chosen | {"bare"}]
    return args


if __name__ == "__main__":
    parsed = parse()
    if parsed.top:
        top(parsed.top)
    elif parsed.serve:
        serve(parsed)
    else:
        run_loop(main(parsed), parsed.loop)
