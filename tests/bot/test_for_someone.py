"""«👥 Записать другого человека» in the bot (issue 16, problem 9), as a client would: a daughter books
a visit for her mother by sharing the mother's contact as a reply to the prompt; she gets the
confirmation, «Мои записи» shows the visit with the mother's name, the salon's confirmation reaches
the daughter (the mother has no Telegram), and the daughter cancels it. A typed «Имя, телефон» works
too; a contact that replies to no prompt is still refused as someone else's at sign-up.

The clock stands at Monday 2 March 2026, 09:00 Moscow.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import Contact, ForceReply, Message, User

from actors.core.model import Status
from tests.bot.recording import Person
from tests.bot.support import TOKEN, BotEnv, bot_env, pick_service, registered
from tests.harness import Harness
from tests.seed import seed_salon

DAUGHTER, MOTHER_TG = 7201, 7202
MOTHER_PHONE = "+79165550102"


async def _hold_and_ask(env: BotEnv, daughter: Person, time: str) -> Message:
    """/book → cut → вт 3.03 → ``time`` → «Записать другого человека»: the prompt, as Telegram returns it."""
    await daughter.say("/book")
    await pick_service(daughter, "cut")
    await daughter.press("вт 3.03")
    await daughter.press(time)
    await daughter.press("Записать другого человека")
    ask = env.session.sent(DAUGHTER)[-1]
    assert "Кого записываем?" in ask.text and isinstance(ask.reply_markup, ForceReply)
    return Message(message_id=999, date=datetime.now(UTC), chat=daughter.chat, text=ask.text,
                   from_user=User(id=1, is_bot=True, first_name="bot"))


async def test_a_mothers_contact_books_her_visit_and_the_daughter_gets_its_messages(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=1)
    async with harness.serve() as url, bot_env(harness, url) as env:
        daughter = await registered(env, DAUGHTER, "+79990002233", "Ольга")
        prompt = await _hold_and_ask(env, daughter, "14:00")
        mother = Contact(phone_number="8 916 555-01-02", first_name="Мама", user_id=MOTHER_TG)
        await daughter.feed(daughter.update(message=Message(
            message_id=1000, date=datetime.now(UTC), chat=daughter.chat, from_user=daughter.user,
            contact=mother, reply_to_message=prompt)))
        done = daughter.last_text()
        assert done.startswith("✅ <b>Вы записали: Мама</b> (+7 916 555-01-02)"), done
        assert "Сообщения о визите будут приходить вам." in done and "вторник, 3 марта, 14:00" in done

        r = await client.get("/api/v1/dashboard/board", headers=salon.headers,
                             query_string={"branch_id": salon.branch_id, "date": "2026-03-03"})
        [card] = [c for col in (await r.get_json())["columns"] for c in col["cards"]]
        assert (card["client"]["name"], card["client"]["phone"]) == ("Мама", MOTHER_PHONE)
        assert card["client"]["telegram_id"] is None and card["booked_by"] is not None

        await daughter.say("/my")
        assert "👥 Кто придёт: Мама" in daughter.last_text()

        # The salon confirms: the mother has no Telegram, so the daughter hears of it.
        notifier = env.start_notifier()
        await notifier.settle()
        r = await client.patch(f"/api/v1/appointments/{card['id']}/status", headers=salon.headers,
                               json={"status": "confirmed"})
        assert r.status_code == 200
        await env.session.wait_for(lambda: any("подтверждена" in t for t in env.session.texts(DAUGHTER)))
        [confirmed] = [t for t in env.session.texts(DAUGHTER) if "Ваша запись подтверждена" in t]
        assert "Кто придёт: Мама" in confirmed

        # The 24-hour reminder reaches her too, naming her mother.
        harness.clock.set(datetime(2026, 3, 2, 11, 30, tzinfo=UTC))
        await notifier.settle()
        [reminder] = [t for t in env.session.texts(DAUGHTER) if "Напоминаем" in t]
        assert "Кто придёт: Мама" in reminder

        # She cancels her mother's visit from «Мои записи».
        await daughter.say("/my")
        [cancel] = [b for b in daughter.buttons() if b.startswith("Отменить")]
        await daughter.press(cancel)
        await daughter.press("Да, отменить")
        [visit] = harness.z.scheduler.appointments_of(card["client"]["id"])
        assert visit.status is Status.CANCELLED


async def test_a_typed_name_and_phone_and_the_sign_up_refusal_stays(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    await seed_salon(harness, client, staff=1)
    async with harness.serve() as url, bot_env(harness, url) as env:
        daughter = await registered(env, DAUGHTER, "+79990002233", "Ольга")
        prompt = await _hold_and_ask(env, daughter, "15:00")

        def reply(text: str, message_id: int) -> Message:
            return Message(message_id=message_id, date=datetime.now(UTC), chat=daughter.chat,
                           from_user=daughter.user, text=text, reply_to_message=prompt)

        await daughter.feed(daughter.update(message=reply("просто мама", 1000)))
        assert "Не нашёл в сообщении имя и телефон" in daughter.last_text()
        await daughter.feed(daughter.update(message=reply("Мама, 12", 1001)))
        assert "Не нашёл" in daughter.last_text()  # too short for a phone
        await daughter.feed(daughter.update(message=reply("Мама, +7 000 000-00-00", 1002)))
        assert "Не получилось прочитать этот номер" in daughter.last_text()
        await daughter.feed(daughter.update(message=reply("Бабушка Вера, 8 916 555-01-03", 1003)))
        assert daughter.last_text().startswith("✅ <b>Вы записали: Бабушка Вера</b> (+7 916 555-01-03)")
        visits = {a.client_id: a for a in harness.z.scheduler.appointments_of(
            harness.z.scheduler.client_by_phone("+79990002233").id, booked=True)}  # type: ignore[union-attr]
        assert len(visits) == 1

        # Someone else's contact that replies to no prompt is still refused at sign-up.
        stranger = env.person(7203, "Пётр")
        await stranger.say("/start")
        await stranger.share_contact(MOTHER_PHONE, user_id=MOTHER_TG, first_name="Мама")
        assert "Вы записали" not in stranger.last_text()
        assert harness.z.scheduler.client_by_telegram(7203) is None


async def test_her_mothers_visit_is_not_her_own_overlap(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    await seed_salon(harness, client)  # two masters: mother and daughter can come at the same time
    async with harness.serve() as url, bot_env(harness, url) as env:
        daughter = await registered(env, DAUGHTER, "+79990002233", "Ольга")
        prompt = await _hold_and_ask(env, daughter, "14:00")
        await daughter.feed(daughter.update(message=Message(
            message_id=1000, date=datetime.now(UTC), chat=daughter.chat, from_user=daughter.user,
            text="Мама, +7 916 555-01-02", reply_to_message=prompt)))
        assert daughter.last_text().startswith("✅ <b>Вы записали: Мама</b>")
        await daughter.say("/book")
        await pick_service(daughter, "cut")
        await daughter.press("вт 3.03")
        await daughter.press("14:00")
        held = daughter.last_text()
        assert "удержано" in held and "У вас уже есть запись" not in held
