"""The demo salon (SPEC §7): created once, found again on every later ``--demo`` start."""

from __future__ import annotations

import logging
import secrets

from collections.abc import Callable

from actors.core.model import WEEKDAYS, Branch, Service, Staff
from actors.scheduler import Scheduler

log = logging.getLogger(__name__)

DEMO_BRANCH = "Демо-салон"
DEMO_STAFF = ("Анна Смирнова", "Ольга Иванова", "Мария Кузнецова")
DEMO_SERVICES = (
    ("Стрижка чёлки", "500.00", 30),
    ("Мужская стрижка", "1200.00", 45),
    ("Женская стрижка", "2000.00", 60),
    ("Окрашивание", "4500.00", 90),
)


async def ensure_demo(scheduler: Scheduler, admin_password: str | None,
                      hash_password: Callable[[str], str]) -> None:
    """Create the demo branch, services, staff and admin unless they exist (idempotent)."""
    who = "system:demo"
    if not any(b.name == DEMO_BRANCH for b in scheduler.open_branches()):
        branch = await scheduler.open_branch(
            Branch(id=scheduler.new_id(), name=DEMO_BRANCH, timezone="Europe/Moscow",
                   address="Москва, ул. Примерная, 1", slot_step_min=15), who)
        service_ids = []
        for name, price, minutes in DEMO_SERVICES:
            svc = Service(scheduler.new_id(), name, price, "RUB", minutes, 0, (branch.id,))
            service_ids.append((await scheduler.add_service(svc, who)).id)
        every_day: dict[str, tuple[tuple[int, int], ...]] = {day: ((9 * 60, 21 * 60),) for day in WEEKDAYS}
        for name in DEMO_STAFF:
            await scheduler.add_staff(Staff(scheduler.new_id(), branch.id, name, tuple(service_ids), every_day), who)
        log.info("demo salon created")
    if scheduler.user("admin") is None:
        password = admin_password or secrets.token_urlsafe(12)
        await scheduler.create_user("admin", "admin", ("*",), hash_password(password), who)
        if admin_password is None:
            # Printed once, on purpose: the only way to learn a generated demo password.
            print(f"demo admin: login 'admin', password '{password}'", flush=True)
