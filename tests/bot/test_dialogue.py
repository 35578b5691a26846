"""The dialogue's detours: restarts mid-flow, expired holds, taken slots, outages, limits, repeats, cancels.

Every case ends on a screen with a way back (a button), never silence or a traceback.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import Chat, Message

from actors.streams import branch_stream
from bot.callbacks import Times
from tests.bot.support import TOKEN, book_first_time, bot_env, pick_service, registered, serve_at
from tests.harness import Harness, free_port
from tests.seed import seed_salon

ANNA, BORIS = 7001, 7002


async def start(h: Harness, **overrides: object) -> object:
    h.overrides.update({"telegram_bot_token": TOKEN, **overrides})
    return await h.start()


async def events(h: Harness, type_: str) -> list[object]:
    return [r async for r in h.z.journal.read_all(0) if r.type == type_]


async def test_restart_mid_flow_old_buttons_still_work(harness: Harness) -> None:
    client = await start(harness)
    await seed_salon(harness, client)
    async with serve_at(harness) as url:
        async with bot_env(harness, url) as env:
            anna = await registered(env, ANNA, "+79990001122")
            await anna.press("Записаться")
            await pick_service(anna, "cut")
            await anna.press("пн 2.03")
            await anna.press("11:00")
            assert "удержано" in anna.last_text()
            screens = env.session.screens
        await harness.restart()  # the server restarts: the hold is in the journal
        async with bot_env(harness, url) as env2:  # so does the bot: nothing in memory
            env2.session.screens.update(screens)  # the user still sees the old message
            anna2 = env2.person(ANNA)
            await anna2.press("Подтвердить запись")
            assert "Вы записаны" in anna2.last_text() and "11:00" in anna2.last_text()


async def test_expired_hold_explains_and_offers_the_times_again(harness: Harness) -> None:
    client = await start(harness)
    await seed_salon(harness, client)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.press("Записаться")
        await pick_service(anna, "cut")
        await anna.press("пн 2.03")
        await anna.press("12:00")
        harness.clock.advance(301)
        await anna.press("Подтвердить запись")
        assert "Время удержания истекло" in anna.last_text()
        assert {"🕒 Выбрать время заново", "☰ Меню"} <= set(anna.buttons())
        await anna.press("Выбрать время заново")
        assert "Выберите время" in anna.last_text() and "12:00" in anna.buttons()
        assert await events(harness, "appointment.created") == []


async def test_slot_taken_meanwhile(harness: Harness) -> None:
    client = await start(harness)
    await seed_salon(harness, client, staff=1)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        boris = await registered(env, BORIS, "+79990003344", "Борис")
        for person in (anna, boris):
            await person.press("Записаться")
            await person.press("cut")
            await person.press("пн 2.03")
        await anna.press("10:00")
        await anna.press("Подтвердить запись")
        assert "Вы записаны" in anna.last_text()
        await boris.press("10:00")  # his screen still shows 10:00
        assert boris.last_text().startswith("Увы, это время только что заняли")
        assert "10:00" not in boris.buttons() and "11:00" in boris.buttons()


async def test_api_unreachable_is_a_clear_message_with_a_way_back(harness: Harness) -> None:
    await start(harness)
    async with bot_env(harness, f"http://127.0.0.1:{free_port()}") as env:  # nobody listens there
        anna = env.person(ANNA)
        await anna.say("/start")
        assert "временно недоступен" in anna.last_text()
        assert "☰ Меню" in anna.buttons()
        await anna.press("Меню")
        await anna.press("Записаться")
        assert "временно недоступен" in anna.last_text()


async def test_rate_limit_says_when_to_try_again(harness: Harness) -> None:
    client = await start(harness, holds_per_minute=1)
    await seed_salon(harness, client)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.press("Записаться")
        await pick_service(anna, "cut")
        await anna.press("пн 2.03")
        await anna.press("10:00")
        await anna.press("Отмена")
        assert anna.last_text().startswith("Хорошо, время освобождено")
        await anna.press("10:15")
        assert "Слишком много попыток" in anna.last_text() and "сек" in anna.last_text()
        assert "☰ Меню" in anna.buttons()


async def test_the_same_update_twice_is_handled_once(harness: Harness) -> None:
    client = await start(harness)
    salon = await seed_salon(harness, client)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.press("Записаться")
        await pick_service(anna, "cut")
        await anna.press("пн 2.03")
        update = anna.press_update("10:30")
        calls = len(env.session.calls)
        await anna.feed(update)
        after_first = len(env.session.calls)
        await anna.feed(update)
        assert len(env.session.calls) == after_first > calls
        assert env.dp["dedupe"].dropped == 1
        holds = [r for r in await events(harness, "hold.placed") if r.stream == branch_stream(salon.branch_id)]
        assert len(holds) == 1


async def test_my_appointments_and_cancel(harness: Harness) -> None:
    client = await start(harness)
    await seed_salon(harness, client)
    async with harness.serve() as url, bot_env(harness, url) as env:
        notifier = env.start_notifier()
        anna = await registered(env, ANNA, "+79990001122")
        await anna.press("Мои записи")
        assert anna.last_text() == "У вас пока нет записей."
        await book_first_time(anna, "вт 3.03", "14:00")
        await anna.press("Мои записи")
        listing = anna.last_text()
        assert "Предстоящие" in listing and "вторник, 3 марта, 14:00" in listing
        assert "ждёт подтверждения салона" in listing
        await anna.press("Отменить завтра 14:00")
        assert anna.last_text().startswith("Отменить запись «cut»")
        yes, again = anna.press_update("Да, отменить"), anna.press_update("Да, отменить")  # a double tap
        await anna.feed(yes)
        assert anna.last_text() == "❌ Запись на завтра, вторник, 3 марта, 14:00 отменена."
        await anna.feed(again)
        assert anna.last_text() == "❌ Запись на завтра, вторник, 3 марта, 14:00 отменена."
        await anna.press("Мои записи")
        assert "Прошедшие и отменённые" in anna.last_text() and "(отменена)" in anna.last_text()
        before = len(env.session.sent(ANNA))
        await notifier.settle()
        assert len(env.session.sent(ANNA)) == before  # her own booking and cancel are not echoed


async def test_strangers_unknown_text_and_stale_buttons(harness: Harness) -> None:
    client = await start(harness)
    salon = await seed_salon(harness, client)
    async with harness.serve() as url, bot_env(harness, url) as env:
        boris = env.person(BORIS, "Борис")
        group = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=-100, type="group"),
                        from_user=boris.user, text="/start")
        await boris.feed(boris.update(message=group))
        assert env.session.calls == []  # the bot talks in private chats only
        await boris.say("хочу записаться")
        assert "поделитесь" in boris.last_text()
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("привет")
        assert anna.last_text().startswith("Не понял сообщение")  # the menu with a line of help
        await boris.share_contact("+79990001122", first_name="Борис")  # Anna's number
        assert "уже привязан к другому аккаунту" in boris.last_text()
        stale = Times(branch=salon.branch_id, service=salon.services["cut"], day="20261399", staff="")
        env.session.screens.setdefault(ANNA, {})[1] = ("old", _markup("старое", stale.pack()))
        await anna.press("старое")
        assert anna.last_text().startswith("Эта кнопка устарела") and "📅 Записаться" in anna.buttons()
        env.session.screens[ANNA][2] = ("older", _markup("древнее", "v0:something"))
        await anna.press("древнее")
        assert anna.last_text().startswith("Эта кнопка устарела")
        gone = Times(branch="closed-branch", service=salon.services["cut"], day="20260302", staff="")
        env.session.screens[ANNA][3] = ("gone", _markup("пропавшее", gone.pack()))
        await anna.press("пропавшее")
        assert anna.last_text().startswith("Эта кнопка устарела")


async def test_several_branches_and_day_paging(harness: Harness) -> None:
    client = await start(harness)
    await seed_salon(harness, client)
    headers = await harness.admin_headers()
    r = await client.post("/api/v1/admin/branches", headers=headers,
                          json={"name": "Второй салон", "timezone": "Europe/Moscow"})
    assert r.status_code == 201
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.press("Записаться")
        assert anna.last_text() == "Выберите филиал:"
        assert set(anna.buttons()) >= {"Salon", "Второй салон"}
        await anna.press("Второй салон")
        assert "нет услуг" in anna.last_text()
        await anna.press("Меню")
        await anna.press("Записаться")
        await anna.press("Salon")
        await pick_service(anna, "cut")
        assert anna.buttons()[:2] == ["сегодня пн 2.03", "завтра вт 3.03"]
        await anna.press("Дальше")
        assert anna.buttons()[0] == "пн 16.03"
        await anna.press("Раньше")
        assert anna.buttons()[0] == "сегодня пн 2.03"


def _markup(text: str, data: str) -> object:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, callback_data=data)]])
