"""One notifier among server processes on one PostgreSQL: the elected leader sends (SPEC §9.5).

Two apps (``tests/harness.py``) on one schema and one clock stand for two
processes, each with the real in-process bot (``run.build``) talking to its
own fake Bot API server, so a message shows which process sent it. Every
status change (here: a cancellation) gives exactly one message; when the leader's app closes, or
its election connection is cut, the other takes over within about two
seconds and later changes, and reminders, still go out once. Only the
leader polls Telegram and saves snapshots; a former leader that wakes up
stands down at its next mark (the ledger's expected version).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from actors.core.clock import ManualClock
from storage.leader import PostgresLeadership
from storage.postgres import PostgresJournal
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.support import TOKEN
from tests.client.kit import tma
from tests.harness import T0, Harness, free_port
from tests.pg import fresh_pg_schema, require_pg_url
from tests.seed import Salon, seed_salon

pytestmark = pytest.mark.postgres

ANNA, PHONE = 7001, "+79990001122"
TAKEOVER_S = 2.5


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[list[tuple[Harness, FakeTelegram]]]:
    """Two apps on one fresh schema and clock, each with its bot on its own fake Telegram (not started)."""
    url = require_pg_url()
    async with fresh_pg_schema(url) as schema:
        clock = ManualClock(T0)
        pairs = []
        for name in "ab":
            fake = FakeTelegram(TOKEN, free_port())
            await fake.start()
            h = Harness(lambda: PostgresJournal(url, schema=schema), tmp_path / name, clock=clock, overrides={
                "telegram_bot_token": TOKEN, "bot_mode": "webhook", "webhook_secret": "s3cret",
                "telegram_api_url": fake.url, "api_base_url": f"http://127.0.0.1:{free_port()}"})
            pairs.append((h, fake))
        try:
            yield pairs
        finally:
            for h, fake in reversed(pairs):
                await h.stop()
                await fake.stop()


def leadership(h: Harness) -> PostgresLeadership:
    lead = h.z.leadership
    assert isinstance(lead, PostgresLeadership)
    return lead


async def book(client: Any, salon: Salon, start: str) -> str:
    r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": start,
        "client": {"phone": PHONE}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    return str((await r.get_json())["id"])


async def cancel(client: Any, salon: Salon, appointment: str) -> None:
    r = await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "cancelled"})
    assert r.status_code == 200, await r.get_data(as_text=True)


def texts(fake: FakeTelegram) -> list[str]:
    return [str(c.params["text"]) for c in fake.delivered(ANNA)]


def status_messages(fake: FakeTelegram) -> list[str]:
    return [t for t in texts(fake) if "Салон отменил вашу запись" in t]


async def two_salons(a: Harness, ca: Any) -> tuple[Salon, Salon, list[str], list[str]]:
    """Two branches with two visits each for Anna, booked through ``a`` (the first process)."""
    first = await seed_salon(a, ca, address="ул. Пушкина, 10")
    second = await seed_salon(a, ca, address="ул. Ленина, 1")
    r = await ca.post("/api/v1/clients/auth", json={"phone": PHONE}, headers=tma(a, ANNA, token=TOKEN))
    assert r.status_code == 201, await r.get_data(as_text=True)
    starts = ("2026-03-03T12:00:00+03:00", "2026-03-03T15:00:00+03:00")
    return (first, second, [await book(ca, first, s) for s in starts],
            [await book(ca, second, s) for s in starts])


async def test_each_change_is_told_once_and_the_other_process_takes_over(
    cluster: list[tuple[Harness, FakeTelegram]],
) -> None:
    (a, fake_a), (b, fake_b) = cluster
    ca = await a.start()
    first, second, mine, theirs = await two_salons(a, ca)
    cb = await b.start()
    assert leadership(a).is_leader and not leadership(b).is_leader
    await fake_a.wait_for(lambda: len(texts(fake_a)) == 4)  # «Вас записали» for each manual booking

    for appointment in mine:
        await cancel(ca, first, appointment)
    await fake_a.wait_for(lambda: len(status_messages(fake_a)) == 2)

    loop = asyncio.get_running_loop()
    closed = loop.time()
    await a.stop()
    await asyncio.wait_for(leadership(b).acquired(), TAKEOVER_S)
    assert loop.time() - closed < TAKEOVER_S

    # Changes after the takeover go out through b. (Only b writes now: its state of the
    # second branch is the journal's whether or not it follows a's commits.)
    await cancel(cb, second, theirs[1])
    await book(cb, second, "2026-03-04T12:00:00+03:00")
    await fake_b.wait_for(lambda: len(texts(fake_b)) == 2)
    assert b.z.bot is not None
    await b.z.bot.notifier.settle()
    assert len(texts(fake_a)) == 6 and len(texts(fake_b)) == 2  # nothing twice, nothing lost
    assert "Салон отменил вашу запись" in texts(fake_b)[0] and "вторник, 3 марта, 15:00" in texts(fake_b)[0]
    assert "Вас записали" in texts(fake_b)[1] and "среда, 4 марта, 12:00" in texts(fake_b)[1]

    # Reminders run in the leader too: 24 hours ahead of Tuesday's 12:00 visit that was not cancelled.
    b.clock.advance(3 * 3600 + 60)  # Monday 12:01
    await b.z.bot.notifier.settle()
    assert len(texts(fake_a)) == 6 and len(texts(fake_b)) == 3
    assert "вторник, 3 марта, 12:00" in texts(fake_b)[2] and "Ленина" in texts(fake_b)[2]


async def test_a_leader_that_loses_its_connection_stops_sending(
    cluster: list[tuple[Harness, FakeTelegram]],
) -> None:
    (a, fake_a), (b, fake_b) = cluster
    ca = await a.start()
    first, second, mine, theirs = await two_salons(a, ca)
    cb = await b.start()
    await fake_a.wait_for(lambda: len(texts(fake_a)) == 4)
    lead_a = leadership(a)
    assert lead_a.is_leader and lead_a.backend_pid is not None

    conn = await asyncpg.connect(require_pg_url())
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", lead_a.backend_pid)
    finally:
        await conn.close()
    await asyncio.wait_for(lead_a.lost(), TAKEOVER_S)
    await asyncio.wait_for(leadership(b).acquired(), TAKEOVER_S)
    assert a.z.bot is not None and b.z.bot is not None
    assert not lead_a.is_leader  # b holds the lock now; a keeps trying

    for appointment in theirs:
        await cancel(cb, second, appointment)
    await fake_b.wait_for(lambda: len(status_messages(fake_b)) == 2)
    await b.z.bot.notifier.settle()
    assert len(texts(fake_a)) == 4 and len(texts(fake_b)) == 2

    # b closes: a leads again and picks up where b's marks end (nothing repeated).
    await b.stop()
    await asyncio.wait_for(lead_a.acquired(), TAKEOVER_S)
    for appointment in mine:
        await cancel(ca, first, appointment)
    await fake_a.wait_for(lambda: len(status_messages(fake_a)) == 2)
    await a.z.bot.notifier.settle()
    assert len(texts(fake_a)) == 6 and len(texts(fake_b)) == 2


async def test_only_the_leader_polls_telegram(cluster: list[tuple[Harness, FakeTelegram]]) -> None:
    (a, fake_a), (b, fake_b) = cluster
    for h, _ in cluster:
        h.overrides["bot_mode"] = "polling"
    await a.start()
    await b.start()
    await fake_a.wait_for(lambda: bool(fake_a.of("deleteWebhook")))  # polling begins with deleteWebhook
    assert leadership(a).is_leader and not leadership(b).is_leader
    assert fake_b.of("deleteWebhook") == [] and fake_b.of("getMe") == []
    await a.stop()
    await fake_b.wait_for(lambda: bool(fake_b.of("deleteWebhook")), TAKEOVER_S)


async def test_a_former_leader_stands_down_at_its_next_mark(tmp_path: Path) -> None:
    """A notifier that had not noticed its term was over sends at most the message in flight again.

    ``stale`` loaded the ledger, then "paused"; meanwhile the leader told Anna
    of two cancellations and marked them. Waking, ``stale`` reads the first
    event and sends it (the second and last time); its mark finds the ledger
    moved on (the expected version), so it re-reads the ledger and resumes
    after the leader's marks: the second cancellation is not sent again.
    """
    from aiogram import Bot

    from bot.notifier import Notifier
    from bot.sender import Sender
    from bot.state_view import CommittedView
    from storage.sqlite import SqliteJournal
    from tests.bot.recording import RecordingSession
    from tests.bot.support import bot_env

    h = Harness(lambda: SqliteJournal(tmp_path / "j.sqlite3"), tmp_path, overrides={"telegram_bot_token": TOKEN})
    try:
        client = await h.start()
        salon = await seed_salon(h, client)
        r = await client.post("/api/v1/clients/auth", json={"phone": PHONE}, headers=tma(h, ANNA, token=TOKEN))
        assert r.status_code == 201
        visits = [await book(client, salon, f"2026-03-03T{hh}:00:00+03:00") for hh in (12, 15)]
        async with bot_env(h, "http://127.0.0.1:9") as env:
            leader = env.start_notifier()
            await leader.settle()
            session = RecordingSession()
            stale = Notifier(h.z.journal, CommittedView(h.z.scheduler), Sender(Bot(TOKEN, session=session)), h.clock)
            await stale.ledger.load()
            stale.read_pos = stale.handled = stale.ledger.upto
            for appointment in visits:
                await cancel(client, salon, appointment)
            await leader.settle()
            told = [m.text for m in env.session.sent(ANNA)][-2:]
            assert all("Салон отменил вашу запись" in t for t in told)

            await stale._round()  # wakes up: one round, as its loop would run it
            assert [m.text for m in session.sent(ANNA)] == told[:1]  # the message in flight, once more
            assert stale.read_pos == stale.handled == leader.handled  # resumed after the leader's marks
            await stale._round()
            assert len(session.sent(ANNA)) == 1
            assert len(env.session.sent(ANNA)) == 2  # the cancellations (booked before the bot started)
    finally:
        await h.stop()


async def test_only_the_leader_saves_snapshots(cluster: list[tuple[Harness, FakeTelegram]]) -> None:
    (a, _), (b, _) = cluster
    for h, _ in cluster:
        h.overrides.update(bot_mode="off", snapshot_every=5)
    await a.start()
    await b.start()
    assert (a.z.runtime.snapshot_every, a.z.runtime.snapshot_on_stop) == (5, True)
    assert (b.z.runtime.snapshot_every, b.z.runtime.snapshot_on_stop) == (0, False)
    await a.stop()
    await asyncio.wait_for(leadership(b).acquired(), TAKEOVER_S)
    assert (b.z.runtime.snapshot_every, b.z.runtime.snapshot_on_stop) == (5, True)
