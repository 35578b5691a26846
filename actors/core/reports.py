"""KPIs (SPEC §3, "System and analytics"), computed from in-memory branch states.

For a period of local dates [first, last] (each branch's own zone):
- ``new_requests``: appointments *created* in the period;
- ``appointments``: appointments *starting* in the period, any status;
  ``done``/``cancelled``/``no_show``: those of them now in that status;
- ``completed_pct`` = 100 × done ÷ appointments (0 when none);
- ``repeat_visits``: done appointments starting in the period whose client
  has another done appointment with a strictly earlier start (any branch,
  any time); ``repeat_clients_pct`` = clients with such a visit ÷ clients
  with any done appointment in the period × 100 (0 when none).
- ``open`` (an addition): those of ``appointments`` not finished yet (new,
  confirmed, in progress), so that ``appointments`` = ``open`` + ``done`` +
  ``cancelled`` + ``no_show``.
Percentages are rounded to one decimal. ``by_day`` has one row per local
date of the period: ``new_requests`` by creation date, and by start date
``appointments`` with its split ``open``, ``done``, ``cancelled``,
``no_show``; so each column of rows sums to the total of the same name.
The owners' figures (revenue, average check, no-show rate, sources, masters:
``actors/core/report_money.py``) join the totals, and each day row gets its
``revenue`` per currency (summing to ``revenue``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from actors.core.branch_state import BranchState
from actors.core.model import Service, Status
from actors.core.report_money import owner_figures
from actors.core.schedule import zone


_OPEN = frozenset({Status.NEW, Status.CONFIRMED, Status.IN_PROGRESS})


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def first_done_starts(all_branches: Iterable[BranchState]) -> dict[str, int]:
    """Each client's earliest start among their done appointments, across every branch."""
    first: dict[str, int] = {}
    for state in all_branches:
        for appt in state.appointments.values():
            if appt.status is Status.DONE and appt.start < first.get(appt.client_id, appt.start + 1):
                first[appt.client_id] = appt.start
    return first


def kpis(branches: Iterable[BranchState], all_branches: Iterable[BranchState], first: date, last: date,
         services: Mapping[str, Service] | None = None) -> dict[str, Any]:
    branches = list(branches)
    earliest_done = first_done_starts(all_branches)
    days = {first + timedelta(days=i): {"new_requests": 0, "appointments": 0, "open": 0, "done": 0,
                                        "cancelled": 0, "no_show": 0}
            for i in range((last - first).days + 1)}
    new_requests = appointments = open_ = done = cancelled = no_show = repeat_visits = 0
    done_clients: set[str] = set()
    repeat_clients: set[str] = set()
    for state in branches:
        if state.branch is None:
            continue
        tz = zone(state.branch.timezone)
        for appt in state.appointments.values():
            created = datetime.fromtimestamp(appt.created_at, tz).date()
            if first <= created <= last:
                new_requests += 1
                days[created]["new_requests"] += 1
            started = datetime.fromtimestamp(appt.start, tz).date()
            if not first <= started <= last:
                continue
            appointments += 1
            days[started]["appointments"] += 1
            if appt.status in _OPEN:
                open_ += 1
                days[started]["open"] += 1
            elif appt.status is Status.DONE:
                done += 1
                days[started]["done"] += 1
                done_clients.add(appt.client_id)
                if appt.start > earliest_done[appt.client_id]:
                    repeat_visits += 1
                    repeat_clients.add(appt.client_id)
            elif appt.status is Status.CANCELLED:
                cancelled += 1
                days[started]["cancelled"] += 1
            elif appt.status is Status.NO_SHOW:
                no_show += 1
                days[started]["no_show"] += 1
    owners = owner_figures(branches, services or {}, first, last)
    day_revenue = owners.pop("day_revenue")
    return {
        "new_requests": new_requests,
        "appointments": appointments,
        "open": open_,
        "done": done,
        "completed_pct": _pct(done, appointments),
        "cancelled": cancelled,
        "no_show": no_show,
        "repeat_visits": repeat_visits,
        "repeat_clients_pct": _pct(len(repeat_clients), len(done_clients)),
        **owners,
        "by_day": [{"date": d.isoformat(), **counts, "revenue": day_revenue.get(d.isoformat(), {})}
                   for d, counts in days.items()],
    }
