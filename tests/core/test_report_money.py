"""Owners' figures from the pure core (``actors/core/report_money.py``): which price a visit
counts at, what a DST day's working time is, ratings, masters who left."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from actors.core.model import Appointment, Service, Status
from actors.core.report_money import owner_figures, visit_price, working_minutes
from actors.core.schedule import days, working_spans, zone
from tests.core.builders import at, branch_state

TZ = "Europe/Moscow"
CUT = Service("cut", "cut", "1500.00", "RUB", 60, 0, ("b1",))
WASH = Service("wash", "wash", "300.50", "RUB", 15, 0, ("b1",))
SERVICES = {s.id: s for s in (CUT, WASH)}
DAY = date(2026, 3, 3)


def visit(aid: str, start: int, status: Status = Status.DONE, staff: str = "s1", **more: object) -> Appointment:
    return Appointment(aid, "b1", "c1", "cut", staff, start, start + 3600, start + 3600, status, "bot", "",
                       0.0, 0.0, 1, **more)  # type: ignore[arg-type]


def test_the_price_fixed_at_booking_wins_over_the_catalogue() -> None:
    start = at("2026-03-03T10:00", TZ)
    assert visit_price(visit("a", start, total_price="1750.00"), SERVICES) == ("RUB", Decimal("1750.00"))
    # an old event: the catalogue's prices of every service of the visit
    assert visit_price(visit("a", start, service_ids=("cut", "wash")), SERVICES) == ("RUB", Decimal("1800.50"))
    assert visit_price(visit("a", start), SERVICES) == ("RUB", Decimal("1500.00"))
    assert visit_price(visit("a", start), {}) is None


def test_a_two_service_visit_counts_once_at_its_total() -> None:
    state = branch_state(TZ)
    start = at("2026-03-03T10:00", TZ)
    state.appointments["a"] = replace(visit("a", start, service_ids=("cut", "wash"), total_price="1700.00"),
                                      end=start + 75 * 60, block_end=start + 75 * 60)
    got = owner_figures([state], SERVICES, DAY, DAY)
    assert got["revenue"] == {"RUB": "1700.00"} and got["average_check"] == {"RUB": "1700.00"}
    assert (got["by_staff"][0]["visits_done"], got["by_staff"][0]["booked_min"]) == (1, 75)


def test_working_minutes_on_dst_days_are_real_minutes() -> None:
    state = branch_state("Europe/Berlin", hours=((0, 24 * 60),))
    staff = state.staff["s1"]
    assert working_minutes(staff, "Europe/Berlin", date(2026, 3, 28), date(2026, 3, 28)) == 1440
    assert working_minutes(staff, "Europe/Berlin", date(2026, 3, 29), date(2026, 3, 29)) == 1380  # spring
    assert working_minutes(staff, "Europe/Berlin", date(2026, 10, 25), date(2026, 10, 25)) == 1500  # autumn
    night = branch_state("Europe/Berlin", hours=((60, 5 * 60),)).staff["s1"]  # 01:00-05:00 spans the gap
    assert working_minutes(night, "Europe/Berlin", date(2026, 3, 29), date(2026, 3, 29)) == 180


def test_exceptions_replace_the_week_and_a_day_off_has_no_working_time() -> None:
    state = branch_state(TZ, exceptions={"2026-03-03": ((10 * 60, 12 * 60),), "2026-03-04": ()})
    staff = state.staff["s1"]
    assert working_minutes(staff, TZ, DAY, DAY) == 120
    got = owner_figures([state], SERVICES, date(2026, 3, 4), date(2026, 3, 4))
    assert got["by_staff"][0]["working_min"] == 0 and got["by_staff"][0]["utilization"] is None


def test_rating_is_the_mean_of_the_periods_feedback() -> None:
    state = branch_state(TZ, staff=2)
    for i, (stars, hour) in enumerate(((5, 10), (4, 12), (4, 14))):
        state.appointments[f"a{i}"] = visit(f"a{i}", at(f"2026-03-03T{hour}:00", TZ), feedback=(stars, ""))
    state.appointments["later"] = visit("later", at("2026-03-05T10:00", TZ), feedback=(1, "плохо"))
    got = owner_figures([state], SERVICES, DAY, DAY)
    assert [(r["staff_id"], r["rating"]) for r in got["by_staff"]] == [("s1", 4.33), ("s2", None)]


def test_no_show_rate_and_conversion_with_nothing_to_count_are_zero() -> None:
    got = owner_figures([branch_state(TZ)], SERVICES, DAY, DAY)
    assert (got["no_show_rate"], got["revenue"], got["average_check"]) == (0.0, {}, {})
    assert got["by_source"] == {"bot": {"appointments": 0, "done": 0, "conversion": 0.0},
                                "manual": {"appointments": 0, "done": 0, "conversion": 0.0}}


def test_a_removed_master_with_visits_in_the_period_keeps_a_row() -> None:
    state = branch_state(TZ, staff=2)
    state.staff["s2"] = replace(state.staff["s2"], active=False)
    state.appointments["a"] = visit("a", at("2026-03-03T10:00", TZ), staff="s2")
    got = owner_figures([state], SERVICES, DAY, DAY)
    assert [r["staff_id"] for r in got["by_staff"]] == ["s1", "s2"]
    assert owner_figures([state], SERVICES, date(2026, 3, 4), date(2026, 3, 4))["by_staff"][0]["staff_id"] == "s1"


@settings(max_examples=60, deadline=None)
@given(tz=st.sampled_from(("Europe/Moscow", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe",
                           "America/New_York")),
       start=st.integers(0, 330), span=st.integers(0, 40),
       cuts=st.lists(st.integers(0, 96), min_size=2, max_size=6, unique=True))
def test_the_fast_sum_equals_real_spans_every_day(tz: str, start: int, span: int, cuts: list[int]) -> None:
    """Wall minutes on ordinary days, real spans on the clock-change days: the same as real spans always."""
    marks = sorted(c * 15 for c in cuts)
    hours = tuple((a, b) for a, b in zip(marks[::2], marks[1::2]) if b > a)
    staff = branch_state(tz, hours=hours).staff["s1"]
    first = date(2026, 1, 1) + timedelta(days=start)
    last = first + timedelta(days=span)
    real = sum((b - a) // 60 for day in days(first, last) for a, b in working_spans(staff, day, zone(tz)))
    assert working_minutes(staff, tz, first, last) == real
