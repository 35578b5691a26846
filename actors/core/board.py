"""The kanban board's query: a branch's cards in a window of local dates.

A ``BranchCut`` is what the board needs of one branch, copied out of a
committed state in one go (the live one, or a journal rebuild for time
travel), together with the journal position it reflects. The answer's
shape is rendered by ``api/manager/board.py``, the same code for both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from actors.core.branch_state import BranchState
from actors.core.model import Appointment, Branch, Staff
from actors.core.schedule import check_range, local_date, local_instant, zone

DEFAULT_DAYS = 7  # date_to defaults to date_from + 7 days (both inclusive)
MAX_DAYS = 92  # the longest window one request may ask for
MIDNIGHT_MARGIN_S = 3 * 3600


@dataclass(frozen=True, slots=True)
class Window:
    first: date
    last: date


@dataclass(frozen=True, slots=True)
class BranchCut:
    branch: Branch
    window: Window
    cards: tuple[Appointment, ...]
    staff: tuple[Staff, ...]
    seq: int  # every event of this branch up to here is in the cut


def window(timezone: str, date_from: date | None, date_to: date | None, now: float) -> Window:
    """The board's local dates in the branch's zone: today … today + 7 days by default."""
    first = date_from or local_date(int(now), zone(timezone))
    last = date_to or first + timedelta(days=DEFAULT_DAYS)
    check_range(first, last, MAX_DAYS)
    return Window(first, last)


def cut(state: BranchState, win: Window, seq: int) -> BranchCut:
    """Copy what the board needs out of ``state`` (appointments are immutable values)."""
    assert state.branch is not None
    tz = zone(state.branch.timezone)
    # An integer range test first (a branch keeps every appointment it ever had, and a
    # local date costs a zone conversion); the margin covers any DST oddity at midnight.
    lo = local_instant(win.first, 0, tz) - MIDNIGHT_MARGIN_S
    hi = local_instant(win.last + timedelta(days=1), 0, tz) + MIDNIGHT_MARGIN_S
    cards = tuple(
        a for a in state.appointments.values()
        if lo <= a.start < hi and win.first <= local_date(a.start, tz) <= win.last
    )
    on_cards = {a.staff_id for a in cards}
    staff = tuple(s for s in state.staff.values() if s.active or s.id in on_cards)
    return BranchCut(state.branch, win, cards, staff, seq)
