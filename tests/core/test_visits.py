"""A visit's length and price with masters' own values (actors/core/visits.py), pure."""

from __future__ import annotations

from datetime import date

import pytest

from actors.core.branch_state import BranchState, evolve
from actors.core.errors import DomainError
from actors.core.messages import BookSlot, HoldSlot, Reschedule, SlotHeld, UpdateStaff, event_from
from actors.core.slots import free_slots
from actors.core.visits import check_visit_ids, price_range, visit_price, visit_span
from tests.core.builders import at, branch_state, run, service

TZ = "Europe/Moscow"
CUT, STYLE = service("cut", 60, 0), service("style", 30, 10)
NOW = float(at("2026-03-02T08:00", TZ))
TEN = at("2026-03-03T10:00", TZ)


def _state() -> BranchState:
    state = branch_state(TZ, staff=2, services=(CUT, STYLE), min_notice_min=0)
    run(state, UpdateStaff("s2", {"service_overrides": {"cut": ("300.00", 90)}}), NOW)
    return state


def test_a_visit_sums_the_masters_durations_and_prices_and_keeps_the_last_buffer() -> None:
    state = _state()
    s1, s2 = state.staff["s1"], state.staff["s2"]
    assert visit_span(s1, (CUT, STYLE)) == (90 * 60, 100 * 60)
    assert visit_span(s2, (CUT, STYLE)) == (120 * 60, 130 * 60)
    assert visit_span(s2, (STYLE, CUT)) == (120 * 60, 120 * 60)  # the cut's buffer (none) follows
    assert (visit_price(s1, (CUT, STYLE)), visit_price(s2, (CUT, STYLE))) == ("200.00", "400.00")
    assert price_range([s1, s2], CUT) == ("100.00", "300.00")


def test_any_master_lists_each_masters_own_end_and_the_booking_fixes_length_and_price() -> None:
    state = _state()
    day = date(2026, 3, 3)
    slots = {(s.start, s.staff_id): s.end for s in free_slots(state, (CUT, STYLE), day, day, NOW)}
    assert slots[(TEN, "s1")] == TEN + 90 * 60 and slots[(TEN, "s2")] == TEN + 120 * 60
    (held,) = run(state, HoldSlot("h1", "c1", CUT, TEN, "s2", 300, services=(CUT, STYLE)), NOW)
    assert isinstance(held, SlotHeld)
    assert (held.service_ids, held.total_price, held.block_end) == (["cut", "style"], "400.00", TEN + 130 * 60)
    run(state, BookSlot("a1", "c1", hold_id="h1"), NOW)
    appt = state.appointments["a1"]
    assert appt.service_ids == ("cut", "style") and appt.total_price == "400.00" and appt.end == TEN + 120 * 60
    # A later own price changes nothing booked; a move to s1 takes s1's durations.
    run(state, UpdateStaff("s2", {"service_overrides": {}}), NOW)
    run(state, Reschedule("a1", TEN, "s1", services=(CUT, STYLE)), NOW)
    appt = state.appointments["a1"]
    assert (appt.staff_id, appt.end, appt.block_end, appt.total_price) == ("s1", TEN + 90 * 60, TEN + 100 * 60, "400.00")


def test_a_named_master_who_lacks_a_service_is_refused_with_its_own_code() -> None:
    state = _state()
    run(state, UpdateStaff("s1", {"service_ids": ("cut",)}), NOW)
    with pytest.raises(DomainError) as err:
        run(state, BookSlot("a1", "c1", service=CUT, services=(CUT, STYLE), start=TEN, staff_id="s1"), NOW)
    assert err.value.code == "staff_lacks_service"
    for bad in ([], ["cut", "cut"], ["x"] * 11):
        with pytest.raises(DomainError):
            check_visit_ids(bad)


def test_events_journaled_before_visits_replay_as_single_service_visits() -> None:
    """Payloads of the first release have no service_ids, total_price or service_overrides."""
    state = branch_state(TZ, staff=0, services=(CUT, STYLE), min_notice_min=0)
    evolve(state, event_from("staff.added", {"staff_id": "s1", "name": "Old", "service_ids": ["cut"],
                                             "schedule": {}, "exceptions": {}}))
    old = {"appointment_id": "a1", "client_id": "c1", "service_id": "cut", "staff_id": "s1", "start": TEN,
           "end": TEN + 3600, "block_end": TEN + 3600, "status": "new", "source": "bot", "comment": "", "at": NOW}
    evolve(state, event_from("appointment.created", old))
    appt = state.appointments["a1"]
    assert (appt.service_ids, appt.services_of_visit, appt.total_price) == ((), ("cut",), "")
    assert state.staff["s1"].service_overrides == {}
