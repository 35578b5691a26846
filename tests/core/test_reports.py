"""The report's day rows count what its totals count (``actors/core/reports.py``).

A chart drawn from ``by_day`` must not be misread against the tiles: for any
set of appointments, every column of the rows sums to the total of the same
name, and every appointment starting in the period is counted once, in its
status (``appointments`` = ``open`` + ``done`` + ``cancelled`` + ``no_show``).
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from actors.core.model import Appointment, Status
from actors.core.reports import kpis
from actors.core.schedule import local_instant, zone
from tests.core.builders import branch_state

FIRST = date(2026, 3, 1)
KEYS = ("new_requests", "appointments", "open", "done", "cancelled", "no_show")


@settings(max_examples=150, deadline=None)
@given(tz=st.sampled_from(("Europe/Moscow", "Asia/Vladivostok", "America/Santiago")),
       span=st.integers(0, 9),
       visits=st.lists(st.tuples(st.integers(-3 * 96, 14 * 96), st.integers(-5 * 24, 14 * 24),
                                 st.sampled_from(list(Status)), st.sampled_from(("c1", "c2", "c3"))),
                       max_size=60))
def test_day_rows_add_up_to_the_totals(tz: str, span: int, visits: list[tuple[int, int, Status, str]]) -> None:
    origin = local_instant(FIRST, 0, zone(tz))
    state = branch_state(tz)
    for i, (quarter, hour, status, client) in enumerate(visits):
        start, created = origin + quarter * 900, origin + hour * 3600
        state.appointments[f"a{i}"] = Appointment(f"a{i}", "b1", client, "cut", "s1", start, start + 3600,
                                                  start + 3600, status, "bot", "", created, created, 1)
    got = kpis([state], [state], FIRST, FIRST + timedelta(days=span))
    assert [row["date"] for row in got["by_day"]] == [(FIRST + timedelta(days=i)).isoformat() for i in range(span + 1)]
    for key in KEYS:
        assert sum(row[key] for row in got["by_day"]) == got[key], key
    for row in got["by_day"]:
        assert row["appointments"] == row["open"] + row["done"] + row["cancelled"] + row["no_show"], row
    assert got["appointments"] == got["open"] + got["done"] + got["cancelled"] + got["no_show"]


def test_an_upcoming_visit_counts_as_open_on_its_day() -> None:
    tz = "Europe/Moscow"
    state = branch_state(tz)
    start = local_instant(date(2026, 3, 5), 10 * 60, zone(tz))
    made = local_instant(date(2026, 3, 2), 9 * 60, zone(tz))
    state.appointments["a"] = Appointment("a", "b1", "c1", "cut", "s1", start, start + 3600, start + 3600,
                                          Status.CONFIRMED, "manual", "", made, made, 1)
    got = kpis([state], [state], date(2026, 3, 1), date(2026, 3, 31))
    assert (got["appointments"], got["open"], got["done"], got["completed_pct"]) == (1, 1, 0, 0.0)
    fifth = next(row for row in got["by_day"] if row["date"] == "2026-03-05")
    assert (fifth["appointments"], fifth["open"]) == (1, 1)
