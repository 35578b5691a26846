"""Owners' figures for a report period (SPEC §9.4): money, no-shows, sources, masters.

Every figure counts the appointments *starting* in the period (local dates in
each branch's zone), as the visit counts of ``actors/core/reports.py`` do.

- A visit's price is ``Appointment.total_price`` (fixed at booking, the
  master's own prices), else the catalogue's prices of its services now (old
  events); its currency is the currency of its first service. Money is
  ``Decimal`` to the cent and leaves as a decimal string, per currency.
- ``revenue``: sum of the done visits' prices; ``average_check`` = revenue ÷
  the number of done visits of that currency (half up to the cent).
- ``no_show_rate`` = no-shows ÷ (done + no-shows): of the visits whose outcome
  is known, the share the client did not come to (open and cancelled ones
  have none). A ratio 0..1, three decimals; 0 when there is none.
- ``by_source``: per source (``bot``, ``manual``) the visits, the done ones and
  ``conversion`` = done ÷ visits (ratio, 0 when none).
- ``by_staff``: one row per staff record (a person in two branches is two
  records, each in its own branch's zone): the active ones and any with a
  visit in the period. ``booked_min``: minutes from start to end (no buffer)
  of the visits of every status but cancelled — a no-show's time was held for
  the client too. ``working_min``: real minutes of the schedule (exceptions
  win) on each local day of the period, so a DST day counts the hour it lost
  or gained. ``utilization`` = booked ÷ working (three decimals; null without
  working time; above 1 when visits were booked outside the hours).
  ``rating``: mean of the feedback ratings of the period's visits (two
  decimals), null when there is none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from actors.core.branch_state import BranchState
from actors.core.model import OCCUPYING, Appointment, Service, Staff, Status
from actors.core.schedule import days, intervals_on, local_date, local_instant, working_spans, zone

CENT = Decimal("0.01")
SOURCES = ("bot", "manual")


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def ratio(part: float, whole: float, digits: int = 3) -> float:
    return round(part / whole, digits) if whole else 0.0


def visit_price(appt: Appointment, services: Mapping[str, Service]) -> tuple[str, Decimal] | None:
    """(currency, price) of a visit; None when its first service is unknown to the catalogue."""
    ids = appt.services_of_visit
    first = services.get(ids[0])
    if first is None:
        return None
    if appt.total_price:
        return first.currency, Decimal(appt.total_price)
    return first.currency, sum((Decimal(services[s].price) for s in ids if s in services), Decimal(0))


@dataclass(slots=True)
class _Master:
    staff: Staff | None
    visits_done: int = 0
    revenue: dict[str, Decimal] = field(default_factory=dict)
    booked_sec: int = 0
    ratings: list[int] = field(default_factory=list)


def _add(into: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    into[currency] = into.get(currency, Decimal(0)) + amount


def _money_map(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    return {cur: money(amounts[cur]) for cur in sorted(amounts)}


def shifted_days(timezone: str, first: date, last: date) -> frozenset[date]:
    """The local days of [first, last] whose length is not 24 h (the clocks change on them)."""
    tz = zone(timezone)
    out = set()
    for day in days(first, last):
        if local_instant(day + timedelta(days=1), 0, tz) - local_instant(day, 0, tz) != 86400:
            out.add(day)
    return frozenset(out)


def working_minutes(staff: Staff, timezone: str, first: date, last: date,
                    shifted: frozenset[date] | None = None) -> int:
    """Real minutes the schedule covers: wall-clock minutes on ordinary days (cheap: a year of
    a master is 366 dict reads), real spans on the days the clocks change."""
    tz = zone(timezone)
    if shifted is None:
        shifted = shifted_days(timezone, first, last)
    total = 0
    for day in days(first, last):
        if day in shifted:
            total += sum((b - a) // 60 for a, b in working_spans(staff, day, tz))
        else:
            total += sum(b - a for a, b in intervals_on(staff, day))
    return total


def owner_figures(branches: Iterable[BranchState], services: Mapping[str, Service],
                  first: date, last: date) -> dict[str, Any]:
    """revenue, average_check, no_show_rate, by_source, by_staff and ``day_revenue`` (ISO date →
    currency → decimal string, only days with revenue) for the period [first, last]."""
    revenue: dict[str, Decimal] = {}
    done_count: dict[str, int] = defaultdict(int)
    day_revenue: dict[str, dict[str, Decimal]] = defaultdict(dict)
    sources = {s: [0, 0] for s in SOURCES}  # source -> [visits, done]
    done = no_show = 0
    rows: list[dict[str, Any]] = []
    for state in branches:
        if state.branch is None:
            continue
        tz = zone(state.branch.timezone)
        masters = {sid: _Master(s) for sid, s in state.staff.items() if s.active}
        for appt in state.appointments.values():
            started = local_date(appt.start, tz)
            if not first <= started <= last:
                continue
            master = masters.get(appt.staff_id) or masters.setdefault(
                appt.staff_id, _Master(state.staff.get(appt.staff_id)))
            counts = sources.setdefault(appt.source, [0, 0])
            counts[0] += 1
            if appt.status in OCCUPYING:
                master.booked_sec += appt.end - appt.start
            if appt.feedback is not None:
                master.ratings.append(appt.feedback[0])
            if appt.status is Status.NO_SHOW:
                no_show += 1
            if appt.status is not Status.DONE:
                continue
            done += 1
            counts[1] += 1
            master.visits_done += 1
            priced = visit_price(appt, services)
            if priced is not None:
                currency, amount = priced
                _add(revenue, currency, amount)
                _add(master.revenue, currency, amount)
                _add(day_revenue[started.isoformat()], currency, amount)
                done_count[currency] += 1
        shifted = shifted_days(state.branch.timezone, first, last)
        for sid, m in masters.items():
            working = working_minutes(m.staff, state.branch.timezone, first, last, shifted) if m.staff else 0
            booked = m.booked_sec // 60
            rows.append({
                "staff_id": sid, "name": m.staff.name if m.staff else "", "branch_id": state.branch.id,
                "visits_done": m.visits_done, "revenue": _money_map(m.revenue),
                "booked_min": booked, "working_min": working,
                "utilization": round(booked / working, 3) if working else None,
                "rating": round(sum(m.ratings) / len(m.ratings), 2) if m.ratings else None,
            })
    rows.sort(key=lambda r: (r["name"].casefold(), r["staff_id"]))
    return {
        "revenue": _money_map(revenue),
        "average_check": {cur: money(revenue[cur] / done_count[cur]) for cur in sorted(revenue)},
        "no_show_rate": ratio(no_show, done + no_show),
        "by_source": {s: {"appointments": n, "done": d, "conversion": ratio(d, n)} for s, (n, d) in sources.items()},
        "by_staff": rows,
        "day_revenue": {day: _money_map(amounts) for day, amounts in day_revenue.items()},
    }
