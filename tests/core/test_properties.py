"""Property tests on the pure core: for ANY sequence of commands,

- no staff member has two occupying appointments that overlap (with buffers);
- no occupying appointment overlaps another client's live hold;
- a client has at most one live hold, and booking with a live hold succeeds;
- folding the emitted events into a fresh state reproduces the live state
  (what replay from the journal does), and so does a snapshot round trip.

The commands include visits of several services and masters' own prices and
durations changing in between (SPEC §9.2): a visit's block is the master's
summed durations plus the last buffer, fixed at booking; and the client's own
reschedules, «Приду» and ratings (SPEC §9.3).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.core.branch_state import BranchState, evolve
from actors.core.errors import DomainError
from actors.core.messages import (
    BookSlot,
    CancelAsClient,
    ChangeStatus,
    ConfirmVisit,
    Event,
    HoldSlot,
    LeaveFeedback,
    ReleaseHold,
    Reschedule,
    RescheduleAsClient,
    UpdateStaff,
)
from actors.core.model import Status
from actors.snapshot import decode_state, encode_state
from tests.core.builders import at, branch_state, run, service

TZ = "Europe/Moscow"
CUT, COLOUR = service("cut", 60, 0), service("colour", 90, 15)
SERVICES = {"cut": CUT, "colour": COLOUR}
VISITS = {"cut": (CUT,), "colour": (COLOUR,), "cut+colour": (CUT, COLOUR), "colour+cut": (COLOUR, CUT)}
DAY0 = at("2026-03-03T09:00", TZ)
CLIENTS = ("c1", "c2")

# Few distinct starts (two days, half-hour apart, some off the 15-minute grid) so commands collide.
starts = st.sampled_from([DAY0 + k * 1800 for k in range(10)] + [DAY0 + 86400 + k * 1800 for k in range(4)] + [DAY0 + 600])
staff = st.sampled_from([None, "s1", "s2"])
clients = st.sampled_from(CLIENTS)
services = st.sampled_from(list(VISITS))
own_values = st.dictionaries(st.sampled_from(list(SERVICES)),
                             st.tuples(st.sampled_from([None, "250.00"]), st.sampled_from([None, 30, 45, 120])),
                             max_size=2)
refs = st.integers(0, 3)  # 0 = the newest appointment/hold seen so far, 1 the one before …

commands = st.one_of(
    st.tuples(st.just("hold"), clients, services, starts, staff),
    st.tuples(st.just("book_slot"), clients, services, starts, staff, st.booleans()),
    st.tuples(st.just("book_hold"), clients, refs),
    st.tuples(st.just("book_like_hold"), clients, refs, st.booleans()),  # aim at a held time
    st.tuples(st.just("status"), refs, st.sampled_from(list(Status)), st.booleans()),
    st.tuples(st.just("reschedule"), refs, starts, staff),
    st.tuples(st.just("cancel"), refs, clients),
    st.tuples(st.just("release"), refs, clients),
    st.tuples(st.just("tick"), st.integers(1, 400)),
    st.tuples(st.just("own"), st.sampled_from(["s1", "s2"]), own_values),
    st.tuples(st.just("client_move"), refs, clients, starts, staff),  # the client's journey (SPEC §9.3)
    st.tuples(st.just("come"), refs, clients),
    st.tuples(st.just("rate"), refs, clients, st.integers(0, 6)),
)


def _visit(name: str) -> dict[str, Any]:
    """A command's service fields for a visit: one service, or several (``services``)."""
    visit = VISITS[name]
    return {"service": visit[0], "services": visit if len(visit) > 1 else ()}


def _nth(items: list[str], i: int) -> str:
    return items[-1 - i % len(items)] if items else "missing"


def check_invariants(state: BranchState, now: float) -> None:
    for spans in state.busy.values():
        for (s1, e1, a1), (s2, e2, a2) in zip(spans, spans[1:]):
            assert e1 <= s2, f"{a1} and {a2} overlap"
    occupying = [a for a in state.appointments.values() if a.occupying]
    assert sum(len(v) for v in state.busy.values()) == len(occupying)
    for appt in state.appointments.values():  # only the last service's buffer follows a visit
        assert appt.block_end - appt.end == SERVICES[appt.services_of_visit[-1]].buffer_min * 60
        assert appt.end > appt.start and appt.total_price
    live = state.live_holds(now)
    for hold in live:
        for appt in occupying:
            if appt.client_id != hold.client_id and appt.staff_id == hold.staff_id:
                overlap = appt.start < hold.block_end and hold.start < appt.block_end
                assert not (overlap and appt.updated_at >= hold.expires_at - 300), "booked over a live hold"
    owners = [h.client_id for h in live]
    assert len(owners) == len(set(owners)), "two live holds for one client"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, min_size=1, max_size=40))
