"""The client's journey in the bot (SPEC §9.3), as a person would, on the manual clock:
reschedule from the reminder, «Приду», and rating a done visit once — through
``Dispatcher.feed_update`` with a recording session, and the wired bot against the
fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from actors.core.messages import ChangeStatus
from actors.core.model import Appointment, Status
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.support import TOKEN, book_first_time, bot_env, registered, serve_at
from tests.bot.test_telegram_fake import ANNA as ANNA_WIRED
from tests.bot.test_telegram_fake import PHONE, Tg, manual_booking, register_by_api, start
from tests.harness import Harness, free_port
from tests.seed import seed_salon

ANNA = 7101
HOUR = 3600


def visits(h: Harness, branch_id: str) -> list[Appointment]:
    return list(h.z.runtime.branch(branch_id).committed.appointments.values())


async def events(h: Harness, type_: str) -> list[Any]:
    return [r async for r in h.z.journal.read_all(0) if r.type == type_]


async def test_reschedule_from_the_24_hour_reminder(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await book_first_time(anna, "вт 3.03", "14:00")  # 11:00 UTC Tuesday
        await anna.press("Мои записи")
        assert "Перенести завтра 14:00" in anna.buttons() and "Отменить завтра 14:00" in anna.buttons()
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))  # the 24-hour reminder
        await notifier.settle()
        [reminder] = [m for m in env.session.sent(ANNA) if "Напоминаем" in m.text]
        labels = [b.text for row in reminder.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert labels[:3] == ["✅ Приду", "🔁 Перенести", "✖ Отменить"]

        await anna.press("Перенести")
        assert "Перенос записи" in anna.last_text() and "вторник, 3 марта, 14:00" in anna.last_text()
        await anna.press("ср 4.03")
        assert "мастер Master" in anna.last_text()
        await anna.press("15:00")
        assert "на <b>среда, 4 марта, 15:00</b>" in anna.last_text()
        first_tap, second_tap = anna.press_update("Да, перенести"), anna.press_update("Да, перенести")
        await anna.feed(first_tap)
        assert "Запись перенесена" in anna.last_text() and "среда, 4 марта, 15:00" in anna.last_text()
        [visit] = visits(h, salon.branch_id)
        assert datetime.fromtimestamp(visit.start, UTC) == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
        assert visit.status is Status.NEW
        [moved] = await events(h, "appointment.rescheduled")
        assert moved.data["by"] == "client" and moved.actor.startswith("client:")
        await anna.feed(second_tap)  # a double tap moves nothing again, and says it is moved
        assert "Запись перенесена" in anna.last_text()
        assert len(await events(h, "appointment.rescheduled")) == 1
        # The client's own move is not echoed back as a notification.
        await notifier.settle()
        assert not any("перенесена" in m.text and "Ваша" in m.text for m in env.session.sent(ANNA))


async def test_come_from_the_reminder_and_too_late_to_move(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await book_first_time(anna, "вт 3.03", "14:00")
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
        await notifier.settle()
        await anna.press("Приду")
        assert "Вы подтвердили визит" in anna.last_text() and "вторник, 3 марта, 14:00" in anna.last_text()
        [visit] = visits(h, salon.branch_id)
        assert visit.client_confirmed_at == h.clock.now()
        assert len(await events(h, "appointment.visit_confirmed")) == 1
        # The 2-hour reminder has only the usual buttons; then it is too late to move it.
        h.clock.set(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))  # 13:00 Moscow, an hour before
        await notifier.settle()
        late = [m for m in env.session.sent(ANNA) if "Напоминаем" in m.text][-1]
        labels = [b.text for row in late.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert "✅ Приду" not in labels
        await anna.press("Перенести")  # on the first reminder
        assert "не позже чем за 2 ч до визита" in anna.last_text()
        [visit] = visits(h, salon.branch_id)
        assert datetime.fromtimestamp(visit.start, UTC) == datetime(2026, 3, 3, 11, 0, tzinfo=UTC)


async def test_rate_a_done_visit_once_after_the_delay(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await book_first_time(anna, "пн 2.03", "12:00")
        [visit] = visits(h, salon.branch_id)
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))  # 13:00 Moscow: the visit is over
        await h.z.runtime.branch(salon.branch_id).ask(ChangeStatus(visit.id, Status.DONE))

        def asked() -> list[Any]:
            return [m for m in env.session.sent(ANNA) if "Как прошёл визит?" in m.text]

        h.clock.advance(2 * HOUR - 60)  # not yet: ZAPIS_FEEDBACK_DELAY_H is 2
        await notifier.settle()
        assert asked() == []
        h.clock.advance(60)
        await notifier.settle()
        await notifier.settle()
        [question] = asked()
        assert "понедельник, 2 марта, 12:00" in question.text
        four, five = anna.press_update("4 ⭐"), anna.press_update("5 ⭐")  # a change of mind, quickly
        await anna.feed(four)
        assert "Спасибо за оценку" in anna.last_text()
        [rated] = visits(h, salon.branch_id)
        assert rated.feedback == (4, "")
        await anna.feed(five)  # the first answer stands: rated once
        assert "уже оценили" in anna.last_text()
        assert [r.data["rating"] for r in await events(h, "appointment.feedback")] == [4]

        await env.stop_notifier()
        await h.restart()
        notifier = env.start_notifier()
        h.clock.advance(HOUR)
        await notifier.settle()
        assert len(asked()) == 1  # asked exactly once, across a restart too


async def test_an_unrated_visit_is_asked_once_and_never_after_the_window(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await book_first_time(anna, "пн 2.03", "12:00")
        await book_first_time(anna, "пн 2.03", "15:00")
        first, second = sorted(visits(h, salon.branch_id), key=lambda a: a.start)
        notifier = env.start_notifier(feedback_delay_h=1)
        h.clock.set(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
        await h.z.runtime.branch(salon.branch_id).ask(ChangeStatus(first.id, Status.DONE))
        h.clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
        await notifier.settle()
        await notifier.settle()
        h.clock.advance(3 * HOUR)
        await notifier.settle()
        asked = [m for m in env.session.sent(ANNA) if "Как прошёл визит?" in m.text]
        assert len(asked) == 1  # unrated, but asked once
        await env.stop_notifier()
        # A visit done while the bot was away for more than the window is not asked about.
        await h.z.runtime.branch(salon.branch_id).ask(ChangeStatus(second.id, Status.DONE))
        h.clock.advance(14 * HOUR)
        notifier = env.start_notifier(feedback_delay_h=1)
        await notifier.settle()
        assert len([m for m in env.session.sent(ANNA) if "Как прошёл визит?" in m.text]) == 1


# ------------------------------------------------------------ wired, against the fake Bot API server


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    f = FakeTelegram(TOKEN, free_port())
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


async def test_the_wired_bot_confirm_move_and_rate_through_telegram(harness: Harness, fake: FakeTelegram) -> None:
    """As run.py wires it (polling a fake Bot API server, the leader's notifier): «Приду» and
    «Перенести» under the reminder, then the stars after the visit."""
    client, port = await start(harness, fake)
    salon = await seed_salon(harness, client)
    async with serve_at(harness, port):
        anna = Tg(fake)
        await register_by_api(harness, f"http://127.0.0.1:{port}", ANNA_WIRED, PHONE)
        appointment = await manual_booking(client, salon, PHONE, "2026-03-03T12:00:00+03:00")
        notifier = harness.z.bot.notifier
        harness.clock.set(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))  # 23.5 h before: the first reminder
        await notifier.settle()
        await fake.wait_for(lambda: any("Напоминаем" in str(c.params.get("text")) for c in fake.delivered(ANNA_WIRED)))
        await anna.step(anna.press("Приду"), "Вы подтвердили визит")
        await anna.step(anna.press("Перенести"), "Перенос записи")
        await anna.step(anna.press("ср 4.03"), "Выберите новое время")
        await anna.step(anna.press("15:00"), "Перенести запись")
        await anna.step(anna.press("Да, перенести"), "Запись перенесена")
        moved = harness.z.scheduler.find_appointment(appointment)
        assert (moved.status, moved.client_confirmed_at) == (Status.NEW, None)
        assert datetime.fromtimestamp(moved.start, UTC) == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

        r = await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                               json={"status": "done"})
        assert r.status_code == 200
        harness.clock.advance(2 * HOUR)
        await notifier.settle()
        await fake.wait_for(lambda: any("Как прошёл визит?" in str(c.params.get("text"))
                                        for c in fake.delivered(ANNA_WIRED)))
        await anna.step(anna.press("5 ⭐"), "Спасибо за оценку")
        assert harness.z.scheduler.find_appointment(appointment).feedback == (5, "")


def test_feedback_delay_from_env() -> None:
    from settings import Settings, SettingsError

    assert Settings.from_env({}).feedback_delay_h == 2
    assert Settings.from_env({"ZAPIS_FEEDBACK_DELAY_H": "5"}).feedback_delay_h == 5
    for bad in ("-1", "two"):
        with pytest.raises(SettingsError):
            Settings.from_env({"ZAPIS_FEEDBACK_DELAY_H": bad})


async def test_a_visit_of_two_services_moves_whole(harness: Harness) -> None:
    """«стрижка + окрашивание» is offered only starts where both fit with the same master."""
    from api.telegram.initdata import sign_init_data

    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client)  # cut 60 min; colour 90 min + 15 min buffer; 09:00–18:00
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        tma = {"Authorization": "tma " + sign_init_data(TOKEN, {"id": ANNA, "first_name": "Анна"}, int(h.clock.now()))}
        r = await client.post("/api/v1/appointments", headers=tma, json={
            "branch_id": salon.branch_id, "service_ids": [salon.services["cut"], salon.services["colour"]],
            "start": "2026-03-03T10:00:00+03:00", "staff_id": salon.staff[0]})
        assert r.status_code == 201, await r.get_data(as_text=True)
        await anna.say("/my")
        await anna.press("Перенести завтра 10:00")
        assert "cut + colour" in anna.last_text()
        await anna.press("ср 4.03")
        assert "15:30" in anna.buttons() and "15:45" not in anna.buttons()  # 2.5 h must fit before 18:00
        await anna.press("15:30")
        await anna.press("Да, перенести")
        assert "Запись перенесена" in anna.last_text() and "cut + colour" in anna.last_text()
        [visit] = visits(h, salon.branch_id)
        assert datetime.fromtimestamp(visit.start, UTC) == datetime(2026, 3, 4, 12, 30, tzinfo=UTC)
        assert (visit.end - visit.start, visit.services_of_visit) == (150 * 60, (salon.services["cut"],
                                                                               salon.services["colour"]))
