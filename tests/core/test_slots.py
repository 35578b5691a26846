"""Slot computation (SPEC §2) on the pure core: grid, breaks, exceptions, buffers,
notice, horizon, holds and DST nights."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from actors.core.branch_state import BranchState
from actors.core.messages import BookSlot, HoldSlot
from actors.core.schedule import zone
from actors.core.slots import free_slots
from tests.core.builders import at, branch_state, run, service

MSK = "Europe/Moscow"
DAY = date(2026, 3, 3)
EARLY = at("2026-03-01T00:00", MSK)  # "now" well before DAY


def starts(state: BranchState, svc_minutes: int = 60, buffer: int = 0, *, now: float = EARLY,
           day: date = DAY, client: str | None = None, tz: str = MSK) -> list[str]:
    svc = service("cut", svc_minutes, buffer) if (svc_minutes, buffer) == (60, 0) else service("x", svc_minutes, buffer)
    return [datetime.fromtimestamp(s.start, zone(tz)).strftime("%H:%M")
            for s in free_slots(state, svc, day, day, now, client_id=client)]


def grid(first: str, last: str, step: int = 15) -> list[str]:
    h1, m1 = map(int, first.split(":"))
    h2, m2 = map(int, last.split(":"))
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(h1 * 60 + m1, h2 * 60 + m2 + 1, step)]


def test_grid_fits_the_whole_duration_inside_working_time() -> None:
    state = branch_state(services=(service(),))
    assert starts(state) == grid("09:00", "17:00")


def test_slot_step_follows_the_branch() -> None:
    state = branch_state(services=(service(),), slot_step_min=30)
    assert starts(state) == grid("09:00", "17:00", 30)


def test_breaks_split_the_day() -> None:
    state = branch_state(services=(service(),), hours=((9 * 60, 13 * 60), (14 * 60, 18 * 60)))
    assert starts(state) == grid("09:00", "12:00") + grid("14:00", "17:00")


def test_dated_exceptions_replace_the_weekly_schedule() -> None:
    exceptions = {"2026-03-03": ((10 * 60, 12 * 60),), "2026-03-04": ()}
    state = branch_state(services=(service(),), exceptions=exceptions)
    assert starts(state) == grid("10:00", "11:00")
    assert starts(state, day=date(2026, 3, 4)) == []
    assert starts(state, day=date(2026, 3, 5)) == grid("09:00", "17:00")


def test_buffers_of_both_appointments_are_respected() -> None:
    colour, cut = service("x", 90, 15), service("cut", 60, 0)
    state = branch_state(services=(colour, cut))
    run(state, BookSlot("a1", "c1", service=colour, start=at("2026-03-03T10:00", MSK)), EARLY)
    # colour occupies 10:00–11:45 (90 min + 15 min buffer)
    taken = starts(state)
    assert "09:00" in taken and "09:15" not in taken and "11:30" not in taken and "11:45" in taken
    run(state, BookSlot("a2", "c2", service=cut, start=at("2026-03-03T14:00", MSK)), EARLY)
    # a new colour must keep its own buffer clear of the 14:00 cut: 12:15 + 105 min = 14:00
    colour_starts = starts(state, 90, 15)
    assert "12:15" in colour_starts and "12:30" not in colour_starts
    # the buffer may run past the end of working time
    assert "16:30" in colour_starts and "16:45" not in colour_starts


def test_minimum_notice_and_horizon() -> None:
    state = branch_state(services=(service(),), min_notice_min=60, horizon_days=1)
    now = at("2026-03-03T09:05", MSK)
    assert starts(state, now=now)[0] == "10:15"  # 09:05 + 60 min, next grid start
    assert starts(state, now=now, day=date(2026, 3, 4)) == grid("09:00", "09:00")  # ≤ now + 1 day
    assert starts(state, now=now, day=date(2026, 3, 5)) == []


def test_holds_hide_slots_from_others_but_not_from_the_holder() -> None:
    cut = service()
    state = branch_state(services=(cut,))
    run(state, HoldSlot("h1", "alice", cut, at("2026-03-03T10:00", MSK), None, ttl_s=300), EARLY)
    assert "10:00" not in starts(state, client="bob")
    assert "09:15" not in starts(state, client="bob")  # overlaps the held hour
    assert "10:00" in starts(state, client="alice")
    assert "10:00" in starts(state, client="bob", now=EARLY + 300)  # expired: free again


def test_two_staff_give_one_slot_per_staff_member() -> None:
    cut = service()
    state = branch_state(services=(cut,), staff=2)
    slots = free_slots(state, cut, DAY, DAY, EARLY)
    assert len(slots) == 2 * len(grid("09:00", "17:00"))
    assert {s.staff_id for s in slots} == {"s1", "s2"}


# ---------------------------------------------------------------- DST nights

ALL_DAY = ((0, 24 * 60),)


@pytest.mark.parametrize(
    ("tz", "day", "real_hours", "repeated"),
    [
        ("Europe/Berlin", date(2026, 3, 29), 23, False),  # spring forward at 02:00
        ("Europe/Berlin", date(2026, 10, 25), 25, True),  # fall back at 03:00
        ("America/New_York", date(2026, 3, 8), 23, False),
        ("America/New_York", date(2026, 11, 1), 25, True),
    ],
)
def test_dst_days_have_their_real_length_and_no_duplicate_or_shifted_slots(
    tz: str, day: date, real_hours: int, repeated: bool
) -> None:
    cut = service()
    state = branch_state(tz, services=(cut,), hours=ALL_DAY, min_notice_min=0, horizon_days=400)
    now = at("2026-01-01T00:00", tz)
    slots = free_slots(state, cut, day, day, now)
    expected = (real_hours * 60 - 60) // 15 + 1
    assert len(slots) == expected
    instants = [s.start for s in slots]
    assert len(set(instants)) == len(instants)
    assert all(b - a == 900 for a, b in zip(instants, instants[1:]))  # every 15 real minutes
    assert all(s.end - s.start == 3600 for s in slots)  # duration in real time
    local = [datetime.fromtimestamp(t, zone(tz)) for t in instants]
    assert local[0].strftime("%H:%M") == "00:00" and local[0].date() == day
    walls = [d.strftime("%H:%M") for d in local]
    if repeated:  # both occurrences of the repeated hour, with different offsets
        wall = "01:30" if tz == "America/New_York" else "02:30"
        twice = [d for d in local if d.strftime("%H:%M") == wall]
        assert len(twice) == 2 and twice[0].utcoffset() != twice[1].utcoffset()
    else:  # the skipped hour is simply not there
        assert not any(w.startswith("02:") for w in walls)
        assert len(set(walls)) == len(walls)


def test_ordinary_hours_on_a_dst_day_are_unchanged() -> None:
    cut = service()
    state = branch_state("Europe/Berlin", services=(cut,), min_notice_min=0, horizon_days=400)
    slots = free_slots(state, cut, date(2026, 3, 29), date(2026, 3, 29), at("2026-01-01T00:00", "Europe/Berlin"))
    walls = [datetime.fromtimestamp(s.start, zone("Europe/Berlin")).strftime("%H:%M") for s in slots]
    assert walls == grid("09:00", "17:00")