def test_any_command_sequence_keeps_the_calendar_consistent(script: list[tuple[Any, ...]]) -> None:
    state = branch_state(TZ, staff=2, services=(CUT, COLOUR), min_notice_min=0, horizon_days=30)
    now = float(at("2026-03-02T08:00", TZ))
    events: list[Event] = []  # after the branch and staff, which the builder makes again below
    appts: list[str] = []
    holds: list[str] = []
    n = 0
    for step in script:
        n += 1
        kind = step[0]
        if kind == "tick":
            now += step[1]
            continue
        try:
            match step:
                case ("hold", c, s, start, who):
                    cmd: Any = HoldSlot(f"h{n}", c, start=start, staff_id=who, ttl_s=300, **_visit(s))
                case ("book_slot", c, s, start, who, manager):
                    cmd = BookSlot(f"a{n}", c, start=start, staff_id=who, by_manager=manager, **_visit(s))
                case ("book_like_hold", c, i, manager):
                    h = state.holds.get(_nth(holds, i))
                    name = "+".join(h.service_ids or (h.service_id,)) if h else "cut"
                    cmd = BookSlot(f"a{n}", c, start=h.start if h else DAY0,
                                   staff_id=h.staff_id if h else None, by_manager=manager, **_visit(name))
                case ("own", who, values):
                    cmd = UpdateStaff(who, {"service_overrides": values})
                case ("book_hold", c, i):
                    cmd = BookSlot(f"a{n}", c, hold_id=_nth(holds, i))
                case ("status", i, status, versioned):
                    appt = state.appointments.get(_nth(appts, i))
                    cmd = ChangeStatus(_nth(appts, i), status, appt.version if appt and versioned else None)
                case ("reschedule", i, start, who):
                    appt = state.appointments.get(_nth(appts, i))
                    visit = tuple(SERVICES[x] for x in appt.services_of_visit) if appt else ()
                    cmd = Reschedule(_nth(appts, i), start, who, services=visit)
                case ("cancel", i, c):
                    cmd = CancelAsClient(_nth(appts, i), c)
                case ("client_move", i, c, start, who):
                    cmd = RescheduleAsClient(_nth(appts, i), c, start, who)
                case ("come", i, c):
                    cmd = ConfirmVisit(_nth(appts, i), c)
                case ("rate", i, c, stars):
                    cmd = LeaveFeedback(_nth(appts, i), c, stars)
                case ("release", i, c):
                    cmd = ReleaseHold(_nth(holds, i), c)
            live_own_hold = None
            if isinstance(cmd, BookSlot) and cmd.hold_id:
                h = state.holds.get(cmd.hold_id)
                live_own_hold = h if h and h.client_id == cmd.client_id and h.live(now) else None
            new = run(state, cmd, now)
            if live_own_hold is not None:
                assert new, "booking with a live hold must succeed"
        except DomainError:
            if isinstance(cmd, BookSlot) and cmd.hold_id and live_own_hold is not None:
                raise AssertionError("booking with the client's live hold was refused")
            new = []
        events.extend(new)
        appts.extend(getattr(e, "appointment_id") for e in new if e.TYPE == "appointment.created")
        holds.extend(getattr(e, "hold_id") for e in new if e.TYPE == "hold.placed")
        check_invariants(state, now)

    replayed = branch_state(TZ, staff=2, services=(CUT, COLOUR), min_notice_min=0, horizon_days=30)
    for e in events:
        evolve(replayed, e)
    assert encode_state(replayed) == encode_state(state)
    restored = decode_state(encode_state(state))
    assert isinstance(restored, BranchState)
    assert encode_state(restored) == encode_state(state)
    assert restored.busy == state.busy and restored.hold_of_client == state.hold_of_client


def test_booking_by_slot_consumes_the_clients_own_overlapping_hold() -> None:
    """Regression: hold 10:00, book 10:00 by slot, then book with the hold → must not double-book."""
    state = branch_state(TZ, staff=2, services=(CUT, COLOUR), min_notice_min=0, horizon_days=30)
    now = float(at("2026-03-02T08:00", TZ))
    run(state, HoldSlot("h1", "c1", CUT, DAY0, None, ttl_s=300), now)
    run(state, BookSlot("a1", "c1", service=CUT, start=DAY0), now)
    assert "h1" not in state.holds
    try:
        run(state, BookSlot("a2", "c1", hold_id="h1"), now)
    except DomainError as err:
        assert err.code == "hold_expired"
    check_invariants(state, now)
