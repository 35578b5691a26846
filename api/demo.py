"""The demo salon (SPEC §7): created once, found again on every later ``--demo`` start."""

from __future__ import annotations

import logging
import secrets

from actors.messages import AddService, AddStaff, CreateUser
from actors.model import WEEKDAYS, Branch, Service, Staff
from api.context import Zapis

log = logging.getLogger(__name__)

DEMO_BRANCH = "Демо-салон"
DEMO_STAFF = ("Анна Смирнова", "Ольга Иванова", "Мария Кузнецова")
DEMO_SERVICES = (
    ("Стрижка чёлки", "500.00", 30),
    ("Мужская стрижка", "1200.00", 45),
    ("Женская стрижка", "2000.00", 60),
    ("Окрашивание", "4500.00", 90),
)


async def ensure_demo(z: Zapis) -> None:
    runtime = z.runtime
    who = "system:demo"
    if not any(b.name == DEMO_BRANCH for b in runtime.open_branches()):
        branch = await runtime.open_branch(
            Branch(id=runtime.new_id(), name=DEMO_BRANCH, timezone="Europe/Moscow",
                   address="Москва, ул. Примерная, 1", slot_step_min=15), who)
        service_ids = []
        for name, price, minutes in DEMO_SERVICES:
            svc = Service(runtime.new_id(), name, price, "RUB", minutes, 0, (branch.id,))
            await runtime.catalogue.ask(AddService(svc), who)
            service_ids.append(svc.id)
        every_day = {day: ((9 * 60, 21 * 60),) for day in WEEKDAYS}
        actor = runtime.branch(branch.id)
        for name in DEMO_STAFF:
            await actor.ask(AddStaff(Staff(runtime.new_id(), branch.id, name, tuple(service_ids), every_day)), who)
        log.info("demo salon created")
    if "admin" not in runtime.users.state.users:
        password = z.settings.admin_password or secrets.token_urlsafe(12)
        await runtime.users.ask(CreateUser("admin", "admin", ("*",), z.passwords.hash(password)), who)
        if z.settings.admin_password is None:
            # Printed once, on purpose: the only way to learn a generated demo password.
            print(f"demo admin: login 'admin', password '{password}'", flush=True)
