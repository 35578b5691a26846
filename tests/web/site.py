"""The dashboard under test: the demo salon on the real app graph behind Hypercorn.

``Site`` holds the harness (manual clock at Monday 2026-03-02 09:00 Moscow),
the in-process test client for setting things up through the API, the base
URL the browser opens, and the demo's ids. Browser pages come from
``tests/web/conftest.py``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from actors.demo import DEMO_BRANCH, DEMO_SERVICES, DEMO_STAFF
from api.telegram.initdata import sign_init_data
from tests.harness import Harness

CHROMIUM = "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else shutil.which("chromium") or "chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# Date and time inputs drawn as a Russian browser draws them (02.03.2026, 18:00): Chromium
# takes its UI language from the environment and needs Debian's chromium-l10n for it.
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "ru", "LANG": "ru_RU.UTF-8"}
REQUIRE_VARIABLE = "ZAPIS_REQUIRE_BROWSER"
ADMIN_PASSWORD = "demo-admin-password"
BOT_TOKEN = "123456:TEST-bot-token-for-the-web-tests"
MOSCOW = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 3, 2)  # the harness clock's local date; it is 09:00 there
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# Browser tests run on the session's event loop, where the shared Chromium lives.
SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


def require_browser() -> None:
    """Skip without Chromium or Playwright; fail instead when ZAPIS_REQUIRE_BROWSER=1 (CI)."""
    missing = None
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "playwright is not installed (pip install -e '.[test]')"
    if missing is None and not os.access(CHROMIUM, os.X_OK):
        missing = "chromium is missing (apt-get install -y chromium)"
    if missing is None:
        return
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {missing}", pytrace=False)
    pytest.skip(missing)


def at(hhmm: str, day: date = MONDAY) -> str:
    """ISO instant (Moscow offset) of local wall time ``hhmm`` on ``day``."""
    hh, mm = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hh, mm), tzinfo=MOSCOW).isoformat()


def card(appointment_id: str, status: str | None = None) -> str:
    """CSS selector of a board card (in the column of ``status``, if given)."""
    column = f'.column[data-status="{status}"] ' if status else ""
    return f'{column}.card[data-id="{appointment_id}"]'


def artifact(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


@dataclass
class Site:
    h: Harness
    api: Any  # Quart's test client (same app, in process)
    base: str  # what the browser opens
    branch_id: str
    services: dict[str, str]  # demo service name -> id
    staff: dict[str, str]  # demo master name -> id
    headers: dict[str, str]  # the admin's Authorization

    async def manual(self, start: str, *, phone: str, name: str, service: str = "Женская стрижка",
                     staff: str | None = "Анна Смирнова", status: str | None = None) -> dict[str, Any]:
        """A booking taken on the phone, through the API."""
        body: dict[str, Any] = {"branch_id": self.branch_id, "service_id": self.services[service], "start": start,
                                "client": {"phone": phone, "name": name}}
        if staff is not None:
            body["staff_id"] = self.staff[staff]
        if status is not None:
            body["status"] = status
        r = await self.api.post("/api/v1/appointments/manual", json=body, headers=self.headers)
        assert r.status_code == 201, await r.get_data(as_text=True)
        return await r.get_json()  # type: ignore[no-any-return]

    async def client_books(self, start: str, *, telegram_id: int, phone: str, name: str,
                           service: str = "Мужская стрижка") -> dict[str, Any]:
        """A client's booking through the Telegram client API (``Authorization: tma …``)."""
        init = sign_init_data(BOT_TOKEN, {"id": telegram_id, "first_name": name}, int(self.h.clock.now()))
        headers = {"Authorization": f"tma {init}"}
        r = await self.api.post("/api/v1/clients/auth", json={"phone": phone, "name": name}, headers=headers)
        assert r.status_code in (200, 201), await r.get_data(as_text=True)
        r = await self.api.post("/api/v1/appointments", headers=headers, json={
            "branch_id": self.branch_id, "service_id": self.services[service], "start": start})
        assert r.status_code == 201, await r.get_data(as_text=True)
        return await r.get_json()  # type: ignore[no-any-return]

    async def appointment(self, appointment_id: str) -> dict[str, Any]:
        """The appointment as the API has it now (from the board of the whole window)."""
        r = await self.api.get("/api/v1/dashboard/board", headers=self.headers, query_string={
            "date_from": "2026-02-20", "date_to": "2026-04-30"})
        assert r.status_code == 200, await r.get_data(as_text=True)
        for column in (await r.get_json())["columns"]:
            for card in column["cards"]:
                if card["id"] == appointment_id:
                    return card  # type: ignore[no-any-return]
        raise AssertionError(f"no appointment {appointment_id}")


async def open_site(h: Harness) -> tuple[Any, str, dict[str, str], dict[str, str], dict[str, str]]:
    """Start the app with the demo salon; (client, branch_id, services, staff, admin headers)."""
    from actors.demo import ensure_demo

    client = await h.start()
    # Without the demo week: each test books the cards it looks at.
    await ensure_demo(h.z.scheduler, h.z.settings.admin_password, h.z.passwords.hash, week=False)
    scheduler = h.z.scheduler
    branch = next(b for b in scheduler.open_branches() if b.name == DEMO_BRANCH)
    services = {s.name: s.id for s in scheduler.services()}
    assert set(services) == {name for name, _, _ in DEMO_SERVICES}
    staff = {s.name: s.id for s in scheduler.staff(branch.id)}
    assert set(staff) == set(DEMO_STAFF)
    return client, branch.id, services, staff, await h.admin_headers()
