"""Memory of one branch in a server process: committed + working state with N appointments.

    python -m bench.branch_memory                    # 5,000 appointments, 10 staff
    python -m bench.branch_memory --appointments 20000 --staff 20

A real ``Runtime`` on a SQLite journal in a temporary directory (the state
does not depend on the backend). Clients are registered first (the
``clients`` stream is shared by every branch and not counted). Then one
branch is opened with ``--staff`` masters (09:00–21:00 every day) and
``--appointments`` bookings are made through its actor (``BookSlot``, as a
manager books: 30-minute visits spread over the coming days, like the
5,000-visit branch of ``bench/booking.py``). Measured with ``tracemalloc``
(Python allocations, after ``gc.collect()``):

- *process growth*: everything the branch added to the process — the
  actor's committed and working states (two sets of ``Appointment``
  objects: every event is evolved into each), their indexes, and the
  runtime's directory entries (appointment → branch);
- *deep size* of the committed and of the working state alone (every object
  reachable from the state, counted once; the working state's figure
  excludes what it shares with the committed one);
- the same after a restart: a new ``Runtime`` loading the journal, whose
  working state is a copy of the committed one and shares its appointments
  until the branch's next own command — the state of a branch this process
  has only followed or loaded;
- the time of ``BranchState.copy()`` of the committed state: what an actor
  pays before its next turn whenever another process committed to the
  branch (its working state is rebuilt from the committed one).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

from actors.core.clock import SystemClock
from actors.core.messages import AddService, AddStaff, BookSlot, RegisterClient
from actors.core.model import Branch, Service, Staff, Status
from actors.core.schedule import local_instant, parse_schedule, zone
from actors.runtime import Runtime
from storage.sqlite import SqliteJournal

TZ = "Europe/Moscow"


def deep_size(root: Any, exclude: set[int] | None = None) -> tuple[int, set[int]]:
    """Bytes of every object reachable from ``root`` (each once), skipping ``exclude``'s ids,
    classes, modules and functions; and the ids it counted."""
    seen: set[int] = set()
    skip = exclude or set()
    total = 0
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or id(obj) in skip or isinstance(obj, (type, ModuleType, FunctionType)):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total, seen


def _timed(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def sizes(actor: Any) -> tuple[int, int]:
    committed, ids = deep_size(actor.committed)
    working, _ = deep_size(actor._working, ids)  # noqa: SLF001 - a benchmark looks inside
    return committed, working


async def build(path: Path, appointments: int, staff_count: int) -> dict[str, Any]:
    journal = SqliteJournal(path)
    await journal.open()
    runtime = Runtime(journal, SystemClock(), snapshot_every=10**9)
    await runtime.start()
    clients = [(await runtime.clients.ask(RegisterClient(runtime.new_id(), 8_000_000_000 + i, f"+7998{i:07d}",
                                                         f"Клиент {i}"), "bench")).client.id for i in range(500)]
    tz = zone(TZ)
    schedule = parse_schedule({d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    branch = Branch(id=runtime.new_id(), name="memory", timezone=TZ, horizon_days=365)
    await runtime.open_branch(branch, "bench")
    service = Service(runtime.new_id(), "s30", "1000.00", "RUB", 30, 0, (branch.id,))
    await runtime.catalogue.ask(AddService(service), "bench")
    actor = runtime.branch(branch.id)
    staff = []
    for i in range(staff_count):
        member = Staff(runtime.new_id(), branch.id, f"Мастер {i + 1}", (service.id,), schedule)
        await actor.ask(AddStaff(member), "bench")
        staff.append(member.id)
    rng = random.Random(7)
    today = datetime.now(tz).date()
    commands = []
    per_day = 17
    for k in range(appointments):
        day, staff_id = divmod(k // per_day, staff_count)
        block = (k % per_day) * 24 // per_day  # 17 distinct half-hours of 24 in a day
        commands.append(BookSlot(runtime.new_id(), rng.choice(clients), source="manual", status=Status.CONFIRMED,
                                 service=service, start=local_instant(today + timedelta(days=1 + day),
                                                                      9 * 60 + 30 * block, tz),
                                 staff_id=staff[staff_id], by_manager=True))
    for i in range(0, len(commands), 500):
        await asyncio.gather(*(actor.ask(c, "bench") for c in commands[i:i + 500]))
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    committed, working = sizes(actor)
    count = len(actor.committed.appointments)
    copy_s = min(_timed(actor.committed.copy) for _ in range(20))
    await runtime.stop()
    await journal.close()

    journal = SqliteJournal(path)
    await journal.open()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    runtime = Runtime(journal, SystemClock(), snapshot_every=10**9)
    runtime.snapshot_on_stop = False
    await runtime.start()
    gc.collect()
    loaded_all = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    loaded = runtime.branch(branch.id)
    l_committed, l_working = sizes(loaded)
    await runtime.stop()
    await journal.close()
    return {"appointments": count, "staff": staff_count, "grown": grown, "committed": committed,
            "working": working, "copy_s": copy_s, "loaded_process": loaded_all, "loaded_committed": l_committed,
            "loaded_working": l_working}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", type=int, default=5_000)
    parser.add_argument("--staff", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zapis-memory-") as tmp:
        r = asyncio.run(build(Path(tmp) / "journal.sqlite", args.appointments, args.staff))
    mib = 1024 * 1024
    n = r["appointments"]
    print(f"# one branch, {n:,} appointments, {r['staff']} staff (Python {sys.version.split()[0]})\n")
    print("| measure | MiB | bytes per appointment |\n| --- | ---: | ---: |")
    for label, key in (("process growth while booking (tracemalloc)", "grown"),
                       ("committed state (deep size)", "committed"),
                       ("working state, not shared with committed (deep size)", "working"),
                       ("after a restart: whole runtime loaded (tracemalloc; clients, catalogue, users too)",
                        "loaded_process"),
                       ("after a restart: committed state (deep size)", "loaded_committed"),
                       ("after a restart: working state, not shared (deep size)", "loaded_working")):
        print(f"| {label} | {r[key] / mib:.2f} | {r[key] / n:,.0f} |")
    print(f"\n`BranchState.copy()` of the committed state (what an actor does before its next turn once "
          f"another process committed to the branch): {r['copy_s'] * 1000:.2f} ms (best of 20)")


if __name__ == "__main__":
    main()
