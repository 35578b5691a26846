"""Free slots (SPEC §2), computed from a branch's state; pure functions.

A slot is a start on the grid (each working span's start, then every slot
step of real elapsed time) where the service's duration (a visit's summed
durations, the master's own ones: ``visits.py``) fits inside the span, and duration + buffer overlaps no occupying appointment (with its own
buffer) and no other client's live hold; not before now + minimum notice,
not after now + horizon. Spans are per local day, compared as UTC instants,
so DST days get their real length and no duplicate or missing slots.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from actors.core.branch_state import BranchState
from actors.core.model import Hold, Instant, Service, Staff
from actors.core.schedule import days, intervals_on, local_date, local_instant, working_spans, zone
from actors.core.visits import as_visit, does_all, visit_span

# A service, or a visit of several services in order (``actors/core/visits.py``): each master's
# own durations give each master's own length, so every function here sizes per staff member.
Wanted = Service | tuple[Service, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    start: Instant
    end: Instant
    staff_id: str


def overlaps_appointment(
    state: BranchState, staff_id: str, start: Instant, block_end: Instant, ignore: str | None = None
) -> bool:
    """Does ``[start, block_end)`` overlap an occupying appointment of ``staff_id``?"""
    spans = state.busy.get(staff_id)
    if not spans:
        return False
    i = bisect.bisect_left(spans, (block_end,))
    # Spans of one staff member never overlap, so ends rise with starts: walk
    # back only while a span could still reach ``start``.
    while i > 0:
        i -= 1
        s, e, appt_id = spans[i]
        if e <= start:
            return False
        if appt_id != ignore:
            return True
    return False


def blocking_holds(state: BranchState, now: float, client_id: str | None) -> list[Hold]:
    """Live holds of everyone except ``client_id`` (a client's own hold never hides a slot)."""
    return [h for h in state.holds.values() if h.client_id != client_id and h.live(now)]


def is_free(
    state: BranchState,
    staff_id: str,
    start: Instant,
    block_end: Instant,
    holds: list[Hold],
    ignore: str | None = None,
) -> bool:
    if overlaps_appointment(state, staff_id, start, block_end, ignore):
        return False
    return not any(h.staff_id == staff_id and h.start < block_end and start < h.block_end for h in holds)


def performs(staff: Staff, service: Wanted) -> bool:
    return does_all(staff, as_visit(service))


def candidates(state: BranchState, service: Wanted, staff_id: str | None) -> list[Staff]:
    """Active staff who perform ``service`` (every service of a visit; one, if ``staff_id``
    names them), by id."""
    visit = as_visit(service)
    staff = [s for s in state.staff.values() if does_all(s, visit)]
    if staff_id is not None:
        staff = [s for s in staff if s.id == staff_id]
    return sorted(staff, key=lambda s: s.id)


def grid_starts(state: BranchState, staff: Staff, day: date, duration_s: int) -> Iterator[Instant]:
    """Every grid start on local ``day`` where ``duration_s`` fits in working time."""
    assert state.branch is not None
    tz = zone(state.branch.timezone)
    step = state.branch.slot_step_min * 60
    for span_start, span_end in working_spans(staff, day, tz):
        t = span_start
        while t + duration_s <= span_end:
            yield t
            t += step


def bookable_window(state: BranchState, now: float) -> tuple[float, float]:
    assert state.branch is not None
    b = state.branch
    return now + b.min_notice_min * 60, now + b.horizon_days * 86400


def free_slots(
    state: BranchState,
    service: Wanted,
    first: date,
    last: date,
    now: float,
    *,
    staff_id: str | None = None,
    client_id: str | None = None,
) -> list[Slot]:
    """All free (start, staff) pairs for ``service`` on local days ``first..last``; each slot
    ends at its master's own end (their durations)."""
    earliest, latest = bookable_window(state, now)
    visit = as_visit(service)
    assert state.branch is not None
    tz, step = zone(state.branch.timezone), state.branch.slot_step_min * 60
    holds = blocking_holds(state, now, client_id)
    staff_sized = [(s, *visit_span(s, visit)) for s in candidates(state, visit, staff_id)]
    out: list[Slot] = []
    for day in days(first, last):
        wall: dict[int, Instant] = {}  # local minute → instant: staff share their hours' edges
        for staff, duration, block in staff_sized:
            for a, b in intervals_on(staff, day):  # = working_spans(staff, day, tz), memoised
                if a not in wall:
                    wall[a] = local_instant(day, a, tz)
                if b not in wall:
                    wall[b] = local_instant(day, b, tz)
                span_start, span_end = wall[a], wall[b]
                lo, hi = max(span_start, earliest), min(span_end - duration, latest)  # bounds for a start
                if lo > hi:
                    continue
                taken = _taken(state, staff.id, lo, hi + block, holds)
                out.extend(Slot(t, t + duration, staff.id)
                           for t in _free_starts(span_start, step, lo, hi, block, taken))
    out.sort(key=lambda s: (s.start, s.staff_id))
    return out


def _taken(state: BranchState, staff_id: str, lo: float, hi: float, holds: list[Hold]) -> list[tuple[Instant, Instant]]:
    """Spans in which ``staff_id`` is busy (appointments, holds) that touch ``[lo, hi)``, by start."""
    spans = state.busy.get(staff_id, [])
    i = max(0, bisect.bisect_left(spans, (lo,)) - 1)  # one span starting before lo may reach into it
    j = bisect.bisect_left(spans, (hi,))
    taken = [(s, e) for s, e, _ in spans[i:j] if e > lo]
    taken += [(h.start, h.block_end) for h in holds if h.staff_id == staff_id and h.start < hi and lo < h.block_end]
    taken.sort()
    return taken


def _free_starts(origin: Instant, step: int, lo: float, hi: float, block: int,
                 taken: list[tuple[Instant, Instant]]) -> Iterator[Instant]:
    """Grid starts ``origin + k·step`` in ``[lo, hi]`` whose ``[t, t + block)`` misses ``taken``.

    Walks the free gaps between the taken spans (sorted by start; they may
    overlap) and yields each gap's grid starts by arithmetic, so a busy day
    costs per appointment, not per grid start.
    """
    gap_start: float = lo
    for busy_start, busy_end in taken:
        last: float = busy_start - block
        if last > hi:
            last = hi
        if gap_start <= last:
            yield from _grid(origin, step, gap_start, last)
        if busy_end > gap_start:
            gap_start = busy_end
    if gap_start <= hi:
        yield from _grid(origin, step, gap_start, hi)


def _grid(origin: Instant, step: int, first: float, last: float) -> range:
    """``origin + k·step`` within ``[first, last]``."""
    return range(origin + math.ceil((first - origin) / step) * step,
                 origin + math.floor((last - origin) / step) * step + 1, step)


def on_grid(state: BranchState, staff: Staff, start: Instant, duration_s: int) -> bool:
    """Is ``start`` one of ``grid_starts`` of its local day? (By arithmetic, not by listing them.)"""
    assert state.branch is not None
    tz, step = zone(state.branch.timezone), state.branch.slot_step_min * 60
    return any(s <= start and start + duration_s <= e and (start - s) % step == 0
               for s, e in working_spans(staff, local_date(start, tz), tz))


def in_working_time(state: BranchState, staff: Staff, start: Instant, duration_s: int) -> bool:
    """Does ``[start, start + duration)`` lie inside one working span (grid ignored)?"""
    assert state.branch is not None
    tz = zone(state.branch.timezone)
    day = local_date(start, tz)
    return any(s <= start and start + duration_s <= e for s, e in working_spans(staff, day, tz))


def day_load(state: BranchState, staff_id: str, day: date) -> tuple[int, int]:
    """(occupying appointments, booked seconds) of ``staff_id`` on local ``day``."""
    assert state.branch is not None
    tz = zone(state.branch.timezone)
    spans = state.busy.get(staff_id, [])
    lo = bisect.bisect_left(spans, (local_instant(day, 0, tz),))
    hi = bisect.bisect_left(spans, (local_instant(day, 1440, tz),))
    return hi - lo, sum(e - s for s, e, _ in spans[lo:hi])


def manager_slots(
    state: BranchState, service: Wanted, first: date, last: date, now: float, staff_id: str | None = None,
) -> list[Slot]:
    """Free (start, staff) pairs on the grid for a manager: not past, free of appointments and
    of every live hold (the client's own included); notice and horizon bind clients only."""
    visit = as_visit(service)
    holds = blocking_holds(state, now, None)
    sized = [(s, *visit_span(s, visit)) for s in candidates(state, visit, staff_id)]
    out = [
        Slot(t, t + duration, staff.id)
        for day in days(first, last)
        for staff, duration, block in sized
        for t in grid_starts(state, staff, day, duration)
        if t >= now and is_free(state, staff.id, t, t + block, holds)
    ]
    out.sort(key=lambda s: (s.start, s.staff_id))
    return out


def next_start_after(
    state: BranchState, service: Wanted, first: date, last: date, after: float, staff_id: str | None = None,
) -> Instant | None:
    """The earliest grid start later than ``after`` on local days ``first..last`` where
    ``service`` fits in a candidate's working span, free or not (None: there is none).

    Once ``now + horizon`` reaches it, ``free_slots`` may answer one more slot; before
    that, a later ``now`` adds none (the availability cache's horizon bound).
    """
    assert state.branch is not None
    tz, step = zone(state.branch.timezone), state.branch.slot_step_min * 60
    visit = as_visit(service)
    floor_after = math.floor(after)  # an integer start is later than ``after`` iff later than this
    staff = [(s, visit_span(s, visit)[0]) for s in candidates(state, visit, staff_id)]
    start_day = max(first, local_date(floor_after, tz))
    for day in days(start_day, last):
        best: Instant | None = None
        for member, duration in staff:
            for span_start, span_end in working_spans(member, day, tz):
                k = (floor_after - span_start) // step + 1 if floor_after >= span_start else 0
                t = span_start + k * step
                if t + duration <= span_end and (best is None or t < best):
                    best = t
        if best is not None:
            return best  # spans of a local day lie inside it: later days start later
    return None
