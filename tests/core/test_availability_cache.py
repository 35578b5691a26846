"""The availability cache never answers differently from a fresh computation.

Random commands (holds, bookings, releases, cancels, status changes,
reschedules, a master's week and the branch's rules changed) and clock moves
— small steps, long jumps, and jumps to exactly the instants where the last
answer stops being valid (notice crossing its first start, the horizon
reaching the next grid start, a hold's expiry) and just around them — with a
query after each: ``cached_free_times`` through one shared cache must equal
``client_free_times`` computed from scratch, slots, days and rendering alike.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from actors.availability_cache import AvailabilityCache, Entry
from actors.core.branch_state import BranchState
from actors.core.errors import DomainError
from actors.core.messages import (
    BookSlot,
    CancelAsClient,
    ChangeStatus,
    HoldSlot,
    ReleaseHold,
    Reschedule,
    UpdateBranch,
    UpdateStaff,
)
from actors.core.model import WEEKDAYS, Status
from actors.scheduler import FreeTimes, cached_free_times, client_free_times
from api.telegram.render import slots_json
from tests.core.builders import at, branch_state, run, service

TZ = "Europe/Moscow"
CUT, COLOUR = service("cut", 60, 0), service("colour", 90, 15)
SERVICES = {"cut": CUT, "colour": COLOUR}
# What a query asks for: a service, or a visit of several in order (SPEC §9.2).
WANTED: dict[str, Any] = {**SERVICES, "cut+colour": (CUT, COLOUR), "colour+cut": (COLOUR, CUT)}
DAY0 = at("2026-03-03T09:00", TZ)
MONDAY = date(2026, 3, 2)
CLIENTS = ("c1", "c2", "c3")

starts = st.sampled_from([DAY0 + k * 1800 for k in range(16)] + [DAY0 + 86400 + k * 1800 for k in range(6)]
                         + [DAY0 - 86400 + k * 3600 for k in range(6)])
staff = st.sampled_from([None, "s1", "s2"])
clients = st.sampled_from(CLIENTS)
services = st.sampled_from(list(SERVICES))
refs = st.integers(0, 3)
weeks = st.sampled_from([((9 * 60, 18 * 60),), ((10 * 60, 13 * 60), (14 * 60, 20 * 60)), (), ((0, 24 * 60),)])
rules = st.fixed_dictionaries({}, optional={
    "min_notice_min": st.sampled_from([0, 30, 60, 125]),
    "horizon_days": st.sampled_from([1, 2, 3, 30]),
    "slot_step_min": st.sampled_from([15, 30, 20]),
})

commands = st.one_of(
    st.tuples(st.just("hold"), clients, services, starts, staff),
    st.tuples(st.just("book_slot"), clients, services, starts, staff),
    st.tuples(st.just("own"), st.sampled_from(["s1", "s2"]),
              st.dictionaries(services, st.tuples(st.none(), st.sampled_from([None, 30, 120])), max_size=2)),
    st.tuples(st.just("book_hold"), clients, refs),
    st.tuples(st.just("status"), refs, st.sampled_from(list(Status))),
    st.tuples(st.just("reschedule"), refs, starts, staff),
    st.tuples(st.just("cancel"), refs, clients),
    st.tuples(st.just("release"), refs, clients),
    st.tuples(st.just("week"), st.sampled_from(["s1", "s2"]), weeks),
    st.tuples(st.just("rules"), rules),
    st.tuples(st.just("tick"), st.one_of(st.integers(0, 400), st.integers(400, 3 * 86400),
                                         st.floats(0, 5, allow_nan=False))),
    st.tuples(st.just("edge"), st.sampled_from(["notice", "horizon", "hold"]),
              st.sampled_from([-1.0, -0.25, 0.0, 0.25, 1.0])),
)
# ``None`` asks the previous question again (a hit, unless something changed).
queries = st.one_of(st.none(), st.none(), st.tuples(clients, st.sampled_from(list(WANTED)), staff,
                                                    st.integers(-1, 4), st.integers(0, 3)))


def _nth(items: list[str], i: int) -> str:
    return items[-1 - i % len(items)] if items else "missing"


def _edge(entry: Entry[FreeTimes] | None, which: str, now: float) -> float | None:
    """The instant where ``entry`` stops covering ``now`` for the reason ``which``."""
    if entry is None:
        return None
    s = entry.stable
    edge = {"notice": s.first_start - s.notice_s, "horizon": s.next_start - s.horizon_s,
            "hold": s.holds_until}[which]
    return edge if edge != float("inf") and edge >= now else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(commands, queries), min_size=1, max_size=30))
@example([(("hold", "c2", "cut", DAY0, "s1"), ("c1", "cut", None, 1, 0)), (("edge", "hold", 0.0), None)])
@example([(("tick", 0), ("c1", "cut", "s1", 0, 0)), (("edge", "notice", 0.0), None),
          (("edge", "notice", 0.25), None), (("edge", "horizon", 0.0), None)])
def test_a_cached_answer_is_always_the_fresh_one(
        script: list[tuple[tuple[Any, ...], tuple[Any, ...] | None]]) -> None:
    state: BranchState = branch_state(TZ, staff=2, services=(CUT, COLOUR), min_notice_min=60, horizon_days=2)
    cache: AvailabilityCache[FreeTimes] = AvailabilityCache(max_entries=8)
    now = float(at("2026-03-01T20:00", TZ))  # Sunday evening: the first slot is hours away
    appts: list[str] = []
    holds: list[str] = []
    last: Entry[FreeTimes] | None = None
    question: tuple[Any, ...] = ("c1", "cut", None, 0, 1)
    for n, (step, asked) in enumerate(script):
        question = asked or question
        client, svc, who, offset, span = question
        cmd: Any = None
        match step:
            case ("tick", dt):
                now += dt
            case ("edge", which, delta):
                edge = _edge(last, which, now)
                if edge is not None and edge + delta >= now:
                    now = edge + delta
            case ("hold", c, s, start, w):
                cmd = HoldSlot(f"h{n}", c, SERVICES[s], start, w, ttl_s=300)
            case ("book_slot", c, s, start, w):
                cmd = BookSlot(f"a{n}", c, service=SERVICES[s], start=start, staff_id=w)
            case ("book_hold", c, i):
                cmd = BookSlot(f"a{n}", c, hold_id=_nth(holds, i))
            case ("status", i, status):
                cmd = ChangeStatus(_nth(appts, i), status)
            case ("reschedule", i, start, w):
                cmd = Reschedule(_nth(appts, i), start, w)
            case ("cancel", i, c):
                cmd = CancelAsClient(_nth(appts, i), c)
            case ("release", i, c):
                cmd = ReleaseHold(_nth(holds, i), c)
            case ("own", sid, values):  # a master's own durations: their slots' lengths change
                cmd = UpdateStaff(sid, {"service_overrides": values})
            case ("week", sid, hours):
                cmd = UpdateStaff(sid, {"schedule": {d: hours for d in WEEKDAYS}})
            case ("rules", changes):
                cmd = UpdateBranch(changes)
        if cmd is not None:
            try:
                new = run(state, cmd, now)
            except DomainError:
                new = []
            appts.extend(getattr(e, "appointment_id") for e in new if e.TYPE == "appointment.created")
            holds.extend(getattr(e, "hold_id") for e in new if e.TYPE == "hold.placed")

        first = MONDAY + timedelta(days=offset)
        last_day = first + timedelta(days=span)
        service_ = WANTED[svc]
        fresh = client_free_times(state, service_, first, last_day, now, who, client)
        entry = cached_free_times(cache, state, service_, first, last_day, now, who, client)
        assert entry.value == fresh, (step, now)
        if entry.body is None:
            entry.body = repr(slots_json(entry.value)).encode()
        assert entry.body == repr(slots_json(fresh)).encode()
        last = entry


def test_entries_are_reused_and_bounded() -> None:
    state = branch_state(TZ, staff=2, services=(CUT,), min_notice_min=60, horizon_days=2)
    cache: AvailabilityCache[FreeTimes] = AvailabilityCache(max_entries=2)
    now = float(at("2026-03-02T07:00", TZ))
    a = cached_free_times(cache, state, CUT, MONDAY, MONDAY, now, None, "c1")
    assert cached_free_times(cache, state, CUT, MONDAY, MONDAY, now + 1, None, "c2") is a  # no hold: shared
    run(state, HoldSlot("h1", "c1", CUT, a.value.slots[0].start, None, ttl_s=300), now)
    b = cached_free_times(cache, state, CUT, MONDAY, MONDAY, now + 1, None, "c1")
    assert b is not a and b.value.slots == a.value.slots  # own hold: never hides its slot
    c = cached_free_times(cache, state, CUT, MONDAY, MONDAY, now + 1, None, "c2")
    assert len(c.value.slots) < len(a.value.slots)
    for d in range(1, 4):
        cached_free_times(cache, state, CUT, MONDAY + timedelta(days=d), MONDAY + timedelta(days=d), now, None, "c2")
    assert len(cache) == 2
