"""Single senders over real processes: 3 × ``python run.py`` with the bot on, nginx in front (SPEC §9.5).

Every process runs the in-process bot against one fake Bot API server (this
test's), so a message shows up once whoever sent it. Changes are made
through nginx (round-robin: every process commits some); each is told to
the client exactly once. Then the leader is killed (``kill -9``) while
Telegram holds its ``sendMessage`` open: another process takes over, sends
that message again (at most twice, never zero times — Telegram may have
shown the first) and the reminders that fell due meanwhile.

A "barrier" ends each check: the notifier tells changes in ``seq`` order, so
once the message of a later change is in, every earlier one has been sent;
counting then cannot miss a late duplicate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from api.telegram.initdata import sign_init_data
from tests.bot.fake_telegram import FakeTelegram
from tests.cluster.processes import (
    ADMIN_LOGIN, ADMIN_PASSWORD, BOT_TOKEN, ProcessCluster, Server, process_cluster, wait_until,
)
from tests.harness import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ANNA, PHONE = 7001, "+79990001122"
TIMEOUT = 30.0  # a wait that hits it is a failure (busy 2-core machine)
LEADS = "leader: this process now runs the notifier"
BOOKED, CANCELLED, REMINDED = "Вас записали", "Салон отменил вашу запись", "Напоминаем о записи"


def _zone_where_noon_is(instant: datetime) -> str:
    """An ``Etc/GMT±N`` zone in which ``instant`` falls around midday (so a visit then is in
    working hours and far from midnight whenever the test runs)."""
    shift = (12 - instant.hour) % 24
    shift = shift - 24 if shift > 12 else shift
    return "Etc/GMT" if shift == 0 else f"Etc/GMT{-shift:+d}"  # Etc/GMT-3 is UTC+3


class Salon:
    def __init__(self, c: ProcessCluster, token: str) -> None:
        self.c = c
        self.admin = {"Authorization": f"Bearer {token}"}
        self.http = httpx.AsyncClient(base_url=c.url, timeout=TIMEOUT)  # through nginx
        self.branch = self.service = ""

    async def open(self, zone: str) -> None:
        async with httpx.AsyncClient(base_url=self.c.servers[0].url, timeout=TIMEOUT) as a:
            r = await a.post("/api/v1/admin/branches", headers=self.admin, json={"name": "Салон", "timezone": zone})
            assert r.status_code == 201, r.text
            self.branch = r.json()["id"]
            r = await a.post("/api/v1/admin/services", headers=self.admin, json={
                "name": "Стрижка", "price": "1500.00", "duration_min": 15, "buffer_min": 0,
                "branch_ids": [self.branch]})
            assert r.status_code == 201, r.text
            self.service = r.json()["id"]
            every_day = {d: [["06:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
            r = await a.post("/api/v1/admin/staff", headers=self.admin, json={
                "branch_id": self.branch, "name": "Мария", "service_ids": [self.service], "schedule": every_day})
            assert r.status_code == 201, r.text
        init = sign_init_data(BOT_TOKEN, {"id": ANNA, "first_name": "Анна"}, int(time.time()))
        r = await self.http.post("/api/v1/clients/auth", json={"phone": PHONE}, headers={"Authorization": f"tma {init}"})
        assert r.status_code == 201, r.text

    async def book(self, start: datetime) -> str:
        r = await self.http.post("/api/v1/appointments/manual", headers=self.admin, json={
            "branch_id": self.branch, "service_id": self.service, "start": start.isoformat(),
            "client": {"phone": PHONE}})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    async def cancel(self, appointment: str) -> None:
        r = await self.http.patch(f"/api/v1/appointments/{appointment}/status", headers=self.admin,
                                  json={"status": "cancelled"})
        assert r.status_code == 200, r.text


def _leader(servers: list[Server], skip: Server | None = None) -> Server:
    """The one running server whose log says it leads now (the last such line of its current run)."""
    leading = []
    for s in servers:
        if s is skip or not s.running():
            continue
        run = s.log.read_text().rsplit("--- start ", 1)[-1]
        if LEADS in run:
            leading.append(s)
    assert len(leading) == 1, [s.name for s in leading]
    return leading[0]


def _count(fake: FakeTelegram, *parts: str) -> int:
    return sum(all(p in str(c.params.get("text", "")) for p in parts) for c in fake.delivered(ANNA))


async def _wait(fake: FakeTelegram, what: Callable[[], bool]) -> None:
    await fake.wait_for(what, TIMEOUT)


async def _in_thread(check: Callable[[], Any]) -> Any:
    return await asyncio.to_thread(check)


async def test_each_change_is_told_once_and_a_leader_killed_mid_send_is_replaced(tmp_path: Path) -> None:
    fake = FakeTelegram(BOT_TOKEN, free_port())
    await fake.start()
    stack = ExitStack()
    try:
        c: ProcessCluster = await asyncio.to_thread(stack.enter_context, process_cluster(
            tmp_path, 3, ZAPIS_BOT_MODE="webhook", ZAPIS_WEBHOOK_SECRET="s3cret", ZAPIS_TELEGRAM_API_URL=fake.url,
            ZAPIS_BOOKINGS_PER_MINUTE="0"))
        with httpx.Client(base_url=c.url, timeout=TIMEOUT) as http:
            r = http.post("/api/v1/auth/login", json={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
            assert r.status_code == 200, r.text
        salon = Salon(c, r.json()["access_token"])
        now = datetime.now(UTC).replace(second=0, microsecond=0)  # bookings start on whole minutes
        soon = now + timedelta(hours=2, minutes=1)  # its 2-hour reminder falls due within a minute
        if soon - timedelta(hours=2) < datetime.now(UTC) + timedelta(seconds=10):
            soon += timedelta(minutes=1)  # (leave the steps below time to run before that)
        zone = ZoneInfo(_zone_where_noon_is(soon))
        await salon.open(zone.key)

        def hhmm(t: datetime) -> str:
            return t.astimezone(zone).strftime("%H:%M")

        await _in_thread(lambda: wait_until("a leader", lambda: any(LEADS in s.log.read_text() for s in c.servers),
                                            TIMEOUT))
        leader = _leader(c.servers)

        # Three processes, changes through nginx: each told exactly once.
        later = [now + timedelta(days=1, hours=h) for h in (0, 1, 2, 3)]
        visits = [await salon.book(t) for t in later]
        await salon.cancel(visits[0])
        await _wait(fake, lambda: _count(fake, CANCELLED, hhmm(later[0])) == 1)
        assert _count(fake, BOOKED) == 4 and _count(fake, CANCELLED) == 1

        # The client's visit that is reminded 2 hours ahead: booked before its moment.
        await salon.book(soon)
        await _wait(fake, lambda: _count(fake, BOOKED) == 5)

        # Telegram holds the leader's next message open; the leader dies waiting for the answer.
        fake.send_faults.append("hang_then_ok")
        await salon.cancel(visits[1])
        await _wait(fake, lambda: any(CANCELLED in str(x.params.get("text")) and x.ok is None
                                      for x in fake.attempts()))
        while datetime.now(UTC) < soon - timedelta(hours=2):  # until the reminder is due (< 80 s)
            await asyncio.sleep(0.1)
        assert _count(fake, REMINDED) == 0  # the leader's notifier is stuck on the open send
        await _in_thread(leader.kill)
        fake.release_hang.set()  # Telegram shows the message the dead leader sent

        # Another process takes over: the message again (at most twice), and the reminder.
        await _in_thread(lambda: wait_until(
            "a new leader", lambda: any(LEADS in s.log.read_text().rsplit("--- start ", 1)[-1]
                                        for s in c.servers if s is not leader), TIMEOUT))
        successor = _leader(c.servers, skip=leader)
        await _wait(fake, lambda: _count(fake, REMINDED) == 1)
        await salon.cancel(visits[2])  # the barrier: told after everything before it
        await _wait(fake, lambda: _count(fake, CANCELLED, hhmm(later[2])) == 1)
        shown = _count(fake, CANCELLED, hhmm(later[1]))
        assert shown in (1, 2)  # at most twice, never zero times
        assert _count(fake, CANCELLED) == 2 + shown
        assert _count(fake, BOOKED) == 5 and _count(fake, REMINDED) == 1  # nothing else repeated
        print(f"\nleader {leader.name} killed mid-send; {successor.name} took over; "
              f"the open message was shown {shown} time(s)")

        # The killed process comes back as a follower: nothing is sent twice.
        await _in_thread(leader.start)
        await _in_thread(leader.wait_ready)
        await salon.cancel(visits[3])
        await _wait(fake, lambda: _count(fake, CANCELLED, hhmm(later[3])) == 1)
        assert _count(fake, CANCELLED) == 3 + shown
        assert _count(fake, BOOKED) == 5 and _count(fake, REMINDED) == 1
    finally:
        await asyncio.to_thread(stack.close)
        await fake.stop()
