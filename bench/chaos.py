"""kill -9 under load, the long run: ≥ 100 SIGKILL/restart cycles of the real server.

    python -m bench.chaos                          # 100 cycles on SQLite, then 100 on PostgreSQL
    python -m bench.chaos --backend postgres --cycles 300 --clients 24

The same machinery as ``tests/reliability/test_crash.py`` (``tests/reliability/chaos.py``):
concurrent Telegram clients book, hold, book-by-hold, release and cancel, a
manager changes statuses and reschedules with versions; the server is
SIGKILLed at a uniformly random moment, then, with it down, ``run.py replay``
must exit 0 and the journal must hold every write answered 2xx (as answered)
and none answered 4xx/5xx or refused at connect, with no overlapping
occupying appointments; after the restart the board must show exactly the
journal's state. Requests cut off by the kill have an unknown outcome and
count neither way. Exits 1 on the first violation (the log names it).

PostgreSQL gets a throwaway database on ``ZAPIS_BENCH_DATABASE_URL`` (else
``ZAPIS_TEST_DATABASE_URL``, else ``postgresql://postgres@127.0.0.1:5432/test``),
dropped afterwards; SQLite lives in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/chaos.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

from tests.reliability.chaos import ChaosConfig, ChaosReport, CycleReport, run_chaos
from tests.reliability.databases import throwaway_database
from tests.reliability.server import Backend, code_tree, interrupt_on_sigterm


def pg_url() -> str:
    return (os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get("ZAPIS_TEST_DATABASE_URL")
            or "postgresql://postgres@127.0.0.1:5432/test")


def _progress(c: CycleReport) -> None:
    ok = sum(n for k, n in c.tally.items() if k.endswith(" ok"))
    unknown = sum(n for k, n in c.tally.items() if k.endswith((" unknown", " not_sent")))
    flag = "OK" if not c.problems else "VIOLATION: " + "; ".join(c.problems)
    print(f"cycle {c.cycle:4d}  kill at {c.kill_after_s:4.2f} s  calls {sum(c.tally.values()):4d}  "
          f"2xx {ok:4d}  cut off {unknown:3d}  events {c.events:6d}  restart {c.restart_s:4.1f} s  {flag}",
          flush=True)


async def run_backend(name: str, args: argparse.Namespace) -> ChaosReport:
    cfg = ChaosConfig(cycles=args.cycles, clients=args.clients, managers=args.managers,
                      kill_after_s=(args.min_kill, args.max_kill), snapshot_every=args.snapshot_every,
                      seed=args.seed, days=args.days, move_window=True)
    with tempfile.TemporaryDirectory(prefix=f"zapis-chaos-{name}-") as tmp, code_tree(args.code) as code:
        work = Path(tmp)
        if name == "sqlite":
            return await run_chaos(Backend("sqlite", work / "data", code_root=code), work, cfg, _progress)
        async with throwaway_database(pg_url(), prefix="zapis_chaos") as url:
            return await run_chaos(Backend("postgres", work / "data", url, code), work, cfg, _progress)


def summary(report: ChaosReport, seconds: float) -> str:
    totals: Counter[str] = report.totals()
    kinds = sorted({k.split()[0] for k in totals})
    rows = [f"| {k} | {totals[k + ' ok']} | {totals[k + ' refused']} | {totals[k + ' not_sent']} | "
            f"{totals[k + ' unknown']} |" for k in kinds]
    restarts = [c.restart_s for c in report.cycles]
    return "\n".join([
        f"backend {report.backend}: {len(report.cycles)} cycles in {seconds:.0f} s, "
        f"{len(report.problems)} violations; final stream version {report.cycles[-1].events if report.cycles else 0}, "
        f"{report.cycles[-1].appointments if report.cycles else 0} appointments; restart → ready "
        f"median {statistics.median(restarts) if restarts else 0:.1f} s, max {max(restarts, default=0):.1f} s",
        "| call | 2xx (must be in the journal) | 4xx/5xx (must not) | refused at connect (must not) |"
        " cut off mid-request (unknown) |",
        "| --- | ---: | ---: | ---: | ---: |",
        *rows,
    ])


async def main(args: argparse.Namespace) -> int:
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs; cycles {args.cycles}, "
          f"clients {args.clients}, kill after U({args.min_kill}, {args.max_kill}) s", flush=True)
    failed = False
    for name in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        began = time.monotonic()
        report = await run_backend(name, args)
        print(summary(report, time.monotonic() - began), flush=True)
        for problem in report.problems:
            print("VIOLATION", problem)
        failed = failed or bool(report.problems)
    return 1 if failed else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--cycles", type=int, default=100)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--managers", type=int, default=2)
    p.add_argument("--min-kill", type=float, default=0.2, help="earliest kill, seconds after the load starts")
    p.add_argument("--max-kill", type=float, default=3.0, help="latest kill")
    p.add_argument("--snapshot-every", type=int, default=150, help="ZAPIS_SNAPSHOT_EVERY of the server")
    p.add_argument("--days", type=int, default=2, help="bookable days per cycle (fewer: more conflicts)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--code", default="HEAD",
                   help="git ref whose files the server runs (a snapshot), or 'worktree' for this checkout")
    return p.parse_args(argv)


if __name__ == "__main__":
    interrupt_on_sigterm()
    sys.exit(asyncio.run(main(parse())))
