"""The notifier: who is told what, retries, refusals, restarts, and its ledger in the journal."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage

from actors.streams import NOTIFIER
from bot.ledger import CHECKPOINT, REMINDED, SENT
from bot.notifier import Notifier
from bot.sender import Sender
from bot.state_view import CommittedView
from run import replay_journal
from tests.bot.support import (
    TOKEN,
    BotEnv,
    book_first_time,
    pick_service,
    bot_env,
    registered,
    serve_at,
)
from tests.harness import Harness
from tests.seed import Salon, seed_salon

ANNA, BORIS = 7001, 7002
SEND = SendMessage(chat_id=ANNA, text="x")


async def start(h: Harness) -> tuple[Any, Salon]:
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    return client, await seed_salon(h, client, address="ул. Пушкина, 10")


async def booked(env: BotEnv, client: Any, salon: Salon, time: str = "10:00") -> str:
    """Anna books through the bot; the appointment id."""
    anna = await registered(env, ANNA, "+79990001122")
    await book_first_time(anna, "пн 2.03", time)
    r = await client.get("/api/v1/dashboard/board", headers=salon.headers)
    cards = [c for col in (await r.get_json())["columns"] for c in col["cards"]]
    return str(cards[0]["id"])


async def ledger(h: Harness) -> list[Any]:
    return [r async for r in h.z.journal.read_all(0, stream=NOTIFIER)]


async def test_manager_actions_are_told_client_actions_are_not(harness: Harness) -> None:
    client, salon = await start(harness)
    async with harness.serve() as url, bot_env(harness, url) as env:
        notifier = env.start_notifier()
        appointment = await booked(env, client, salon)
        await notifier.settle()
        base = len(env.session.sent(ANNA))
        r = await client.patch(f"/api/v1/appointments/{appointment}/reschedule", headers=salon.headers,
                               json={"start": "2026-03-02T15:00:00+03:00", "staff_id": salon.staff[1]})
        assert r.status_code == 200
        r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={
            "branch_id": salon.branch_id, "service_id": salon.services["cut"],
            "start": "2026-03-04T12:00:00+03:00", "client": {"phone": "+79990001122"}})
        assert r.status_code == 201
        r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={  # phone only
            "branch_id": salon.branch_id, "service_id": salon.services["cut"],
            "start": "2026-03-04T12:00:00+03:00", "client": {"phone": "+79995550000"}})
        assert r.status_code == 201
        r = await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                               json={"status": "cancelled"})
        assert r.status_code == 200
        await notifier.settle()
        texts = [m.text for m in env.session.sent(ANNA)[base:]]
        assert len(texts) == 3, texts
        assert "перенесена" in texts[0] and "15:00" in texts[0] and "Master 2" in texts[0]
        assert "Вас записали" in texts[1] and "среда, 4 марта, 12:00" in texts[1]
        assert "Салон отменил вашу запись" in texts[2]
        assert len(env.session.sent()) == len(env.session.sent(ANNA))  # nobody else was messaged
        for m in env.session.sent(ANNA)[base:]:  # every notice offers a way into the bot
            assert [b.text for b in m.reply_markup.inline_keyboard[0]] == ["🗂 Мои записи", "☰ Меню"]  # type: ignore[union-attr]
        marks = [r for r in await ledger(harness) if r.type == SENT]
        assert [m.data["kind"] for m in marks] == ["rescheduled", "created", "status:cancelled"]
        assert {m.actor for m in marks} == {"system:notifier"}


async def test_retry_after_and_network_errors_then_one_delivery(harness: Harness) -> None:
    client, salon = await start(harness)
    async with harness.serve() as url, bot_env(harness, url) as env:
        appointment = await booked(env, client, salon)
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        z = harness.z
        notifier = Notifier(z.journal, CommittedView(z.scheduler), Sender(env.bot, sleep=sleep), harness.clock)
        env.notifier = notifier
        notifier.start()
        await notifier.settle()
        env.session.failures = [TelegramRetryAfter(SEND, "Too Many Requests", 7),
                                TelegramNetworkError(SEND, "connection reset")]
        base = len(env.session.sent(ANNA))
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "confirmed"})
        await notifier.settle()
        assert waits == [7.0, 1.0]  # retry_after exactly, then the backoff's first step
        assert len(env.session.sent(ANNA)) == base + 1


async def test_a_user_who_blocked_the_bot_does_not_stop_the_others(harness: Harness) -> None:
    client, salon = await start(harness)
    async with harness.serve() as url, bot_env(harness, url) as env:
        notifier = env.start_notifier()
        appointment = await booked(env, client, salon)
        await notifier.settle()
        env.session.failures = [TelegramForbiddenError(SEND, "Forbidden: bot was blocked by the user")]
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "confirmed"})
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "done"})
        await notifier.settle()
        assert "Спасибо за визит" in env.session.sent(ANNA)[-1].text
        marks = [r.data for r in await ledger(harness) if r.type == SENT]
        assert marks[0]["outcome"].startswith("refused: Forbidden") and marks[1]["outcome"] == "sent"


async def test_restart_between_change_and_send_gives_exactly_one_message(harness: Harness) -> None:
    client, salon = await start(harness)
    async with serve_at(harness) as url, bot_env(harness, url) as env:
        appointment = await booked(env, client, salon)
        notifier = env.start_notifier()
        await notifier.settle()
        await env.stop_notifier()  # the process dies before the change is sent …
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "confirmed"})
        client = await harness.restart()  # … and the server restarts
        base = len(env.session.sent(ANNA))
        notifier = env.start_notifier()
        await notifier.settle()
        assert [m.text.split("\n")[0] for m in env.session.sent(ANNA)[base:]] == \
            ["✅ <b>Ваша запись подтверждена</b>"]
        await env.stop_notifier()  # a clean stop after delivery …
        client = await harness.restart()
        notifier = env.start_notifier()  # … repeats nothing
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "in_progress"})
        await notifier.settle()
        texts = [m.text for m in env.session.sent(ANNA)[base:]]
        assert len(texts) == 2 and "визит начался" in texts[1]


async def test_first_start_sends_no_history_and_checkpoints(harness: Harness) -> None:
    client, salon = await start(harness)
    async with harness.serve() as url, bot_env(harness, url) as env:
        appointment = await booked(env, client, salon)
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "confirmed"})
        base = len(env.session.sent(ANNA))
        notifier = env.start_notifier(checkpoint_every=2)  # a bot added to a running business
        await notifier.settle()
        assert len(env.session.sent(ANNA)) == base
        [first] = await ledger(harness)
        assert first.type == CHECKPOINT and first.data["seq"] == first.seq - 1
        for _ in range(3):  # holds: events with nothing to send
            await book_hold(env)
        await notifier.settle()
        await notifier.settle()
        checkpoints = [r for r in await ledger(harness) if r.type == CHECKPOINT]
        assert len(checkpoints) >= 2 and checkpoints[-1].data["seq"] > first.data["seq"]


async def book_hold(env: BotEnv) -> None:
    anna = env.person(ANNA)
    await anna.say("/book")
    await pick_service(anna, "cut")
    await anna.press("пн 2.03")
    await anna.press("16:00")


async def test_ledger_events_are_not_state_and_are_quiet_in_the_journal_view(harness: Harness) -> None:
    client, salon = await start(harness)
    async with harness.serve() as url, bot_env(harness, url) as env:
        notifier = env.start_notifier()
        appointment = await booked(env, client, salon)
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "confirmed"})
        await notifier.settle()
    assert {r.type for r in await ledger(harness)} >= {CHECKPOINT, SENT}
    r = await client.get("/api/v1/system/journal", headers=salon.headers, query_string={"limit": "1000"})
    assert NOTIFIER not in {e["stream"] for e in (await r.get_json())["events"]}
    r = await client.get("/api/v1/system/journal", headers=salon.headers, query_string={"stream": NOTIFIER})
    assert {e["type"] for e in (await r.get_json())["events"]} >= {CHECKPOINT, SENT}
    assert REMINDED not in {e.type for e in await ledger(harness)}
    client = await harness.restart()  # start-up folds the journal: the side stream is skipped
    r = await client.get("/api/v1/clients?q=%2B79990001122", headers=salon.headers)
    assert r.status_code == 200
    await harness.stop()
    assert await replay_journal(harness.journal_factory(), None) == 0
