"""The waitlist in the pure core (SPEC §9.3): who gets freed time, when, and that replay agrees.

``step`` is what the branch actor does with a command (``actors/deciders.py``):
decide, note the time the events free (read before they apply), apply them,
then decide the waitlist's follow-up against the state right after them.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actors.core import waitlist
from actors.core.branch_decide import decide
from actors.core.branch_state import BranchState, evolve
from actors.core.errors import DomainError, InvalidInput, NotFound
from actors.core.messages import (
    BookSlot,
    CancelAsClient,
    ChangeStatus,
    CheckWaitlist,
    Command,
    Event,
    HoldSlot,
    JoinWaitlist,
    LeaveWaitlist,
    ReleaseHold,
    Reschedule,
    SlotHeld,
    UpdateStaff,
    WaitlistOffered,
)
from actors.core.model import Service, Status
from actors.core.slots import is_free
from actors.core.waitlist_entries import ACTIVE, BOOKED, ENDED, OFFERED, WAITING
from actors.snapshot import decode_state, encode_state
from tests.core.builders import at, branch_state, service

TZ = "Europe/Moscow"
CUT, COLOUR = service("cut", 60, 0), service("colour", 90, 15)
NOW = float(at("2026-03-02T08:00", TZ))
TTL = 900


def step(state: BranchState, command: Command, now: float) -> list[Event]:
    events = decide(state, command, now)
    freed = waitlist.freed_spans(state, events)
    for e in events:
        evolve(state, e)
    follow = waitlist.follow_up(state, events, freed, now)
    for e in follow:
        evolve(state, e)
    return [*events, *follow]


def join(entry_id: str, client: str, *, services: tuple[Service, ...] = (CUT,), first: str = "2026-03-03",
         last: str = "2026-03-03", staff: str | None = None, hours: tuple[int, int] | None = None) -> JoinWaitlist:
    return JoinWaitlist(entry_id, client, services, first, last, staff, hours[0] if hours else None,
                        hours[1] if hours else None, TTL)


def full_day() -> BranchState:
    """Two masters, 09:00–12:00 on 3 March, every hour booked by ``x``."""
    state = branch_state(TZ, staff=2, hours=((9 * 60, 12 * 60),), services=(CUT, COLOUR), min_notice_min=0)
    for s in ("s1", "s2"):
        for h in (9, 10, 11):
            step(state, BookSlot(f"{s}-{h}", "x", service=CUT, start=at(f"2026-03-03T{h:02d}:00", TZ), staff_id=s), NOW)
    return state


def offered(events: list[Event]) -> list[WaitlistOffered]:
    return [e for e in events if isinstance(e, WaitlistOffered)]


def test_a_cancellation_is_offered_to_the_oldest_matching_entry_as_a_hold() -> None:
    state = full_day()
    step(state, join("w1", "c1"), NOW)
    step(state, join("w2", "c2"), NOW + 1)
    events = step(state, CancelAsClient("s1-10", "x"), NOW + 60)
    [offer] = offered(events)
    assert offer.entry_id == "w1" and offer.staff_id == "s1" and offer.start == at("2026-03-03T10:00", TZ)
    hold = state.holds[offer.hold_id]
    assert hold.client_id == "c1" and hold.expires_at == NOW + 60 + TTL
    assert state.waitlist["w1"].status == OFFERED and state.waitlist["w2"].status == WAITING
    assert [type(e).__name__ for e in events] == ["CancelledByClient", "SlotHeld", "WaitlistOffered"]


def test_declining_passes_the_time_to_the_next_entry_and_never_back() -> None:
    state = full_day()
    step(state, join("w1", "c1"), NOW)
    step(state, join("w2", "c2"), NOW + 1)
    [first] = offered(step(state, CancelAsClient("s1-10", "x"), NOW + 60))
    [second] = offered(step(state, ReleaseHold(first.hold_id, "c1"), NOW + 120))
    assert second.entry_id == "w2" and second.start == first.start
    assert state.waitlist["w1"].status == WAITING and state.waitlist["w1"].declined == (("s1", first.start),)
    assert not offered(step(state, ReleaseHold(second.hold_id, "c2"), NOW + 180))  # nobody else: the time is free
    assert is_free(state, "s1", first.start, first.start + 3600, state.live_holds(NOW + 180))


def test_an_offer_that_runs_out_passes_on_when_the_check_comes() -> None:
    state = full_day()
    step(state, join("w1", "c1"), NOW)
    step(state, join("w2", "c2"), NOW + 1)
    [first] = offered(step(state, ChangeStatus("s2-11", Status.CANCELLED), NOW + 60))
    assert waitlist.next_due(state) == first.expires_at
    assert not step(state, CheckWaitlist(), first.expires_at - 1)
    events = step(state, CheckWaitlist(), first.expires_at)
    [second] = offered(events)
    assert second.entry_id == "w2" and [e.TYPE for e in events][0] == "waitlist.declined"
    assert events[0].reason == "expired"  # type: ignore[attr-defined]


def test_booking_with_the_offer_books_the_entry() -> None:
    state = full_day()
    step(state, join("w1", "c1"), NOW)
    [offer] = offered(step(state, CancelAsClient("s1-9", "x"), NOW + 60))
    events = step(state, BookSlot("new", "c1", hold_id=offer.hold_id), NOW + 90)
    assert [e.TYPE for e in events] == ["appointment.created", "waitlist.booked"]
    assert state.waitlist["w1"].status == BOOKED and state.waitlist["w1"].appointment_id == "new"


def test_an_entry_that_leaves_passes_its_offer_on() -> None:
    state = full_day()
    step(state, join("w1", "c1"), NOW)
    step(state, join("w2", "c2"), NOW + 1)
    [first] = offered(step(state, CancelAsClient("s1-9", "x"), NOW + 60))
    events = step(state, LeaveWaitlist("w1", "c1"), NOW + 70)
    assert first.hold_id not in state.holds and state.waitlist["w1"].status == ENDED
    assert [o.entry_id for o in offered(events)] == ["w2"]
    assert step(state, LeaveWaitlist("w1", "c1"), NOW + 80) == []  # again: nothing
    try:
        step(state, LeaveWaitlist("w2", "c1"), NOW + 80)
        raise AssertionError("another client's entry")
    except NotFound:
        pass


def test_filters_master_hours_dates_and_services() -> None:
    state = full_day()
    step(state, join("other-master", "c1", staff="s2"), NOW)
    step(state, join("morning", "c2", hours=(9 * 60, 10 * 60)), NOW)
    step(state, join("tomorrow", "c3", first="2026-03-04", last="2026-03-04"), NOW)
    step(state, join("too-long", "c4", services=(COLOUR, CUT)), NOW)
    step(state, join("fits", "c5", hours=(10 * 60, 12 * 60)), NOW)
    [offer] = offered(step(state, CancelAsClient("s1-10", "x"), NOW + 60))
    assert offer.entry_id == "fits"


def test_a_long_cancellation_serves_several_entries_in_order() -> None:
    state = full_day()
    step(state, join("w1", "c1", staff="s1"), NOW)
    step(state, join("w2", "c2", staff="s1"), NOW)
    step(state, CancelAsClient("s1-10", "x"), NOW + 10)  # w1 gets 10:00
    events = step(state, CancelAsClient("s1-11", "x"), NOW + 20)
    assert [(o.entry_id, o.start) for o in offered(events)] == [("w2", at("2026-03-03T11:00", TZ))]


def test_a_new_working_exception_offers_its_hours() -> None:
    state = full_day()
    step(state, join("w1", "c1", first="2026-03-05", last="2026-03-05", staff="s2"), NOW)
    # 5 March: s2 is off by exception; then the exception gives them 14:00-15:00.
    step(state, UpdateStaff("s2", {"exceptions": {"2026-03-05": ()}}), NOW)
    events = step(state, UpdateStaff("s2", {"exceptions": {"2026-03-05": ((14 * 60, 15 * 60),)}}), NOW + 5)
    [offer] = offered(events)
    assert offer.start == at("2026-03-05T14:00", TZ)


def test_a_hold_that_runs_out_while_someone_waits_is_offered() -> None:
    state = full_day()
    step(state, CancelAsClient("s1-10", "x"), NOW)  # free; nobody waits yet
    held = step(state, HoldSlot("h", "c9", CUT, at("2026-03-03T10:00", TZ), "s1", 300), NOW)[0]
    assert isinstance(held, SlotHeld)
    step(state, join("w1", "c1"), NOW + 10)
    assert waitlist.next_due(state) == NOW + 300
    events = step(state, CheckWaitlist(), NOW + 300)
    assert [e.TYPE for e in events] == ["hold.expired", "hold.placed", "waitlist.offered"]


def test_entries_end_after_their_last_date_and_release_their_offer() -> None:
    state = full_day()
    step(state, join("w1", "c1"), NOW)
    [offer] = offered(step(state, CancelAsClient("s1-10", "x"), NOW + 60))
    end = state.waitlist["w1"].ends_at
    assert end == at("2026-03-04T00:00", TZ)
    step(state, CheckWaitlist(), end)
    assert state.waitlist["w1"].status == ENDED and offer.hold_id not in state.holds


def test_join_is_checked() -> None:
    state = full_day()
    for bad, error in ((join("p", "c1", first="2026-02-01", last="2026-02-02"), InvalidInput),
                       (join("n", "c1", staff="nobody"), NotFound),
                       (join("s", "c1", services=(service("nails"),)), InvalidInput)):
        try:
            step(state, bad, NOW)
            raise AssertionError(bad)
        except error:
            pass
    for i in range(waitlist.MAX_ACTIVE_PER_CLIENT):
        step(state, join(f"e{i}", "c1"), NOW)
    try:
        step(state, join("one-more", "c1"), NOW)
        raise AssertionError("too many")
    except InvalidInput:
        pass


# ------------------------------------------------------------------ properties

CLIENTS = ("c1", "c2", "c3")
DAY = at("2026-03-03T09:00", TZ)
starts = st.sampled_from([DAY + k * 1800 for k in range(6)])
clients = st.sampled_from(CLIENTS)
refs = st.integers(0, 5)
commands = st.one_of(
    st.tuples(st.just("book"), clients, starts, st.sampled_from(["s1", "s2"])),
    st.tuples(st.just("cancel"), refs),
    st.tuples(st.just("manager_cancel"), refs),
    st.tuples(st.just("reschedule"), refs, starts),
    st.tuples(st.just("hold"), clients, starts),
    st.tuples(st.just("release"), refs),
    st.tuples(st.just("join"), clients, st.sampled_from([None, "s1", "s2"]),
              st.sampled_from([None, (9 * 60, 10 * 60), (10 * 60, 12 * 60)]), st.booleans()),
    st.tuples(st.just("leave"), refs),
    st.tuples(st.just("decline"), refs),
    st.tuples(st.just("accept"), refs),
    st.tuples(st.just("tick"), st.integers(1, 1200)),
)


STATS = {"offers": 0}


def _nth(items: list[str], i: int) -> str:
    return items[-1 - i % len(items)] if items else "missing"


def check_waitlist(state: BranchState, now: float) -> None:
    offers = []
    for e in state.waitlist.values():
        if e.status == OFFERED:
            assert e.offer is not None
            hold = state.holds.get(e.offer.hold_id)
            assert hold is not None and hold.client_id == e.client_id, "an offer without its hold"
            offers.append((e, hold))
        else:
            assert e.offer is None, "an offer outlived its entry"
        if e.status not in ACTIVE:
            assert all(h.client_id != e.client_id or h.id != (e.offer.hold_id if e.offer else None)
                       for h in state.holds.values())
    for i, (e, hold) in enumerate(offers):
        others = [h for h in state.live_holds(now) if h.id != hold.id]
        assert is_free(state, hold.staff_id, hold.start, hold.block_end, others), "an offer on a taken slot"
        for e2, hold2 in offers[i + 1:]:
            assert not (hold.staff_id == hold2.staff_id and hold.start < hold2.block_end
                        and hold2.start < hold.block_end), "one slot offered twice"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, min_size=15, max_size=50))
def test_any_sequence_keeps_offers_on_free_time_once_and_replays(script: list[tuple[Any, ...]]) -> None:
    def fresh() -> BranchState:
        return branch_state(TZ, staff=2, hours=((9 * 60, 12 * 60),), services=(CUT, COLOUR), min_notice_min=0)

    state = fresh()
    now = NOW
    events: list[Event] = []
    appts: list[str] = []
    entries: list[str] = []
    for n, command in enumerate(script):
        cmd: Command
        match command:
            case ("tick", seconds):
                now += seconds
                cmd = CheckWaitlist()
            case ("book", c, start, who):
                cmd = BookSlot(f"a{n}", c, service=CUT, start=start, staff_id=who)
            case ("cancel", i):
                a = state.appointments.get(_nth(appts, i))
                cmd = CancelAsClient(_nth(appts, i), a.client_id if a else "c1")
            case ("manager_cancel", i):
                cmd = ChangeStatus(_nth(appts, i), Status.CANCELLED)
            case ("reschedule", i, start):
                cmd = Reschedule(_nth(appts, i), start)
            case ("hold", c, start):
                cmd = HoldSlot(f"h{n}", c, CUT, start, None, 300)
            case ("release", i):
                hold_id = list(state.holds)[i % len(state.holds)] if state.holds else "none"
                cmd = ReleaseHold(hold_id, state.holds[hold_id].client_id if state.holds else "c1")
            case ("join", c, who, hours, two):
                cmd = join(f"w{n}", c, staff=who, hours=hours, services=(CUT, CUT) if two else (CUT,))
            case ("leave", i):
                e = state.waitlist.get(_nth(entries, i))
                cmd = LeaveWaitlist(_nth(entries, i), e.client_id if e else "c1")
            case ("decline" | "accept", i):
                e = state.waitlist.get(_nth(entries, i))
                if e is None or e.offer is None:
                    continue
                cmd = (ReleaseHold(e.offer.hold_id, e.client_id) if command[0] == "decline"
                       else BookSlot(f"a{n}", e.client_id, hold_id=e.offer.hold_id))
        waiting_before = [e for e in state.waitlist.values() if e.status == WAITING]
        try:
            new = step(state, cmd, now)
        except DomainError:
            continue
        for offer in offered(new):  # the oldest matching entry: none older was passed over
            older = [e for e in waiting_before if state.waitlist[e.id].created_at < state.waitlist[offer.entry_id].created_at]
            assert all(state.waitlist[e.id].status != WAITING or e.client_id in state.hold_of_client
                       or not _could_take(state, e.id, offer) for e in older), "a younger entry went first"
        events += new
        appts += [getattr(e, "appointment_id") for e in new if e.TYPE == "appointment.created"]
        entries += [getattr(e, "entry_id") for e in new if e.TYPE == "waitlist.joined"]
        check_waitlist(state, now)

    STATS["offers"] += len(offered(events))
    replayed = fresh()
    for e in events:
        evolve(replayed, e)
    assert encode_state(replayed) == encode_state(state)
    restored = decode_state(encode_state(state))
    assert isinstance(restored, BranchState) and encode_state(restored) == encode_state(state)


def _could_take(state: BranchState, entry_id: str, offer: WaitlistOffered) -> bool:
    """Would ``entry_id`` have matched the offered (master, start)? (Its staff, hours, grid.)"""
    e = state.waitlist[entry_id]
    if e.staff_id not in (None, offer.staff_id) or (offer.staff_id, offer.start) in e.declined:
        return False
    return offer.end - offer.start == sum(s.duration_min for s in e.services) * 60 and (
        waitlist._in_hours(e, offer.start, ZoneInfo(TZ)))


def test_the_property_run_made_offers() -> None:
    """(Runs after the property test: its sequences did exercise offers.)"""
    assert STATS["offers"] > 50


def test_closed_entries_are_forgotten_a_week_after_their_last_day() -> None:
    state = full_day()
    step(state, join("old", "c1"), NOW)
    step(state, LeaveWaitlist("old", "c1"), NOW + 1)
    end = state.waitlist["old"].ends_at
    step(state, join("w2", "c2", first="2026-03-20", last="2026-03-20"), end + 7 * 86400)
    assert "old" in state.waitlist  # (exactly a week: still kept)
    step(state, join("w3", "c3", first="2026-03-20", last="2026-03-20"), end + 7 * 86400 + 1)
    assert "old" not in state.waitlist and {"w2", "w3"} <= set(state.waitlist)
