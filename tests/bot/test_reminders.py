"""Reminders 24 h and 2 h before a visit, on the injected clock: once each, across restarts, never for cancelled."""

from __future__ import annotations

from datetime import UTC, datetime

from actors.core.model import Appointment, Status
from bot.ledger import REMINDED
from bot.reminders import window
from tests.bot.support import TOKEN, book_first_time, bot_env, registered, serve_at
from tests.harness import T0, Harness
from tests.seed import seed_salon

ANNA = 7001
HOUR = 3600
OFFSETS = (24, 2)


def appointment(start: float, created: float, status: Status = Status.NEW) -> Appointment:
    return Appointment("a1", "b1", "c1", "s1", "m1", int(start), int(start) + HOUR, int(start) + HOUR, status,
                       "bot", "", created, created, 1)


def test_windows_do_not_overlap_and_late_bookings_skip_the_early_reminder() -> None:
    start = T0.timestamp() + 48 * HOUR
    early = appointment(start, T0.timestamp())
    assert window(early, start - 25 * HOUR, OFFSETS) is None  # too early
    assert window(early, start - 24 * HOUR, OFFSETS) == 24
    assert window(early, start - 3 * HOUR, OFFSETS) == 24
    assert window(early, start - 2 * HOUR, OFFSETS) == 2  # never both at once
    assert window(early, start - 1, OFFSETS) == 2
    assert window(early, start, OFFSETS) is None
    late = appointment(start, start - 3 * HOUR)  # booked 3 hours ahead
    assert window(late, start - 3 * HOUR, OFFSETS) is None
    assert window(late, start - 2 * HOUR, OFFSETS) == 2


async def reminders(h: Harness) -> list[dict[str, object]]:
    return [r.data async for r in h.z.journal.read_all(0) if r.type == REMINDED]


def sent_reminders(env: object) -> list[str]:
    return [m.text for m in env.session.sent(ANNA) if "Напоминаем" in m.text]  # type: ignore[attr-defined]


async def test_reminders_once_each_across_a_restart_and_none_when_cancelled(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    await seed_salon(h, client, address="ул. Пушкина, 10")
    async with serve_at(h) as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await book_first_time(anna, "вт 3.03", "14:00")  # Tuesday 11:00 UTC
        await book_first_time(anna, "вт 3.03", "16:00")  # … cancelled below: never reminded
        await anna.press("Мои записи")
        await anna.press("Отменить завтра 16:00")
        await anna.press("Да, отменить")
        await book_first_time(anna, "пн 2.03", "12:00")  # today, 3 hours ahead: only the 2-hour reminder
        notifier = env.start_notifier()
        await notifier.settle()
        assert sent_reminders(env) == []

        h.clock.set(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))  # 10:00 Moscow: 2 h before today's 12:00
        await notifier.settle()
        [today] = sent_reminders(env)
        assert "понедельник, 2 марта, 12:00" in today and "ул. Пушкина, 10" in today

        h.clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))  # 24 h before Tuesday 14:00 Moscow
        await notifier.settle()
        await notifier.settle()
        assert len(sent_reminders(env)) == 2 and "вторник, 3 марта, 14:00" in sent_reminders(env)[1]

        await env.stop_notifier()
        await h.restart()  # the marks are in the journal: nothing is sent again
        notifier = env.start_notifier()
        h.clock.advance(HOUR)
        await notifier.settle()
        assert len(sent_reminders(env)) == 2

        h.clock.set(datetime(2026, 3, 3, 9, 30, tzinfo=UTC))  # 12:30 Moscow: 1.5 h before 14:00
        await notifier.settle()
        await notifier.settle()
        texts = sent_reminders(env)
        assert len(texts) == 3 and "вторник, 3 марта, 14:00" in texts[2]
        assert all("16:00" not in t for t in texts)
        marks = await reminders(h)
        assert sorted(m["hours"] for m in marks) == [2, 2, 24]  # type: ignore[type-var]
        assert {m["outcome"] for m in marks} == {"sent"}

        h.clock.set(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # after the visit: nothing more
        await notifier.settle()
        assert len(sent_reminders(env)) == 3


async def test_a_moved_visit_is_reminded_for_its_new_time(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await book_first_time(anna, "вт 3.03", "10:00")  # 07:00 UTC Tuesday
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))  # inside its 24-hour window
        await notifier.settle()
        assert len(sent_reminders(env)) == 1
        r = await client.get("/api/v1/dashboard/board", headers=salon.headers)
        [card] = [c for col in (await r.get_json())["columns"] for c in col["cards"]]
        r = await client.patch(f"/api/v1/appointments/{card['id']}/reschedule", headers=salon.headers,
                               json={"start": "2026-03-04T10:00:00+03:00"})
        assert r.status_code == 200
        h.clock.set(datetime(2026, 3, 3, 7, 30, tzinfo=UTC))  # the new time's 24-hour window
        await notifier.settle()
        texts = sent_reminders(env)
        assert len(texts) == 2 and "среда, 4 марта, 10:00" in texts[1]
