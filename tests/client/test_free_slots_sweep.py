"""``free_slots`` walks free gaps instead of testing every grid start (for the availability
endpoint's speed); it must answer exactly what the per-start definition answers."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from actors.core.branch_decide import decide
from actors.core.branch_state import BranchState, evolve
from actors.core.errors import DomainError
from actors.core.messages import AddStaff, BookSlot, ChangeStatus, Command, HoldSlot, OpenBranch
from actors.core.model import WEEKDAYS, Branch, Service, Staff, Status
from actors.core.schedule import days, local_instant, zone
from actors.core.slots import Slot, bookable_window, blocking_holds, candidates, free_slots, grid_starts, is_free


def reference(state: BranchState, service: Service, first: date, last: date, now: float,
              staff_id: str | None, client_id: str | None) -> list[Slot]:
    """SPEC §2's slot, literally: every grid start, checked one by one."""
    earliest, latest = bookable_window(state, now)
    duration, block = service.duration_min * 60, (service.duration_min + service.buffer_min) * 60
    holds = blocking_holds(state, now, client_id)
    out = [Slot(t, t + duration, s.id) for day in days(first, last) for s in candidates(state, service, staff_id)
           for t in grid_starts(state, s, day, duration)
           if earliest <= t <= latest and is_free(state, s.id, t, t + block, holds)]
    return sorted(out, key=lambda s: (s.start, s.staff_id))


def _run(state: BranchState, command: Command, now: float) -> None:
    try:
        for event in decide(state, command, now):
            evolve(state, event)
    except DomainError:
        pass


def _random_state(rng: random.Random) -> tuple[BranchState, list[Service], date, float]:
    tz = rng.choice(["Europe/Moscow", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
    first = rng.choice([date(2026, 3, 27), date(2026, 10, 23), date(2026, 3, 6), date(2026, 11, 0o1)])
    services = [Service(f"v{i}", f"v{i}", "1.00", "RUB", rng.choice([15, 30, 45, 60, 90]),
                        rng.choice([0, 0, 5, 10, 15]), ("b",)) for i in range(3)]
    state = BranchState()
    now = float(local_instant(first - timedelta(days=1), rng.randrange(0, 1440), zone(tz)))
    _run(state, OpenBranch(Branch("b", "B", tz, slot_step_min=rng.choice([5, 10, 15, 20, 30]),
                                  min_notice_min=rng.choice([0, 60, 600]), horizon_days=rng.choice([2, 30]))), 0)
    for s in range(rng.randint(1, 4)):
        hours = rng.choice([((0, 1440),), ((9 * 60, 13 * 60), (14 * 60, 21 * 60)), ((60, 240), (600, 1200)),
                            ((8 * 60 + 10, 17 * 60 + 50),)])
        _run(state, AddStaff(Staff(f"s{s}", "b", "S", tuple(v.id for v in services),
                                   {d: hours for d in WEEKDAYS if rng.random() < 0.9})), 0)
    for k in range(rng.randint(0, 120)):
        day = first + timedelta(days=rng.randrange(0, 4))
        start = local_instant(day, rng.randrange(0, 1440 // 5) * 5, zone(tz))
        svc, staff = rng.choice(services), rng.choice([None, *state.staff])
        if rng.random() < 0.2:
            _run(state, HoldSlot(f"h{k}", f"c{k % 7}", svc, start, staff, rng.choice([60, 300, 3000])),
                 now + rng.randrange(-600, 600))
        else:
            _run(state, BookSlot(f"a{k}", f"c{k % 7}", service=svc, start=start, staff_id=staff,
                                 by_manager=rng.random() < 0.5), now - 86400)
        if state.appointments and rng.random() < 0.1:
            _run(state, ChangeStatus(rng.choice(list(state.appointments)), Status.CANCELLED), now)
    return state, services, first, now


@pytest.mark.parametrize("seed", range(300))
def test_gap_walk_matches_the_per_start_definition(seed: int) -> None:
    rng = random.Random(seed)
    state, services, first, now = _random_state(rng)
    for _ in range(4):
        svc = rng.choice(services)
        lo = first + timedelta(days=rng.randrange(-1, 3))
        hi = lo + timedelta(days=rng.randrange(0, 4))
        staff = rng.choice([None, *state.staff])
        client = rng.choice([None, "c0", "c3"])
        assert free_slots(state, svc, lo, hi, now, staff_id=staff, client_id=client) == \
            reference(state, svc, lo, hi, now, staff, client)


def test_gap_walk_with_overlapping_busy_spans() -> None:
    from actors.core.slots import _free_starts

    # A long span containing a short one: nothing is free until the long one ends.
    assert list(_free_starts(0, 100, 0, 1500, 100, [(0, 1000), (100, 200)])) == list(range(1000, 1501, 100))
    # Bounds are inclusive and need not be on the grid; the gap before a span leaves room for the block.
    assert list(_free_starts(50, 100, 120, 1000, 200, [(700, 800)])) == [150, 250, 350, 450, 850, 950]


@pytest.mark.parametrize("seed", range(40))
def test_on_grid_is_membership_in_grid_starts(seed: int) -> None:
    from actors.core.slots import on_grid

    rng = random.Random(seed)
    state, services, first, _ = _random_state(rng)
    assert state.branch is not None
    tz = zone(state.branch.timezone)
    for staff in state.staff.values():
        for day in days(first - timedelta(days=1), first + timedelta(days=3)):
            duration = rng.choice(services).duration_min * 60
            grid = set(grid_starts(state, staff, day, duration))
            near = grid.union(*(grid_starts(state, staff, d, duration)
                                for d in (day - timedelta(days=1), day + timedelta(days=1))))
            lo = local_instant(day, 0, tz)
            for t in range(lo - 3600, lo + 26 * 3600, 300):
                assert on_grid(state, staff, t, duration) == (t in near), t
            assert all(on_grid(state, staff, t, duration) for t in grid)
