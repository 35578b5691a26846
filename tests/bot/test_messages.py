"""Messages that stay true, rules said before they bind, time said clearly, a stuck client (SPEC §9.6, issue 16).

As a person would, through the dispatcher on a recording Bot API session that answers an edit
to the same text as Telegram does («message is not modified»), on the manual clock (Monday
2 March 2026, 09:00 in Moscow).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiogram.types import CallbackQuery, Message, Update

from actors.core.messages import ChangeStatus
from actors.core.model import Appointment, Status
from tests.bot.recording import Person
from tests.bot.support import TOKEN, book_first_time, bot_env, pick_service, registered
from tests.harness import Harness
from tests.seed import seed_salon

ANNA, BORIS = 7301, 7302
PHONE = "+79990001122"
SALON_PHONE = "+74951234567"
SHOWN_PHONE = "+7 495 123-45-67"


async def start(h: Harness) -> Any:
    h.overrides["telegram_bot_token"] = TOKEN
    return await h.start()


def visits(h: Harness, branch_id: str) -> list[Appointment]:
    return list(h.z.runtime.branch(branch_id).committed.appointments.values())


def screen_of(person: Person, text_part: str) -> tuple[int, str]:
    """The newest message in the chat whose current text contains ``text_part``: (id, text)."""
    for message_id, (text, _) in sorted(person.session.screens[person.chat.id].items(), reverse=True):
        if text_part in text:
            return message_id, text
    raise AssertionError(f"no message with {text_part!r}")


def labels(person: Person, message_id: int) -> list[str]:
    _, markup = person.session.screens[person.chat.id][message_id]
    return [b.text for row in (markup.inline_keyboard if markup else []) for b in row]


def as_it_is_now(person: Person, update: Update) -> Update:
    """A tap made on the message as Telegram holds it now (a double tap arrives after the first edit)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    text, markup = person.session.screens[person.chat.id][query.message.message_id]
    message = query.message.model_copy(update={"text": text, "reply_markup": markup})
    return person.update(callback_query=CallbackQuery(  # a new update: Telegram sends each tap
        id=query.id + "b", from_user=query.from_user, chat_instance="ci", message=message, data=query.data))


def sends(person: Person, part: str) -> int:
    return sum(1 for m in person.session.sent(person.chat.id) if part in m.text)


async def test_facts_stay_and_navigation_opens_a_new_message(harness: Harness) -> None:
    h = harness
    client = await start(h)
    salon = await seed_salon(h, client, phone=SALON_PHONE)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, PHONE)
        await anna.say("/book")
        await pick_service(anna, "cut")
        await anna.press("вт 3.03")
        await anna.press("14:00")
        old_cancel = anna.press_update("Отмена")  # the hold's «✖ Отмена», tapped later
        confirm = anna.press_update("Подтвердить запись")
        await anna.feed(confirm)
        booked_id, booked = screen_of(anna, "Вы записаны!")

        # A double tap on «Подтвердить» posts nothing more.
        await anna.feed(as_it_is_now(anna, confirm))
        assert sends(anna, "Вы записаны!") == 0 and screen_of(anna, "Вы записаны!") == (booked_id, booked)

        # «Мои записи» under «Вы записаны!»: a new message, the confirmation unchanged.
        await anna.press("Мои записи")
        assert anna.session.screens[ANNA][booked_id][0] == booked
        assert screen_of(anna, "Ваши записи")[0] > booked_id

        # The old «✖ Отмена»: the booking stays, the button says it no longer applies.
        await anna.feed(old_cancel)
        assert anna.last_text().startswith("Эта кнопка уже не действует.")
        assert "создана запись, она в силе" in anna.last_text() and "вторник, 3 марта, 14:00" in anna.last_text()
        assert anna.session.screens[ANNA][booked_id][0] == booked
        [visit] = visits(h, salon.branch_id)
        assert visit.status is Status.NEW

        # The 24-hour reminder stays as sent when «Перенести» under it is pressed.
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
        await notifier.settle()
        reminder_id, reminder = screen_of(anna, "Напоминаем")
        first, second = anna.press_update("🔁 Перенести"), anna.press_update("🔁 Перенести")
        await anna.feed(first)
        await anna.feed(second)  # a double tap: one picker, not two
        assert anna.session.screens[ANNA][reminder_id][0] == reminder
        assert "Перенос записи" in anna.last_text() and sends(anna, "Перенос записи") == 1

        # A double tap on «Приду» under the reminder: one thank-you, the reminder unchanged.
        first, second = anna.press_update("✅ Приду"), anna.press_update("✅ Приду")
        await anna.feed(first)
        await anna.feed(second)
        assert sends(anna, "Вы подтвердили визит") == 1
        assert anna.session.screens[ANNA][reminder_id][0] == reminder

        # A cancel for a visit the salon already cancelled: said, not done again, nothing overwritten.
        await h.z.runtime.branch(salon.branch_id).ask(ChangeStatus(visit.id, Status.CANCELLED))
        await anna.press("✖ Отменить")  # still on the reminder
        assert anna.last_text().startswith("Эта кнопка уже не действует.") and "уже отменена" in anna.last_text()
        assert anna.session.screens[ANNA][reminder_id][0] == reminder


