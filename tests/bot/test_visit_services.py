"""The bot books a visit of two services, as a person would (fake Bot API, real server):
«стрижка» → «Добавить ещё услугу» → «укладка» → day → time → the hold and the booking list both
services and the total; the masters' differing own prices show as «от …»."""

from __future__ import annotations

from tests.bot.support import ADDRESS, TOKEN, bot_env
from tests.harness import Harness
from tests.seed import seed_salon

ANNA = 7101
PHONE = "+79990001133"


async def test_a_client_books_haircut_plus_styling_in_one_visit(harness: Harness) -> None:
    h = harness
    h.overrides["telegram_bot_token"] = TOKEN
    client = await h.start()
    salon = await seed_salon(h, client, address=ADDRESS, services=(("стрижка", 60, 0), ("укладка", 30, 10)))
    cut, style = salon.services["стрижка"], salon.services["укладка"]
    r = await client.patch(f"/api/v1/admin/staff/{salon.staff[1]}", headers=salon.headers, json={
        "service_overrides": [{"service_id": style, "price": "2000.00", "duration_min": 45}]})
    assert r.status_code == 200, await r.get_data(as_text=True)
    async with h.serve() as url, bot_env(h, url) as env:
        notifier = env.start_notifier()
        anna = env.person(ANNA)
        await anna.say("/start")
        await anna.share_contact(PHONE)
        await anna.press("Записаться")
        assert "стрижка · 1\u00a0500\u00a0₽ · 1 ч" in anna.buttons()
        assert "укладка · от 1\u00a0500\u00a0₽ · 30 мин" in anna.buttons()  # Master 2 asks 2 000
        await anna.press("стрижка")
        assert "Выберите мастера" in anna.last_text()  # two masters: the master step (SPEC §9.6)
        await anna.press("Любой мастер")
        assert "Выберите день" in anna.last_text()
        await anna.press("Добавить ещё услугу")
        assert "Что добавить к визиту" in anna.last_text()
        assert [b for b in anna.buttons() if b.startswith("стрижка")] == []  # already in the visit
        await anna.press("укладка")
        assert "стрижка + укладка" in anna.last_text() and "Выберите мастера" in anna.last_text()
        # Master 2's own price of the visit differs from the catalogue's 3 000: it is on the button
        assert anna.buttons()[:3] == ["👥 Любой мастер", "👤 Master 1", "👤 Master 2 · 3\u00a0500\u00a0₽"]
        await anna.press("👤 Master 2")
        assert "стрижка + укладка</b>, мастер Master 2" in anna.last_text() and "Выберите день" in anna.last_text()
        await anna.press("пн 2.03")
        assert "<b>стрижка + укладка</b>" in anna.last_text()
        await anna.press("10:00")
        held = anna.last_text()
        assert "Услуги: стрижка + укладка" in held and "Master 2" in held
        assert "Итого: <b>3\u00a0500\u00a0₽</b>" in held  # 1 500 + Master 2's own 2 000
        await anna.press("Подтвердить запись")
        done = anna.last_text()
        assert "Вы записаны" in done and "Услуги: стрижка + укладка" in done
        assert "Итого: <b>3\u00a0500\u00a0₽</b>" in done
        await anna.press("Мои записи")
        assert "стрижка + укладка" in anna.last_text()

        r = await client.get("/api/v1/dashboard/board", headers=salon.headers,
                             query_string={"branch_id": salon.branch_id})
        new = next(c for c in (await r.get_json())["columns"] if c["status"] == "new")
        [card] = new["cards"]
        await notifier.settle()
        before = len(env.session.sent(ANNA))
        r = await client.patch(f"/api/v1/appointments/{card['id']}/status", headers=salon.headers,
                               json={"status": "confirmed"})
        assert r.status_code == 200
        await notifier.settle()
        await notifier.settle()
        (notice,) = env.session.sent(ANNA)[before:]
        assert "подтверждена" in notice.text and "стрижка + укладка" in notice.text  # every service named

    assert [s["id"] for s in card["services"]] == [cut, style] and card["total_price"] == "3500.00"
    assert (card["start"][11:16], card["end"][11:16]) == ("10:00", "11:45")  # 60 + Master 2's own 45
