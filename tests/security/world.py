"""A seeded world for the security tests: two branches, a manager of one, a client with a booking.

Everything is made through the real API (or the real actors) of a started
``Harness``, so ids exist for the fuzzer and for the attacks on another
branch. ``SECRETS`` are the values that must never appear in an answer or a log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.telegram.initdata import sign_init_data
from tests.client.kit import at
from tests.harness import JWT_SECRET, Harness
from tests.seed import Salon, seed_salon

BOT_TOKEN = "123456:SECURITY-TEST-bot-token-0123456789"
OTHER_BOT = "654321:ANOTHER-bots-token-9876543210"
WEBHOOK_SECRET = "webhook-secret-for-security-tests_0123"
PASSWORD = "password-123"  # tests.harness.Harness.user()'s password for every account
CLIENT_TG = 777001
CLIENT_PHONE = "+79990777001"


def tma_header(h: Harness, tg_id: int, *, token: str = BOT_TOKEN, auth_date: float | None = None,
               **user: Any) -> dict[str, str]:
    """``Authorization: tma <initData>`` for Telegram user ``tg_id``, signed now on the test clock."""
    when = int(h.clock.now() if auth_date is None else auth_date)
    init = sign_init_data(token, {"id": tg_id, "first_name": "Анна", **user}, when)
    return {"Authorization": f"tma {init}"}


@dataclass
class World:
    """What a security test attacks: ids, tokens and the values that must stay secret."""

    h: Harness
    client: Any  # Quart's test client
    home: Salon  # the manager's branch
    other: Salon  # a branch the manager may not see
    admin_token: str
    manager_token: str  # manager of ``home`` only
    client_id: str  # the registered Telegram client
    appointment_id: str  # the client's booking in ``home``
    other_appointment_id: str  # a booking in ``other``
    hold_id: str  # the client's live hold in ``home``
    spare: dict[str, str] = field(default_factory=dict)  # branch/service/staff ids a fuzzer may delete

    def tma(self, tg_id: int = CLIENT_TG, **kw: Any) -> dict[str, str]:
        return tma_header(self.h, tg_id, **kw)

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    @property
    def manager(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.manager_token}"}

    @property
    def secrets(self) -> dict[str, str]:
        """Name → value of everything that must never be echoed or logged."""
        return {
            "JWT secret": JWT_SECRET, "bot token": BOT_TOKEN, "password": PASSWORD,
            "admin token": self.admin_token, "manager token": self.manager_token,
            "webhook secret": WEBHOOK_SECRET,
        }

    async def last_seq(self) -> int:
        return await self.h.z.journal.last_seq()


async def build_world(h: Harness, **overrides: Any) -> World:
    """Start ``h`` with the test bot token and seed two branches, a manager, a client and bookings."""
    h.overrides.setdefault("telegram_bot_token", BOT_TOKEN)
    h.overrides.setdefault("bot_mode", "off")
    h.overrides.update(overrides)
    client = await h.start()
    home = await seed_salon(h, client)
    other = await seed_salon(h, client)
    manager = await h.user("manager-anna", "manager", (home.branch_id,))
    headers = tma_header(h, CLIENT_TG)
    r = await client.post("/api/v1/clients/auth", json={"phone": CLIENT_PHONE}, headers=headers)
    assert r.status_code == 201, await r.get_data(as_text=True)
    client_id = (await r.get_json())["client"]["id"]
    appointment = await _book(client, headers, home, "12:00")
    other_appointment = await _book(client, headers, other, "13:00")
    r = await client.post("/api/v1/slots/hold", headers=headers, json={
        "branch_id": home.branch_id, "service_id": home.services["cut"], "start": at("15:00")})
    assert r.status_code == 201, await r.get_data(as_text=True)
    hold_id = (await r.get_json())["hold_id"]
    spare = await seed_salon(h, client, staff=1, services=(("spare", 30, 0),))
    spare_ids = {"branch_id": spare.branch_id, "service_id": spare.services["spare"], "staff_id": spare.staff[0]}
    return World(h, client, home, other, await h.user(), manager, client_id, appointment, other_appointment,
                 hold_id, spare_ids)


async def _book(client: Any, headers: dict[str, str], salon: Salon, hhmm: str) -> str:
    r = await client.post("/api/v1/appointments", headers=headers, json={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": at(hhmm)})
    assert r.status_code == 201, await r.get_data(as_text=True)
    return (await r.get_json())["id"]  # type: ignore[no-any-return]