async def test_rules_are_said_before_they_bind_and_the_phone_inside_the_window(harness: Harness) -> None:
    h = harness
    client = await start(h)
    await seed_salon(h, client, phone=SALON_PHONE)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, PHONE)
        await anna.say("/book")
        await pick_service(anna, "cut")
        await anna.press("пн 2.03")
        await anna.press("12:00")  # today, 3 hours ahead
        held = anna.last_text()
        assert "Отменить или перенести запись можно не позже чем за 2 ч до визита." in held
        assert "до <b>09:05</b> — ещё 5 мин" in held
        await anna.press("Подтвердить запись")
        assert "Статус: ждёт подтверждения салона." in anna.last_text()

        await anna.press("Мои записи")
        assert "Отменить сегодня 12:00" in anna.buttons()
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))  # 10:30 in Moscow: 1.5 h before
        await notifier.settle()
        [late] = [m for m in env.session.sent(ANNA) if "Напоминаем" in m.text]
        assert f"Позвоните, пожалуйста, в салон: {SHOWN_PHONE}" in late.text and "отмените" not in late.text
        shown = [b.text for row in late.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert not any("Отменить" in b or "Перенести" in b for b in shown)

        await anna.say("/my")
        assert f"Позвоните, пожалуйста, в салон: {SHOWN_PHONE}" in anna.last_text()
        assert not any(b.startswith(("Отменить", "Перенести")) for b in anna.buttons())


async def test_the_first_reminder_inside_a_long_notice_offers_only_come_and_a_branch_without_phone(
        harness: Harness) -> None:
    h = harness
    client = await start(h)
    await seed_salon(h, client, cancel_notice_min=1500)  # 25 h: the 24-hour reminder is inside it
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, PHONE)
        await book_first_time(anna, "чт 5.03", "14:00")
        assert "не позже чем за 25 ч до визита" in env.session.texts(ANNA)[-2]  # the hold said it
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 4, 11, 0, tzinfo=UTC))
        await notifier.settle()
        [reminder] = [m for m in env.session.sent(ANNA) if "Напоминаем" in m.text]
        shown = [b.text for row in reminder.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert "✅ Приду" in shown and "🔁 Перенести" not in shown and "✖ Отменить" not in shown
        assert "Телефон салона пока не указан в боте" in reminder.text


async def test_time_is_said_clearly(harness: Harness) -> None:
    h = harness
    client = await start(h)
    salon = await seed_salon(h, client)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, PHONE)
        await book_first_time(anna, "пн 2.03", "12:00")
        assert "Когда: сегодня, понедельник, 2 марта, 12:00" in anna.last_text()
        await book_first_time(anna, "ср 4.03", "10:00")
        await book_first_time(anna, "пт 6.03", "10:00")
        notifier = env.start_notifier()
        await notifier.settle()  # its first start begins at the journal's end: before the manager's change
        visit = next(v for v in visits(h, salon.branch_id)
                     if datetime.fromtimestamp(v.start, UTC) == datetime(2026, 3, 4, 7, 0, tzinfo=UTC))
        h.clock.set(datetime(2026, 3, 6, 6, 0, tzinfo=UTC))  # Friday
        r = await client.patch(f"/api/v1/appointments/{visit.id}/status", headers=await h.admin_headers(),
                               json={"status": "no_show"})  # by a manager: the client is told
        assert r.status_code == 200, await r.get_data(as_text=True)
        await notifier.settle()
        [missed] = [m for m in env.session.sent(ANNA) if "не дождались" in m.text]
        assert missed.text.startswith("Мы не дождались вас в среду, 4 марта, в 10:00.")
        assert "Меню:" not in missed.text and "/menu" not in missed.text
        await anna.say("/my")
        listing = anna.last_text()
        assert "сегодня, пятница, 6 марта, 10:00" in listing
        past = listing.split("Прошедшие и отменённые:")[1]
        assert past.index("4 марта") < past.index("2 марта")  # newest first

        # A client whose Telegram is not in Russian reads the zone.
        nick = env.person(BORIS, "Nick")
        nick.user = nick.user.model_copy(update={"language_code": "en"})
        await nick.say("/start")
        await nick.share_contact("+79990002233", first_name="Nick")
        await nick.say("/book")
        await pick_service(nick, "cut")
        await nick.press("вт 10.03")
        await nick.press("11:00")
        assert "вторник, 10 марта, 11:00 (по московскому времени)" in nick.last_text()


