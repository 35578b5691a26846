"""The demo salon (SPEC §7): created once, found again on every later ``--demo`` start.

Besides the branch, its services, three masters and the admin, the demo books
a realistic week ONCE: 30 visits of 8 clients (a few with several visits)
across the three masters, in every status, so the board is not empty on the
first start. "Once" means: only while the demo branch has no appointment at
all; appointments are never deleted, so after the first start nothing is
booked again, whatever happened to the week's visits since.

The week runs from today (branch time, Europe/Moscow) for seven days, not
around today: the booking rules refuse a start in the past even to a manager
(``manual_booking``, ``reschedule``), and the demo uses the application
layer like any manager would. So today's first visits stand for the
morning: booked from the next free quarter-hour and moved on to done or
no-show, the next ones in progress, the rest of today confirmed (one
cancelled); the following six days are new or confirmed, with two
cancellations. Started too late in the evening for today's visits, the
week begins tomorrow.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from actors.core.errors import DomainError
from actors.core.model import WEEKDAYS, Branch, Service, Staff, Status
from actors.core.schedule import local_date, local_instant, zone
from actors.scheduler import Scheduler

log = logging.getLogger(__name__)

WHO = "system:demo"
DEMO_BRANCH = "Демо-салон"
DEMO_TIMEZONE = "Europe/Moscow"
DEMO_STAFF = ("Анна Смирнова", "Ольга Иванова", "Мария Кузнецова")
DEMO_SERVICES = (
    ("Стрижка чёлки", "500.00", 30),
    ("Мужская стрижка", "1200.00", 45),
    ("Женская стрижка", "2000.00", 60),
    ("Окрашивание", "4500.00", 90),
)
DEMO_CLIENTS = (
    ("Ирина Петрова", "+79161234501"),
    ("Алексей Смирнов", "+79031234502"),
    ("Екатерина Волкова", "+79261234503"),
    ("Дмитрий Козлов", "+79851234504"),
    ("Наталья Морозова", "+79671234505"),
    ("Сергей Новиков", "+79151234506"),
    ("Ольга Соколова", "+79091234507"),
    ("Татьяна Лебедева", "+79251234508"),
)
OPENS_MIN, CLOSES_MIN = 9 * 60, 21 * 60  # the demo masters work 09:00–21:00 every day
QUARTER_S = 15 * 60
BOOKING_MARGIN_S = 60  # today's first visit starts at least this far after ``now``


@dataclass(frozen=True, slots=True)
class DemoVisit:
    day: int  # days after the week's first day
    minute: int  # minutes after that day's opening (09:00; today: the first free quarter-hour)
    staff: int  # index into DEMO_STAFF
    service: int  # index into DEMO_SERVICES
    client: int  # index into DEMO_CLIENTS
    status: Status  # where the visit ends up


# The statuses a visit goes through, booked with the first (the journal reads like a real day).
PATHS: dict[Status, tuple[Status, ...]] = {
    Status.NEW: (Status.NEW,),
    Status.CONFIRMED: (Status.CONFIRMED,),
    Status.IN_PROGRESS: (Status.CONFIRMED, Status.IN_PROGRESS),
    Status.DONE: (Status.CONFIRMED, Status.IN_PROGRESS, Status.DONE),
    Status.NO_SHOW: (Status.CONFIRMED, Status.NO_SHOW),
    Status.CANCELLED: (Status.NEW, Status.CANCELLED),
}

_V, S = DemoVisit, Status
# Masters: 0 Анна, 1 Ольга, 2 Мария. Services: 0 чёлка 30', 1 мужская 45', 2 женская 60', 3 окрашивание 90'.
DEMO_WEEK = (
    # today: the "morning" first, then the rest of the day
    _V(0, 0, 0, 2, 0, S.DONE), _V(0, 60, 0, 1, 1, S.IN_PROGRESS),
    _V(0, 120, 0, 3, 2, S.CONFIRMED), _V(0, 225, 0, 0, 6, S.CONFIRMED),
    _V(0, 0, 1, 1, 3, S.NO_SHOW), _V(0, 45, 1, 2, 7, S.DONE),
    _V(0, 120, 1, 1, 5, S.IN_PROGRESS), _V(0, 180, 1, 2, 4, S.CANCELLED),
    _V(0, 0, 2, 3, 4, S.DONE), _V(0, 105, 2, 2, 6, S.CONFIRMED), _V(0, 180, 2, 1, 1, S.CONFIRMED),
    # the next six days
    _V(1, 60, 0, 1, 3, S.CONFIRMED), _V(1, 120, 1, 2, 2, S.NEW), _V(1, 300, 2, 3, 7, S.CONFIRMED),
    _V(2, 180, 0, 2, 4, S.CONFIRMED), _V(2, 360, 0, 1, 1, S.CONFIRMED),
    _V(2, 60, 1, 0, 6, S.NEW), _V(2, 420, 2, 1, 5, S.CANCELLED),
    _V(3, 540, 0, 3, 0, S.CONFIRMED), _V(3, 240, 1, 1, 1, S.NEW), _V(3, 90, 2, 2, 7, S.NEW),
    _V(4, 120, 0, 0, 2, S.CONFIRMED), _V(4, 360, 1, 2, 4, S.NEW), _V(4, 180, 2, 1, 3, S.CONFIRMED),
    _V(5, 300, 0, 1, 5, S.NEW), _V(5, 480, 1, 3, 6, S.CANCELLED), _V(5, 60, 2, 2, 0, S.NEW),
    _V(6, 60, 0, 2, 7, S.NEW), _V(6, 180, 1, 1, 1, S.CONFIRMED), _V(6, 240, 2, 0, 4, S.NEW),
)
# How long today's part lasts after its opening: it must fit before closing time.
TODAY_SPAN_MIN = max(v.minute + DEMO_SERVICES[v.service][2] for v in DEMO_WEEK if v.day == 0)


async def ensure_demo(scheduler: Scheduler, admin_password: str | None,
                      hash_password: Callable[[str], str], *, week: bool = True,
                      now: float | None = None) -> None:
    """Create the demo branch, services, staff, admin and (``week``) the demo week unless they
    exist (idempotent). ``now`` is the scheduler's clock reading (the system time if None)."""
    branch = next((b for b in scheduler.open_branches() if b.name == DEMO_BRANCH), None)
    if branch is None:
        branch = await _create_salon(scheduler)
        log.info("demo salon created")
    if scheduler.user("admin") is None:
        password = admin_password or secrets.token_urlsafe(12)
        await scheduler.create_user("admin", "admin", ("*",), hash_password(password), WHO)
        if admin_password is None:
            # Printed once, on purpose: the only way to learn a generated demo password.
            print(f"demo admin: login 'admin', password '{password}' (lost it? "
                  "python run.py set-password --login admin --password-stdin)", flush=True)
    if week:
        await ensure_week(scheduler, branch, time.time() if now is None else now)


