"""The booking flow's steps a good salon bot has (SPEC §9.6, issue 16 problems 4, 8, 9), as a client would:
the master step, a warning about one's own overlapping visit, the price, the calendar file and the venue.

The clock stands at Monday 2 March 2026, 09:00 Moscow; two masters do every service, 09:00–18:00.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.methods import SendDocument, SendVenue
from aiogram.types import BufferedInputFile, ForceReply, Message, User
from icalendar import Calendar

from tests.bot.support import ADDRESS, TOKEN, bot_env, pick_service, registered
from tests.harness import Harness
from tests.seed import seed_salon

ANNA = 7101
NBSP = "\u00a0"


def times(buttons: list[str]) -> list[str]:
    return [b for b in buttons if len(b) == 5 and b[2] == ":"]


async def test_the_master_step_comes_first_and_a_re_pick_keeps_the_master(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    salon = await seed_salon(harness, client, address=ADDRESS)
    await seed_salon(harness, client, name="Второй салон", address="пр. Мира, 5")
    r = await client.patch(f"/api/v1/admin/staff/{salon.staff[1]}", headers=salon.headers, json={
        "service_overrides": [{"service_id": salon.services["cut"], "price": "2000.00"}]})
    assert r.status_code == 200, await r.get_data(as_text=True)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("/book")
        assert {f"Salon — {ADDRESS}", "Второй салон — пр. Мира, 5"} <= set(anna.buttons())  # addresses
        await anna.press(f"Salon — {ADDRESS}")
        await anna.press("cut")
        assert "Выберите мастера" in anna.last_text()
        assert anna.buttons()[:3] == ["👥 Любой мастер", "👤 Master 1", f"👤 Master 2 · 2{NBSP}000{NBSP}₽"]
        await anna.press("👤 Master 2")
        assert "мастер Master 2" in anna.last_text() and "Выберите день" in anna.last_text()
        await anna.press("пн 2.03")
        assert "мастер Master 2" in anna.last_text() and "Выберите время" in anna.last_text()
        assert len(times(anna.buttons())) == 29  # 10:00 … 17:00 every 15 minutes
        assert not [b for b in anna.buttons() if b.startswith("👤 Master")]  # no masters under the times
        assert "👤 Другой мастер" in anna.buttons()
        await anna.press("12:00")
        held = anna.last_text()
        assert "Мастер: Master 2" in held and f"Стоимость: <b>2{NBSP}000{NBSP}₽</b>" in held
        harness.clock.advance(301)  # the hold runs out
        await anna.press("Подтвердить запись")
        assert "Время удержания истекло" in anna.last_text()
        await anna.press("Выбрать время заново")
        assert "мастер Master 2" in anna.last_text() and "12:00" in anna.buttons()  # the master kept
        await anna.press("12:00")
        assert "Мастер: Master 2" in anna.last_text()
        await anna.press("Подтвердить запись")
        done = anna.last_text()
        assert "Вы записаны" in done and "Master 2" in done and f"Стоимость: <b>2{NBSP}000{NBSP}₽</b>" in done


async def test_one_master_has_no_master_step(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    await seed_salon(harness, client, staff=1)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("/book")
        await anna.press("cut")
        assert "Выберите день" in anna.last_text() and "👤 Другой мастер" not in anna.buttons()


async def test_an_overlap_with_ones_own_visit_is_asked_about(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    await seed_salon(harness, client, address=ADDRESS)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("/book")
        await pick_service(anna, "cut")
        await anna.press("вт 3.03")
        await anna.press("14:00")
        await anna.press("Подтвердить запись")
        assert "Вы записаны" in anna.last_text()
        await anna.say("/book")  # a second visit from a time list that still offers 14:30 with the other master
        await pick_service(anna, "colour")
        await anna.press("вт 3.03")
        await anna.press("14:30")
        asked = anna.last_text()
        assert "У вас уже есть запись на это время (" in asked and "3 марта, 14:00, cut)" in asked
        assert "Всё равно записаться?" in asked and "Подтвердить запись" not in " ".join(anna.buttons())
        assert "✅ Да, всё равно записаться" in anna.buttons() and "✖ Нет, выбрать другое время" in anna.buttons()
        await anna.press("Нет, выбрать другое время")
        assert anna.last_text().startswith("Хорошо, время освобождено") and "Выберите время" in anna.last_text()
        await anna.press("16:00")  # after the first visit: no question
        assert "удержано" in anna.last_text() and "У вас уже есть запись" not in anna.last_text()
        await anna.press("Отмена")
        await anna.press("14:30")
        await anna.press("Да, всё равно записаться")
        assert "Вы записаны" in anna.last_text()
        await anna.say("/my")
        assert anna.last_text().count("вторник, 3 марта") == 2


async def test_the_confirmation_offers_the_calendar_and_the_venue_follows(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    await seed_salon(harness, client, address=ADDRESS, location={"lat": 55.7558, "lon": 37.6173})
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("/book")
        await pick_service(anna, "cut")
        await anna.press("вт 3.03")
        await anna.press("14:00")
        await anna.press("Подтвердить запись")
        [venue] = [c for c in env.session.calls if isinstance(c, SendVenue)]
        assert (venue.latitude, venue.longitude, venue.title, venue.address) == (55.7558, 37.6173, "Salon", ADDRESS)
        confirmation = anna.last_text()
        await anna.press("Добавить в календарь")
        [doc] = [c for c in env.session.calls if isinstance(c, SendDocument)]
        assert isinstance(doc.document, BufferedInputFile)
        assert int(doc.chat_id) == ANNA and doc.document.filename == "zapis-20260303-1400.ics"
        [event] = Calendar.from_ical(doc.document.data).walk("VEVENT")
        assert event.decoded("dtstart") == datetime(2026, 3, 3, 11, 0, tzinfo=UTC)
        assert str(event["LOCATION"]) == ADDRESS and "cut" in str(event["SUMMARY"])
        assert anna.last_text() == confirmation  # the confirmation stays as sent


async def test_no_venue_without_a_location(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    await seed_salon(harness, client, staff=1)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("/book")
        await anna.press("cut")
        await anna.press("вт 3.03")
        await anna.press("14:00")
        await anna.press("Подтвердить запись")
        assert "Вы записаны" in anna.last_text() and f"Стоимость: <b>1{NBSP}500{NBSP}₽</b>" in anna.last_text()
        assert not [c for c in env.session.calls if isinstance(c, SendVenue)]


async def test_my_visits_show_the_price_and_repeat_a_past_visit_with_its_master(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    salon = await seed_salon(harness, client, address=ADDRESS)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("/book")
        await anna.press("cut")
        await anna.press("👤 Master 2")
        await anna.press("пн 2.03")
        await anna.press("10:00")
        await anna.press("Подтвердить запись")
        await anna.say("/my")
        assert f"мастер Master 2, 1{NBSP}500{NBSP}₽ (" in anna.last_text()  # the price in «Мои записи»
        assert not [b for b in anna.buttons() if "Повторить" in b]  # not a past visit yet
        r = await client.get("/api/v1/dashboard/board", headers=salon.headers,
                             query_string={"branch_id": salon.branch_id})
        [card] = [c for col in (await r.get_json())["columns"] for c in col["cards"]]
        harness.clock.advance(3600 + 60)  # 10:01: the visit has begun
        for status in ("confirmed", "in_progress", "done"):
            r = await client.patch(f"/api/v1/appointments/{card['id']}/status", headers=salon.headers,
                                   json={"status": status})
            assert r.status_code == 200, await r.get_data(as_text=True)
        await anna.say("/my")
        my_list = anna.last_text()
        shown = len(env.session.sent(ANNA))
        await anna.press("🔁 Повторить: cut, 2.03")
        assert len(env.session.sent(ANNA)) == shown + 1  # a new message: «Мои записи» stays
        again = anna.last_text()
        assert "мастер Master 2" in again and "Выберите время" in again and "2 марта" in again
        assert times(anna.buttons())[0] == "11:15"  # 10:01 + 60 min notice, on the 15-minute grid
        assert my_list in env.session.texts(ANNA)
        await anna.press("11:15")
        assert "Мастер: Master 2" in anna.last_text() and "удержано" in anna.last_text()


async def test_a_comment_for_the_master_is_the_reply_that_books(harness: Harness) -> None:
    harness.overrides["telegram_bot_token"] = TOKEN
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=1)
    async with harness.serve() as url, bot_env(harness, url) as env:
        anna = await registered(env, ANNA, "+79990001122")
        await anna.say("/book")
        await anna.press("cut")
        await anna.press("вт 3.03")
        await anna.press("14:00")
        held = anna.last_text()
        await anna.press("Добавить комментарий для мастера")
        [ask] = [c for c in env.session.sent(ANNA) if "ответом на это сообщение" in c.text]
        assert isinstance(ask.reply_markup, ForceReply)
        assert held in env.session.texts(ANNA)  # the hold stays, «Подтвердить» still books without a comment
        prompt = Message(message_id=999, date=datetime.now(UTC), chat=anna.chat, text=ask.text,
                         from_user=User(id=1, is_bot=True, first_name="bot"))
        await anna.feed(anna.update(message=Message(message_id=1000, date=datetime.now(UTC), chat=anna.chat,
                                                    from_user=anna.user, text="Длинные волосы, <до плеч>",
                                                    reply_to_message=prompt)))
        done = anna.last_text()
        assert "Вы записаны" in done and "Комментарий для мастера: Длинные волосы, &lt;до плеч&gt;" in done
        r = await client.get("/api/v1/dashboard/board", headers=salon.headers,
                             query_string={"branch_id": salon.branch_id, "date": "2026-03-03"})
        [card] = [c for col in (await r.get_json())["columns"] for c in col["cards"]]
        assert card["comment"] == "Длинные волосы, <до плеч>"
        await anna.feed(anna.update(message=Message(message_id=1001, date=datetime.now(UTC), chat=anna.chat,
                                                    from_user=anna.user, text="завтра в 10",
                                                    reply_to_message=Message(message_id=5, date=datetime.now(UTC),
                                                                             chat=anna.chat, text=done))))
        assert "Вы записаны" not in anna.last_text()  # a reply to another message is not a comment