async def test_a_branch_in_another_zone_names_it(harness: Harness) -> None:
    h = harness
    client = await start(h)
    await seed_salon(h, client, timezone="Asia/Yekaterinburg")
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, PHONE)
        await book_first_time(anna, "вт 3.03", "14:00")
        assert "завтра, вторник, 3 марта, 14:00 (по времени салона, UTC+5)" in anna.last_text()


async def test_a_phone_tied_to_another_account_is_explained_with_the_salon_phone(harness: Harness) -> None:
    h = harness
    client = await start(h)
    await seed_salon(h, client, phone=SALON_PHONE)
    async with h.serve() as url, bot_env(h, url) as env:
        await registered(env, ANNA, PHONE)
        boris = env.person(BORIS, "Борис")
        await boris.say("/start")
        await boris.share_contact(PHONE, first_name="Борис")  # Anna's number
        assert "уже привязан к другому аккаунту" in boris.last_text() and SHOWN_PHONE in boris.last_text()
        await boris.say("алло, почему не записывает?")
        assert not boris.last_text().startswith("Здравствуйте")
        assert "привязан к другому аккаунту" in boris.last_text() and SHOWN_PHONE in boris.last_text()


async def test_an_old_time_button_for_a_time_she_booked_says_so(harness: Harness) -> None:
    h = harness
    client = await start(h)
    await seed_salon(h, client, staff=1)
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, PHONE)
        await anna.say("/book")
        await pick_service(anna, "cut")
        await anna.press("вт 3.03")
        first, old = anna.press_update("14:00"), anna.press_update("14:00")
        await anna.feed(first)
        await anna.press("Подтвердить запись")
        booked_id, booked = screen_of(anna, "Вы записаны!")
        await anna.feed(old)
        assert anna.last_text().startswith("Эта кнопка уже не действует. Вы уже записаны на это время:")
        assert "завтра, вторник, 3 марта, 14:00" in anna.last_text() and "заняли" not in anna.last_text()
        assert anna.session.screens[ANNA][booked_id][0] == booked


async def test_a_longer_reschedule_notice_hides_only_the_move(harness: Harness) -> None:
    h = harness
    client = await start(h)
    await seed_salon(h, client, phone=SALON_PHONE, reschedule_notice_min=1500)  # moves: 25 h ahead; cancels: 2 h
    async with h.serve() as url, bot_env(h, url) as env:
        anna = await registered(env, ANNA, PHONE)
        await book_first_time(anna, "вт 3.03", "14:00")
        assert "Отменить запись можно не позже чем за 2 ч, перенести — не позже чем за 25 ч до визита." in \
            env.session.texts(ANNA)[-2]
        notifier = env.start_notifier()
        h.clock.set(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))  # the 24-hour reminder
        await notifier.settle()
        [reminder] = [m for m in env.session.sent(ANNA) if "Напоминаем" in m.text]
        shown = [b.text for row in reminder.reply_markup.inline_keyboard for b in row]  # type: ignore[union-attr]
        assert "✅ Приду" in shown and "🔁 Перенести" not in shown and "✖ Отменить" not in shown
        assert "отменить ещё можно" in reminder.text
        await anna.press("Мои записи")
        assert "Отменить завтра 14:00" in anna.buttons() and not any(b.startswith("Перенести") for b in anna.buttons())
        assert ("Перенести эту запись через бота уже нельзя, отменить ещё можно. Позвоните, пожалуйста, в салон: "
                f"{SHOWN_PHONE}") in anna.last_text()
