"""The kanban board: a branch's cards in a window of local dates, in SPEC's six columns.

A ``BranchCut`` is what the board needs of one branch, copied out of its
state in one go (inside the actor's mailbox for the live board, from a
journal rebuild for time travel), together with the journal position it
reflects. ``render`` turns cuts into the response; it is the same code for
the live board and for ``as_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from actors.branch_state import BranchState
from actors.errors import InvalidInput
from actors.model import COLUMNS, Appointment, Branch, Staff
from actors.schedule import days, format_hhmm, intervals_on, local_date, zone

DEFAULT_DAYS = 7  # date_to defaults to date_from + 7 days (both inclusive)
MAX_DAYS = 92  # the longest window one request may ask for


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
    if last < first:
        raise InvalidInput("date_to is before date_from")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"the board shows at most {MAX_DAYS} days at once")
    return Window(first, last)


def cut(state: BranchState, win: Window, seq: int) -> BranchCut:
    """Copy what the board needs out of ``state`` (appointments are immutable values)."""
    assert state.branch is not None
    tz = zone(state.branch.timezone)
    cards = tuple(
        a for a in state.appointments.values() if win.first <= local_date(a.start, tz) <= win.last
    )
    on_cards = {a.staff_id for a in cards}
    staff = tuple(s for s in state.staff.values() if s.active or s.id in on_cards)
    return BranchCut(state.branch, win, cards, staff, seq)


def render(cuts: Sequence[BranchCut], view: Callable[[Appointment], dict[str, Any]]) -> dict[str, Any]:
    """``{"branches", "columns", "staff"}`` of the board (``seq`` is the caller's)."""
    cards = sorted((a for c in cuts for a in c.cards), key=lambda a: (a.start, a.branch_id, a.id))
    columns = [
        {"status": status.value, "title": title,
         "cards": [view(a) for a in cards if a.status is status]}
        for status, title in COLUMNS
    ]
    staff = [
        _staff_json(s, c.window)
        for c in cuts for s in sorted(c.staff, key=lambda s: (s.name, s.id))
    ]
    branches = [
        {"id": c.branch.id, "name": c.branch.name, "timezone": c.branch.timezone,
         "date_from": c.window.first.isoformat(), "date_to": c.window.last.isoformat()}
        for c in cuts
    ]
    return {"branches": branches, "columns": columns, "staff": staff}


def _staff_json(s: Staff, win: Window) -> dict[str, Any]:
    """A calendar row: the staff member's local working hours on each date of the window."""
    hours = [
        {"date": day.isoformat(),
         "intervals": [[format_hhmm(a), format_hhmm(b)] for a, b in intervals_on(s, day)]}
        for day in days(win.first, win.last)
    ]
    return {"id": s.id, "branch_id": s.branch_id, "name": s.name, "service_ids": list(s.service_ids),
            "active": s.active, "hours": hours}
