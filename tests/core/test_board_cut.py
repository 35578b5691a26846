"""The board's cut takes exactly the appointments whose local date is in the window.

``cut`` filters by an integer range around the window's local midnights
before it converts any instant to a local date; this checks it against the
plain definition in zones whose clocks jump at or near midnight.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from actors.core.board import Window, cut
from actors.core.branch_state import BranchState
from actors.core.model import Appointment, Status
from actors.core.schedule import local_date, local_instant, zone
from tests.core.builders import branch_state

# Santiago and Havana change their clocks at midnight; Berlin at night; Lord Howe by 30 minutes.
ZONES = ("America/Santiago", "America/Havana", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata")


def with_appointments(tz: str, starts: list[int]) -> BranchState:
    state = branch_state(tz)
    for i, start in enumerate(starts):
        state.appointments[f"a{i}"] = Appointment(f"a{i}", "b1", "c1", "cut", "s1", start, start + 3600,
                                                  start + 3600, Status.NEW, "bot", "", 0.0, 0.0, 1)
    return state


@settings(max_examples=200, deadline=None)
@given(tz=st.sampled_from(ZONES), first=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
       span=st.integers(0, 10), offsets=st.lists(st.integers(-2 * 96, 13 * 96), min_size=1, max_size=80))
def test_cut_matches_the_local_date_definition(tz: str, first: date, span: int, offsets: list[int]) -> None:
    # Quarter-hour starts from two days before the window to two days after it.
    zone_ = zone(tz)
    origin = local_instant(first, 0, zone_)
    state = with_appointments(tz, [origin + k * 900 for k in offsets])
    win = Window(first, first + timedelta(days=span))
    got = {a.id for a in cut(state, win, 0).cards}
    expected = {a.id for a in state.appointments.values() if win.first <= local_date(a.start, zone_) <= win.last}
    assert got == expected


def test_cut_at_a_midnight_clock_change() -> None:
    tz = "America/Santiago"  # 2026-04-05 00:00 local happens twice (clocks go back at midnight)
    zone_ = zone(tz)
    day = date(2026, 4, 5)
    around = [int(v) for v in range(1775354400 - 3 * 3600, 1775354400 + 5 * 3600, 900)]
    state = with_appointments(tz, around)
    got = {a.id for a in cut(state, Window(day, day), 0).cards}
    expected = {a.id for a in state.appointments.values() if local_date(a.start, zone_) == day}
    assert got == expected and expected
