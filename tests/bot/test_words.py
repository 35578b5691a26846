"""Words the bot understands (SPEC §9.6): registered commands, free-text times, thanks, a typed phone.

Commands are checked against the bot as ``run.py`` wires it, on the fake Bot
API server; the conversations drive the real dispatcher against the served
API (the clock stands at Monday 2 March 2026, 09:00 Moscow).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiogram.types import Sticker

from tests.bot.fake_telegram import FakeTelegram
from tests.bot.support import TOKEN, book_first_time, bot_env, registered, serve_at
from tests.bot.test_telegram_fake import Tg, start
from tests.harness import Harness, free_port
from tests.seed import seed_salon

ANNA, BORIS = 7101, 7102


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    f = FakeTelegram(TOKEN, free_port())
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


async def with_bot(h: Harness) -> object:
    h.overrides.update({"telegram_bot_token": TOKEN})
    return await h.start()


async def test_commands_are_registered_on_start_and_each_answers(harness: Harness, fake: FakeTelegram) -> None:
    client, port = await start(harness, fake)
    await seed_salon(harness, client)
    async with serve_at(harness, port):
        await fake.wait_for(lambda: bool(fake.of("setMyCommands")))
        [call] = fake.of("setMyCommands")
        commands = {c["command"]: c["description"] for c in json.loads(call.params["commands"])}
        assert commands == {"book": "Записаться", "my": "Мои записи", "menu": "Меню", "help": "Что умеет бот"}
        anna = Tg(fake, ANNA)
        await anna.step(anna.text("/start"), "поделитесь")
        await anna.step(anna.contact("+79990001122"), "Что хотите сделать?")
        await anna.step(anna.text("/help"), "/book — записаться")
        await anna.step(anna.text("/book"), "Выберите услугу")
        await anna.step(anna.text("/my"), "У вас пока нет записей")
        await anna.step(anna.text("/menu"), "Что хотите сделать?")


async def test_a_time_in_words_leads_to_its_free_times_and_books(harness: Harness) -> None:
    client = await with_bot(harness)
    await seed_salon(harness, client)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("а можно завтра в 10?")
        assert "Какую услугу записать?" in anna.last_text() and "3 марта" in anna.last_text()
        await anna.press("cut")  # the wish travels in the button
        text, times = anna.last_text(), anna.buttons()
        assert "вторник, 3 марта, 10:00–11:00" in text and "Свободное время" in text
        assert [b for b in times if ":" in b] == ["10:00", "10:15", "10:30", "10:45"]
        await anna.press("10:30")
        assert "удержано" in anna.last_text()
        await anna.press("Подтвердить запись")
        assert "Вы записаны" in anna.last_text() and "10:30" in anna.last_text()


async def test_several_days_are_labelled_and_a_full_wish_offers_other_days(harness: Harness) -> None:
    client = await with_bot(harness)
    await seed_salon(harness, client, services=(("cut", 60, 0),))  # one service: straight to the times
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("на выходных вечером")
        assert "7–8 марта, с 17:00" in anna.last_text()
        assert [b for b in anna.buttons() if ":" in b] == ["сб 7.03 17:00", "вс 8.03 17:00"]
        await anna.say("на этой неделе вечером")  # today and tomorrow are said so
        assert [b for b in anna.buttons() if ":" in b][:3] == ["сегодня 17:00", "завтра 17:00", "ср 4.03 17:00"]
        await anna.say("сегодня в 23:00")  # after closing: nothing, the day picker instead
        assert "свободного времени нет" in anna.last_text() and "↩ Другой день" in anna.buttons()
        await anna.press("Другой день")
        assert "Выберите день" in anna.last_text()


async def test_thanks_other_text_and_a_typed_phone(harness: Harness) -> None:
    client = await with_bot(harness)
    await seed_salon(harness, client)
    async with harness.serve() as url, bot_env(harness, url) as env:
        boris = env.person(BORIS, "Борис")
        await boris.say("/start")
        await boris.say("+7 999 000-11-33")
        assert "кнопку" in boris.last_text() and "набранный вручную" in boris.last_text()
        await boris.say("завтра вечером")  # not registered yet: the phone first
        assert "поделитесь" in boris.last_text()
        anna = await registered(env, ANNA, "+79990001122")
        for thanks in ("Спасибо!", "спс", "благодарю", "Спасибо большое 🙏"):
            await anna.say(thanks)
            assert anna.last_text().startswith("Пожалуйста!"), thanks
        await anna.say("какая погода?")
        assert anna.last_text().startswith("Не понял сообщение") and "📅 Записаться" in anna.buttons()
        sticker = Sticker(file_id="s1", file_unique_id="u1", type="regular", width=512, height=512,
                          is_animated=False, is_video=False)
        await anna.feed(anna.update(message=anna._message(sticker=sticker)))  # a sticker: the same
        assert anna.last_text().startswith("Не понял сообщение") and "🗂 Мои записи" in anna.buttons()
        await book_first_time(anna)
        await anna.say("спасибо")
        assert anna.last_text().startswith("Пожалуйста!")


async def test_with_several_branches_the_wish_waits_for_the_branch_and_the_service(harness: Harness) -> None:
    client = await with_bot(harness)
    await seed_salon(harness, client)
    r = await client.post("/api/v1/admin/branches", headers=await harness.admin_headers(),
                          json={"name": "Второй салон", "timezone": "Europe/Moscow"})
    assert r.status_code == 201
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("в среду после 17")
        assert anna.last_text() == "Выберите филиал:" and {"Salon", "Второй салон"} <= set(anna.buttons())
        await anna.press("Salon")
        assert "среда, 4 марта, с 17:00" in anna.last_text()
        await anna.press("colour")  # 90 minutes + 15 after: 17:00 would end past 18:00
        assert "свободного времени нет" in anna.last_text()
        await anna.say("в среду после 16")
        await anna.press("Salon")
        await anna.press("colour")
        assert [b for b in anna.buttons() if ":" in b] == ["16:00", "16:15", "16:30"]
