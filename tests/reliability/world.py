"""The salon the load works on, built through the real API of a running server.

An admin (``run.py create-user`` before the first start) creates one branch
in UTC with round-the-clock staff, two services and a manager scoped to that
branch; Telegram users register with signed ``initData``. ``World`` keeps
the ids, the auth headers and what the load has learnt about appointments.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx

from api.telegram.initdata import sign_init_data
from tests.reliability.server import BOT_TOKEN, Backend, run_cli

ADMIN, MANAGER, PASSWORD = "chaos-admin", "chaos-manager", "chaos-password-123"
SLOT_S = 15 * 60
ALL_DAY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
STATUSES = ("new", "confirmed", "in_progress", "done", "cancelled", "no_show")


@dataclass(slots=True)
class Person:
    """A registered Telegram client."""

    tg_id: int
    client_id: str
    headers: dict[str, str]


@dataclass(slots=True)
class Known:
    """The latest acknowledged view of an appointment (from a 2xx answer)."""

    owner: str  # client id
    version: int
    status: str
    start: int
    staff_id: str


@dataclass
class World:
    branch_id: str
    services: list[tuple[str, int]]  # (id, minutes incl. buffer)
    staff: list[str]
    people: list[Person]
    admin_headers: dict[str, str]
    manager_headers: dict[str, str]
    first_day: date  # bookable UTC days: first_day … first_day + days - 1
    days: int
    appointments: dict[str, Known] = field(default_factory=dict)

    def random_start(self, rng: random.Random) -> int:
        day = self.first_day + timedelta(days=rng.randrange(self.days))
        midnight = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        return midnight + rng.randrange(24 * 3600 // SLOT_S) * SLOT_S

    def window(self) -> dict[str, str]:
        last = self.first_day + timedelta(days=self.days - 1)
        return {"date_from": self.first_day.isoformat(), "date_to": last.isoformat()}

    def learn(self, body: dict[str, object], owner: str | None = None) -> None:
        """Remember an appointment answer (booking, cancel, status, reschedule)."""
        appt_id = str(body["id"])
        known = self.appointments.get(appt_id)
        version = int(body["version"])  # type: ignore[call-overload]
        if known is not None and known.version > version:
            return
        client = body.get("client")
        who = owner or (known.owner if known else str(client.get("id") if isinstance(client, dict) else ""))
        staff = body.get("staff")
        self.appointments[appt_id] = Known(
            who, version, str(body["status"]), iso_ts(str(body["start"])),
            str(staff.get("id") if isinstance(staff, dict) else ""))


def iso_ts(value: str) -> int:
    return int(datetime.fromisoformat(value).timestamp())


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def tma_headers(tg_id: int) -> dict[str, str]:
    """``Authorization: tma`` signed now; valid for the server's 24 h."""
    init = sign_init_data(BOT_TOKEN, {"id": tg_id, "first_name": f"Client{tg_id}"}, int(time.time()))
    return {"Authorization": f"tma {init}"}


async def create_admin(backend: Backend) -> None:
    r = await run_cli(backend, "create-user", "--login", ADMIN, "--role", "admin", "--password-stdin",
                stdin=PASSWORD + "\n")
    if r.returncode != 0:
        raise RuntimeError(f"create-user admin failed: {r.stdout}{r.stderr}")


async def login(http: httpx.AsyncClient, user: str) -> dict[str, str]:
    r = await http.post("/api/v1/auth/login", json={"login": user, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def build_world(http: httpx.AsyncClient, backend: Backend, *, clients: int, staff: int = 3,
                      days: int = 2, first_tg_id: int = 7_000_000) -> World:
    """Seed the salon on a running server (admin already created) and register the clients."""
    admin = await login(http, ADMIN)
    r = await http.post("/api/v1/admin/branches", headers=admin, json={
        "name": "Chaos salon", "timezone": "UTC", "min_notice_min": 0, "horizon_days": 365,
        "cancel_notice_min": 0})
    r.raise_for_status()
    branch_id = r.json()["id"]
    services: list[tuple[str, int]] = []
    for name, minutes, buffer in (("short", 30, 0), ("long", 60, 15)):
        r = await http.post("/api/v1/admin/services", headers=admin, json={
            "name": name, "price": "1000.00", "duration_min": minutes, "buffer_min": buffer,
            "branch_ids": [branch_id]})
        r.raise_for_status()
        services.append((r.json()["id"], minutes + buffer))
    staff_ids = []
    for i in range(staff):
        r = await http.post("/api/v1/admin/staff", headers=admin, json={
            "branch_id": branch_id, "name": f"Master {i + 1}",
            "service_ids": [s for s, _ in services], "schedule": ALL_DAY})
        r.raise_for_status()
        staff_ids.append(r.json()["id"])
    cli = await run_cli(backend, "create-user", "--login", MANAGER, "--role", "manager", f"--branches={branch_id}",
                        "--password-stdin", stdin=PASSWORD + "\n")
    if cli.returncode != 0:
        raise RuntimeError(f"create-user manager failed: {cli.stdout}{cli.stderr}")
    manager = await login(http, MANAGER)
    people = []
    for i in range(clients):
        tg_id = first_tg_id + i
        headers = tma_headers(tg_id)
        r = await http.post("/api/v1/clients/auth", headers=headers,
                            json={"phone": f"+7999{tg_id % 10_000_000:07d}"})
        r.raise_for_status()
        people.append(Person(tg_id, r.json()["client"]["id"], headers))
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    return World(branch_id, services, staff_ids, people, admin, manager, tomorrow, days)
