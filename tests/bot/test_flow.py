"""The whole client flow through ``Dispatcher.feed_update``, against the real client API on a real server.

/start → own contact → menu → «Записаться» → service → day → master → time
(held 5 minutes) → «Подтвердить запись» → the card is on the manager's board →
a manager's status change → exactly one message to that client.
"""

from __future__ import annotations

from tests.bot.support import ADDRESS, TOKEN, bot_env
from tests.harness import Harness
from tests.seed import seed_salon

ANNA = 7001
PHONE = "+79990001122"


async def test_start_to_board_to_one_notification(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client, address=ADDRESS)
    async with h.serve() as url, bot_env(h, url) as env:
        notifier = env.start_notifier()
        anna = env.person(ANNA)

        await anna.say("/start")
        assert "поделитесь" in anna.last_text()
        ask = env.session.sent(ANNA)[-1]
        assert ask.reply_markup.keyboard[0][0].request_contact  # type: ignore[union-attr]

        await anna.share_contact(PHONE, user_id=ANNA + 1)  # someone else's contact
        assert "чужой контакт" in anna.last_text()

        await anna.share_contact(PHONE)
        assert "Номер сохранён" in env.session.texts(ANNA)[-2]
        assert anna.last_text() == "Что хотите сделать?"

        await anna.press("Записаться")  # one branch: straight to services, with price and duration
        assert anna.last_text() == "Выберите услугу:"
        assert "cut · 1\u00a0500\u00a0₽ · 1 ч" in anna.buttons()
        await anna.press("cut")
        assert "Выберите мастера" in anna.last_text()  # two masters: the master step first (SPEC §9.6)
        assert anna.buttons()[:3] == ["👥 Любой мастер", "👤 Master 1", "👤 Master 2"]
        await anna.press("👤 Master 2")
        assert "Выберите день" in anna.last_text() and "мастер Master 2" in anna.last_text()
        assert anna.buttons()[0] == "сегодня пн 2.03"  # today, Monday 2 March, has free times
        await anna.press("пн 2.03")
        assert "Выберите время" in anna.last_text() and "мастер Master 2" in anna.last_text()
        assert "10:00" in anna.buttons()  # 09:00 now + 60 min notice
        assert "09:45" not in anna.buttons()
        assert not [b for b in anna.buttons() if b.startswith("👤 Master")]  # no masters under the times
        await anna.press("10:00")
        held = anna.last_text()
        assert "удержано за вами до <b>09:05</b>" in held  # 5 minutes from now, Moscow time
        assert "понедельник, 2 марта, 10:00" in held and "Master 2" in held and ADDRESS in held

        await anna.press("Подтвердить запись")
        done = anna.last_text()
        assert "Вы записаны" in done
        assert "понедельник, 2 марта, 10:00" in done and "Master 2" in done and ADDRESS in done

        r = await client.get("/api/v1/dashboard/board", headers=salon.headers,
                             query_string={"branch_id": salon.branch_id})
        assert r.status_code == 200
        board = await r.get_json()
        new = next(c for c in board["columns"] if c["status"] == "new")
        [card] = new["cards"]
        assert card["client"]["telegram_id"] == ANNA and card["client"]["phone"] == PHONE
        assert card["staff"]["name"] == "Master 2" and card["source"] == "bot"

        await notifier.settle()
        before = len(env.session.sent(ANNA))
        r = await client.patch(f"/api/v1/appointments/{card['id']}/status", headers=salon.headers,
                               json={"status": "confirmed"})
        assert r.status_code == 200
        await notifier.settle()
        await notifier.settle()
        messages = env.session.sent(ANNA)[before:]
        assert len(messages) == 1, [m.text for m in messages]
        assert "подтверждена" in messages[0].text and "10:00" in messages[0].text
