"""``--demo``: the salon and a realistic week, booked once through the application layer."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from actors.core.model import Appointment, Status
from actors.core.schedule import local_date, zone
from actors.demo import DEMO_BRANCH, DEMO_STAFF, ensure_demo, week_start
from actors.scheduler import Scheduler
from tests.harness import T0, Harness

MOSCOW = zone("Europe/Moscow")


def demo_appointments(scheduler: Scheduler) -> list[Appointment]:
    branch = next(b for b in scheduler.open_branches() if b.name == DEMO_BRANCH)
    state = scheduler.committed_branch(branch.id)
    assert state is not None
    return list(state.appointments.values())


async def start_demo(h: Harness) -> Scheduler:
    await h.start()
    await ensure_demo(h.z.scheduler, "demo-password", h.z.passwords.hash, now=h.clock.now())
    return h.z.scheduler


async def test_the_demo_books_a_realistic_week_once(harness: Harness) -> None:
    scheduler = await start_demo(harness)
    week = demo_appointments(scheduler)
    assert 25 <= len(week) <= 35
    assert set(Counter(a.status for a in week)) == set(Status)
    staff = {s.id: s.name for s in scheduler.staff()}
    assert {staff[a.staff_id] for a in week} == set(DEMO_STAFF)
    today = local_date(int(harness.clock.now()), MOSCOW)
    days = {local_date(a.start, MOSCOW) for a in week}
    assert min(days) == today and max(days) == today + timedelta(days=6)
    assert all(a.start >= harness.clock.now() for a in week)  # the rules refuse the past
    visits = Counter(a.client_id for a in week)
    assert 6 <= len(visits) <= 10 and sum(1 for n in visits.values() if n >= 2) >= 3
    names = [scheduler.client(cid).name for cid in visits]
    assert all(any("А" <= ch <= "я" for ch in name) for name in names)
    assert all((scheduler.client(cid).phone or "").startswith("+79") for cid in visits)

    # The manager changes the week; later starts (and a restart) book nothing again.
    first = min(week, key=lambda a: (a.start, a.id))
    await scheduler.change_status(first.id, Status.CANCELLED, None, "user:admin")
    seq = await harness.z.journal.last_seq()
    await ensure_demo(scheduler, "demo-password", harness.z.passwords.hash, now=harness.clock.now())
    await harness.restart()
    harness.clock.advance(3 * 86400)
    await ensure_demo(harness.z.scheduler, "demo-password", harness.z.passwords.hash, now=harness.clock.now())
    assert await harness.z.journal.last_seq() == seq
    assert len(demo_appointments(harness.z.scheduler)) == len(week)


async def test_a_late_start_begins_the_week_tomorrow(harness: Harness) -> None:
    harness.clock.set(datetime(2026, 3, 2, 17, 30, tzinfo=UTC))  # 20:30 in Moscow
    week = demo_appointments(await start_demo(harness))
    assert len(week) >= 25 and set(a.status for a in week) == set(Status)
    assert min(local_date(a.start, MOSCOW) for a in week) == date(2026, 3, 3)


def test_today_starts_at_the_next_quarter_hour_or_at_opening() -> None:
    assert week_start(T0.timestamp(), "Europe/Moscow") == (  # 09:00 sharp: the next quarter-hour
        date(2026, 3, 2), int(datetime(2026, 3, 2, 6, 15, tzinfo=UTC).timestamp()))
    early = datetime(2026, 3, 2, 3, 0, tzinfo=UTC).timestamp()  # 06:00 in Moscow
    assert week_start(early, "Europe/Moscow") == (date(2026, 3, 2), int(T0.timestamp()))