async def _create_salon(scheduler: Scheduler) -> Branch:
    branch = await scheduler.open_branch(
        Branch(id=scheduler.new_id(), name=DEMO_BRANCH, timezone=DEMO_TIMEZONE,
               address="Москва, ул. Примерная, 1", slot_step_min=15,
               phone="+74951234567", location=(55.7558, 37.6173)), WHO)  # the salon's phone and place (SPEC §9.6)
    service_ids = []
    for name, price, minutes in DEMO_SERVICES:
        svc = Service(scheduler.new_id(), name, price, "RUB", minutes, 0, (branch.id,))
        service_ids.append((await scheduler.add_service(svc, WHO)).id)
    every_day: dict[str, tuple[tuple[int, int], ...]] = {day: ((OPENS_MIN, CLOSES_MIN),) for day in WEEKDAYS}
    for name in DEMO_STAFF:
        await scheduler.add_staff(Staff(scheduler.new_id(), branch.id, name, tuple(service_ids), every_day), WHO)
    return branch


async def ensure_week(scheduler: Scheduler, branch: Branch, now: float) -> int:
    """Book the demo week if the branch has never had an appointment; how many were booked."""
    state = scheduler.committed_branch(branch.id)
    if state is None or state.appointments:
        return 0  # the week (or real work) is there already: never book it twice
    staff = {s.name: s.id for s in scheduler.staff(branch.id)}
    services = {s.name: s.id for s in scheduler.services() if branch.id in s.branch_ids}
    first_day, today_opens = week_start(now, branch.timezone)
    booked = 0
    for visit in DEMO_WEEK:
        staff_id = staff.get(DEMO_STAFF[visit.staff])
        service_id = services.get(DEMO_SERVICES[visit.service][0])
        if staff_id is None or service_id is None:
            continue  # an admin removed that master or service before the first week
        start = visit_start(visit, first_day, today_opens, branch.timezone)
        booked += await _book(scheduler, visit, branch.id, service_id, staff_id, start)
    log.info("demo week booked: %d visits", booked)
    return booked


def week_start(now: float, timezone: str) -> tuple[date, int]:
    """The week's first local day and the instant its first visits start.

    Today, from the next quarter-hour (or 09:00) if today's part still fits
    before closing time; otherwise tomorrow from 09:00.
    """
    tz = zone(timezone)
    today = local_date(int(now), tz)
    next_quarter = math.ceil((now + BOOKING_MARGIN_S) / QUARTER_S) * QUARTER_S
    opens = max(local_instant(today, OPENS_MIN, tz), next_quarter)
    if opens + TODAY_SPAN_MIN * 60 <= local_instant(today, CLOSES_MIN, tz):
        return today, opens
    tomorrow = today + timedelta(days=1)
    return tomorrow, local_instant(tomorrow, OPENS_MIN, tz)


def visit_start(visit: DemoVisit, first_day: date, first_opens: int, timezone: str) -> int:
    if visit.day == 0:
        return first_opens + visit.minute * 60
    return local_instant(first_day + timedelta(days=visit.day), OPENS_MIN + visit.minute, zone(timezone))


async def _book(scheduler: Scheduler, visit: DemoVisit, branch_id: str, service_id: str,
                staff_id: str, start: int) -> int:
    """Book one visit as a manager would and move it along its path; 1 if booked, else 0."""
    name, phone = DEMO_CLIENTS[visit.client]
    first, *rest = PATHS[visit.status]
    try:
        appt = await scheduler.manual_booking(branch_id=branch_id, service_id=service_id, start=start,
                                              staff_id=staff_id, phone=phone, name=name, status=first,
                                              who=WHO)
        for status in rest:
            appt = await scheduler.change_status(appt.id, status, appt.version, WHO)
    except DomainError as exc:  # e.g. a client's live hold on that time: the demo does without it
        log.warning("demo visit at %d not booked: %s", start, exc.detail)
        return 0
    return 1
