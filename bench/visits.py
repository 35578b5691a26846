"""Availability of a visit of two services vs one service: the computation the availability
cache stores, in one process, interleaved in one run.

    python -m bench.visits                  # 7 cycles × 2 s a side
    python -m bench.visits --seconds 1 --repeat 3

The branch is ``bench/booking_server.py``'s availability branch built with the
pure core alone (no server, no journal): 10 masters working 09:00–21:00, a
30-minute and a 60-minute service, 5,000 future visits over 30 days (17 or 16
half-hour blocks per master-day), every master with their own duration for
the 60-minute service on every other master (so the two-service visit sizes
each master on its own, the costlier path). Measured: one local day of
``client_free_times`` (what ``GET /slots/available`` computes on a cache
miss) for the 60-minute service alone, then for the visit «30 + 60»; the two
alternate in short slices within each cycle, and the ratio is taken per
cycle, then the median, because load from other processes drifts.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta

from actors.core.branch_decide import decide
from actors.core.branch_state import BranchState, evolve
from actors.core.messages import AddStaff, BookSlot, Command, OpenBranch, UpdateStaff
from actors.core.model import WEEKDAYS, Branch, Interval, Service, Staff, Status
from actors.core.schedule import local_instant, zone
from actors.scheduler import client_free_times

TZ = "Europe/Moscow"
NOW = 1_772_431_200.0  # 2026-03-02 09:00 Moscow
APPOINTMENTS = 5_000


def run(state: BranchState, command: Command) -> None:
    for event in decide(state, command, NOW):
        evolve(state, event)


def seed() -> tuple[BranchState, Service, Service, date]:
    state = BranchState()
    run(state, OpenBranch(Branch("b", "bench", TZ, horizon_days=60)))
    s30 = Service("s30", "s30", "1000.00", "RUB", 30, 0, ("b",))
    s60 = Service("s60", "s60", "1000.00", "RUB", 60, 0, ("b",))
    hours: dict[str, tuple[Interval, ...]] = {d: ((9 * 60, 21 * 60),) for d in WEEKDAYS}
    staff = [f"m{i:02d}" for i in range(10)]
    for i, sid in enumerate(staff):
        run(state, AddStaff(Staff(sid, "b", f"Master {i + 1}", ("s30", "s60"), hours)))
        if i % 2:
            run(state, UpdateStaff(sid, {"service_overrides": {"s60": ("1500.00", 75)}}))
    tz, today = zone(TZ), date(2026, 3, 2)
    rng = random.Random(7)
    n = 0
    for k, (offset, sid) in enumerate((d, s) for d in range(1, 31) for s in staff):
        day = today + timedelta(days=offset)
        for block in sorted(rng.sample(range(24), 17 if k < 200 else 16)):
            run(state, BookSlot(f"a{n}", f"c{n % 100}", source="manual", status=Status.CONFIRMED, service=s30,
                                start=local_instant(day, 9 * 60 + 30 * block, tz), staff_id=sid, by_manager=True))
            n += 1
    assert n == APPOINTMENTS
    return state, s30, s60, today + timedelta(days=15)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=2.0, help="per side and cycle")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    state, s30, s60, day = seed()
    one, two = s60, (s30, s60)
    answers = {name: client_free_times(state, w, day, day, NOW, None, None).slots for name, w in
               (("one", one), ("two", two))}
    assert answers["one"] and answers["two"]
    lengths = sorted({(s.end - s.start) // 60 for s in answers["two"]})  # each master's own length

    def timed(wanted: object, until: float) -> list[float]:
        out = []
        while time.perf_counter() < until:
            t = time.perf_counter()
            client_free_times(state, wanted, day, day, NOW, None, None)  # type: ignore[arg-type]
            out.append(time.perf_counter() - t)
        return out

    load = os.getloadavg()[0]
    cycles = []
    for _ in range(args.repeat):
        times: dict[str, list[float]] = {"one": [], "two": []}
        end = time.perf_counter() + 2 * args.seconds
        while time.perf_counter() < end:  # alternate in 0.1 s slices
            for name, wanted in (("one", one), ("two", two)):
                times[name] += timed(wanted, time.perf_counter() + 0.1)
        cycles.append({k: statistics.median(v) for k, v in times.items()})
    one_us = statistics.median(c["one"] for c in cycles) * 1e6
    two_us = statistics.median(c["two"] for c in cycles) * 1e6
    ratio = statistics.median(c["two"] / c["one"] for c in cycles)
    print(f"# visits benchmark — {args.repeat} cycles × {args.seconds:g} s a side, 1-min load {load:.1f} → "
          f"{os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}\n")
    print("| availability, 1 day, 10 masters, 5,000 visits | slots | µs per answer (median) |")
    print("| --- | ---: | ---: |")
    print(f"| one service (60 min) | {len(answers['one'])} | {one_us:,.0f} |")
    print(f"| two services (30 + 60 min; own durations: visit lengths {lengths} min) | {len(answers['two'])} | {two_us:,.0f} |")
    print(f"\ntwo / one: {ratio:.2f}× (per-cycle ratios {[round(c['two'] / c['one'], 2) for c in cycles]})")


if __name__ == "__main__":
    main()
