"""Database outage under load: the PostgreSQL cluster really stopped and started, with a timeline.

    python -m bench.outage                        # a throwaway cluster of its own, 10 s down
    python -m bench.outage --down 20 --clients 24
    python -m bench.outage --cluster main --port 5432 --keep-cluster   # the shared one (stops it for everyone!)

By default the tool creates its own cluster (``pg_createcluster <ver> zapis_outage``
on a free port, trust auth on 127.0.0.1) so stopping it disturbs no one else's
tests, and drops it at the end. The server (``run.py``) runs on a throwaway
database of that cluster under client/manager load, with a dashboard
WebSocket and a prober (branches, slots, board, ``/readyz`` every 0.1 s).
After the warm-up the cluster is stopped with ``pg_ctlcluster
--skip-systemctl-redirect <ver> <name> stop`` (fast shutdown: open
transactions are aborted, connections cut), kept down ``--down`` seconds and
started again. The promises checked are those of
``tests/reliability/outage.py``: 503 problem documents while down and no
unacknowledged "yes", reads and the socket keep working, writes recover by
themselves within 5 s of the start without a restart, no acknowledged write
lost. Prints the timeline (per 0.5 s: writes by answer, reads, readyz).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reliability.databases import throwaway_database
from tests.reliability.outage import OutageConfig, OutageResult, run_outage
from tests.reliability.server import Backend, code_tree, free_port, interrupt_on_sigterm


async def _run(*cmd: str) -> None:
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {out.decode(errors='replace')}")


class ClusterCutter:
    """Stops and starts a PostgreSQL cluster with ``pg_ctlcluster``; remembers how long each took.

    ``restore`` returns when the cluster first accepts a connection (polled
    every 20 ms while ``pg_ctlcluster start`` runs), not when the command
    returns: that is the moment the server could reconnect.
    """

    def __init__(self, version: str, name: str, admin_url: str) -> None:
        self.version, self.name, self.admin_url = version, name, admin_url
        self.took: dict[str, float] = {}

    async def _ctl(self, action: str) -> None:
        began = time.monotonic()
        await _run("pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action)
        self.took[action] = time.monotonic() - began

    async def cut(self) -> None:
        await self._ctl("stop")

    async def restore(self) -> float:
        began = time.monotonic()
        start = asyncio.create_task(self._ctl("start"))
        while True:
            try:
                conn = await asyncpg.connect(self.admin_url, timeout=1)
            except (TimeoutError, OSError, asyncpg.PostgresError):
                if start.done() and start.exception() is not None:
                    start.result()
                await asyncio.sleep(0.02)
                continue
            accepted = time.monotonic()
            await conn.close()
            break
        await start
        self.took["accepting"] = accepted - began
        return accepted


def pg_version() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if p.is_dir())
    if not versions:
        raise SystemExit("no PostgreSQL cluster configuration under /etc/postgresql")
    return versions[-1]


async def own_cluster(version: str, name: str, port: int) -> None:
    await _run("pg_createcluster", version, name, "-p", str(port), "--",
               "--auth-host=trust", "--auth-local=trust")
    await _run("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "start")


async def drop_cluster(version: str, name: str) -> None:
    await _run("pg_dropcluster", "--stop", version, name)


def report(res: OutageResult, cutter: ClusterCutter, args: argparse.Namespace) -> str:
    lines = [f"marks (s since the load started): {res.marks()}",
             f"pg_ctlcluster took: stop {cutter.took.get('stop', 0):.2f} s, start {cutter.took.get('start', 0):.2f} s"
             f" (accepting connections after {cutter.took.get('accepting', 0):.2f} s)",
             f"recovery: first write 2xx {res.recovery_s:.3f} s after the cluster accepted connections"
             if res.recovery_s is not None else "recovery: NONE",
             "| t, s | writes 2xx | writes 503 | writes 409/404 | other writes | reads 200 | reads other |"
             " readyz 200 | readyz 503 |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in res.timeline(args.bucket):
        writes_other = sum(v for k, v in row.items() if k.startswith("write ")
                           and k not in ("write 2xx", "write 503", "write 409", "write 404"))
        reads_other = sum(v for k, v in row.items() if k.startswith("read ") and k != "read 200")
        lines.append(f"| {row['t']:.1f} | {row.get('write 2xx', 0)} | {row.get('write 503', 0)} | "
                     f"{row.get('write 409', 0) + row.get('write 404', 0)} | {writes_other} | "
                     f"{row.get('read 200', 0)} | {reads_other} | {row.get('readyz 200', 0)} | "
                     f"{row.get('readyz 503', 0)} |")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> int:
    version = args.version or pg_version()
    port = args.port or free_port()
    created = False
    if args.cluster != "main" and not args.keep_cluster:
        await own_cluster(version, args.cluster, port)
        created = True
    admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    cutter = ClusterCutter(version, args.cluster, admin_url)
    cfg = OutageConfig(clients=args.clients, managers=args.managers, warmup_s=args.warmup, down_s=args.down,
                       after_s=args.after)
    try:
        with tempfile.TemporaryDirectory(prefix="zapis-outage-") as tmp, code_tree(args.code) as code:
            async with throwaway_database(admin_url, prefix="zapis_outage") as url:
                res = await run_outage(Backend("postgres", Path(tmp) / "data", url, code), Path(tmp), cutter, cfg,
                                       on_mark=lambda m: print(f"{time.strftime('%H:%M:%S')} {m}", flush=True))
    finally:
        if created:
            await drop_cluster(version, args.cluster)
    print(report(res, cutter, args))
    tally = res.ledger.tally()
    print(f"writes: {dict(tally)}")
    print(f"socket frames: {len(res.socket.frames)}, closed: {res.socket.closed_at is not None}")
    if args.json:
        Path(args.json).write_text(json.dumps({"marks": res.marks(), "timeline": res.timeline(args.bucket),
                                               "recovery_s": res.recovery_s, "problems": res.problems,
                                               "pg_ctl": cutter.took}, indent=1))
    for problem in res.problems:
        print("PROBLEM", problem)
    print("OK" if not res.problems else "FAILED")
    return 0 if not res.problems else 1


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.outage", description=__doc__.split("\n\n")[0])
    p.add_argument("--cluster", default="zapis_outage",
                   help="cluster name; 'main' uses the shared cluster (stopping it for everyone)")
    p.add_argument("--version", help="PostgreSQL major version (default: the newest configured)")
    p.add_argument("--port", type=int, help="cluster port (default: a free one for an own cluster)")
    p.add_argument("--keep-cluster", action="store_true", help="use an existing cluster; do not create or drop")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--managers", type=int, default=1)
    p.add_argument("--warmup", type=float, default=3.0)
    p.add_argument("--down", type=float, default=10.0, help="seconds the cluster stays stopped")
    p.add_argument("--after", type=float, default=5.0, help="seconds of load after the first write succeeds again")
    p.add_argument("--bucket", type=float, default=0.5, help="timeline resolution, seconds")
    p.add_argument("--json", help="write marks, timeline and problems here")
    p.add_argument("--code", default="HEAD",
                   help="git ref whose files the server runs (a snapshot), or 'worktree' for this checkout")
    args = p.parse_args(argv)
    if args.cluster == "main" and not args.port:
        args.port = 5432
    return args


if __name__ == "__main__":
    interrupt_on_sigterm()
    sys.exit(asyncio.run(main(parse())))
