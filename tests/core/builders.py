"""Pure-core builders: a branch state made by ``decide``/``evolve`` alone (no I/O)."""

from __future__ import annotations

from datetime import datetime

from actors.core.branch_decide import decide
from actors.core.branch_state import BranchState, evolve
from actors.core.messages import AddStaff, Command, Event, OpenBranch
from actors.core.model import WEEKDAYS, Branch, Interval, Service, Staff
from actors.core.schedule import zone

BRANCH = "b1"


def run(state: BranchState, command: Command, now: float) -> list[Event]:
    events = decide(state, command, now)
    for e in events:
        evolve(state, e)
    return events


def branch_state(
    tz: str = "Europe/Moscow",
    *,
    staff: int = 1,
    hours: tuple[Interval, ...] = ((9 * 60, 18 * 60),),
    exceptions: dict[str, tuple[Interval, ...]] | None = None,
    services: tuple[Service, ...] = (),
    **branch: object,
) -> BranchState:
    state = BranchState()
    run(state, OpenBranch(Branch(id=BRANCH, name="B", timezone=tz, **branch)), 0)  # type: ignore[arg-type]
    for i in range(staff):
        run(state, AddStaff(Staff(f"s{i + 1}", BRANCH, f"Staff {i + 1}", tuple(s.id for s in services),
                                  {d: hours for d in WEEKDAYS}, exceptions or {})), 0)
    return state


def service(sid: str = "cut", minutes: int = 60, buffer: int = 0) -> Service:
    return Service(sid, sid, "100.00", "RUB", minutes, buffer, (BRANCH,))


def at(text: str, tz: str) -> int:
    """Local wall time ``YYYY-MM-DDTHH:MM`` in ``tz`` → epoch seconds (first occurrence)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=zone(tz)).timestamp())
