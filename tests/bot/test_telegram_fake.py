"""The bot as ``run.py`` wires it, against a fake Bot API server (``ZAPIS_TELEGRAM_API_URL``).

Polling end to end, webhook with good and bad secrets, a duplicated update,
429 with ``retry_after``, a restart between a status change and its send, a
Telegram that is down when the server starts, and ``python run.py bot`` alone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from api.telegram.initdata import sign_init_data
from bot.standalone import run_standalone
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.support import TOKEN, serve_at
from tests.harness import Harness, free_port
from tests.seed import Salon, seed_salon

ANNA = 7001
PHONE = "+79990001122"
SECRET = "s3cret-Token_for-tests"
WEBHOOK = "/api/v1/telegram/webhook"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    f = FakeTelegram(TOKEN, free_port())
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


async def start(h: Harness, fake: FakeTelegram, mode: str = "polling", **overrides: Any) -> tuple[Any, int]:
    port = free_port()
    h.overrides.update(telegram_bot_token=TOKEN, bot_mode=mode, telegram_api_url=fake.url,
                       api_base_url=f"http://127.0.0.1:{port}", **overrides)
    return await h.start(), port


class Tg:
    """Raw Telegram updates from one user."""

    def __init__(self, fake: FakeTelegram, user_id: int = ANNA) -> None:
        self.fake, self.user_id = fake, user_id
        self.ids = iter(range(1000, 100_000))

    def _message(self, **fields: Any) -> dict[str, Any]:
        uid = next(self.ids)
        return {"update_id": uid, "message": {
            "message_id": uid, "date": int(time.time()), "chat": {"id": self.user_id, "type": "private"},
            "from": {"id": self.user_id, "is_bot": False, "first_name": "Анна"}, **fields}}

    def text(self, text: str) -> dict[str, Any]:
        return self._message(text=text)

    def contact(self, phone: str) -> dict[str, Any]:
        return self._message(contact={"phone_number": phone, "first_name": "Анна", "user_id": self.user_id})

    def press(self, label: str) -> dict[str, Any]:
        message_id, data = self.fake.button(self.user_id, label)
        uid = next(self.ids)
        return {"update_id": uid, "callback_query": {
            "id": f"cb{uid}", "chat_instance": "ci", "data": data,
            "from": {"id": self.user_id, "is_bot": False, "first_name": "Анна"},
            "message": {"message_id": message_id, "date": int(time.time()), "text": "…",
                        "chat": {"id": self.user_id, "type": "private"}}}}

    def last(self) -> str:
        return str(self.fake.shown(self.user_id)[-1].params["text"])

    async def step(self, update: dict[str, Any], expect: str) -> None:
        """Push ``update`` (polling) and wait until the chat shows a text containing ``expect``."""
        n = len(self.fake.shown(self.user_id))
        await self.fake.push(update)
        await self.fake.wait_for(lambda: any(expect in str(c.params.get("text")) for c in
                                             self.fake.shown(self.user_id)[n:]))


async def register_by_api(h: Harness, url: str, tg_id: int, phone: str) -> None:
    init = sign_init_data(TOKEN, {"id": tg_id, "first_name": "Анна"}, int(h.clock.now()))
    async with aiohttp.ClientSession() as http:
        r = await http.post(f"{url}/api/v1/clients/auth", json={"phone": phone},
                            headers={"Authorization": f"tma {init}"})
        assert r.status in (200, 201)


async def manual_booking(client: Any, salon: Salon, phone: str, start: str = "2026-03-03T12:00:00+03:00") -> str:
    r = await client.post("/api/v1/appointments/manual", headers=salon.headers, json={
        "branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": start,
        "client": {"phone": phone}})
    assert r.status_code == 201
    return str((await r.get_json())["id"])


async def test_polling_end_to_end(harness: Harness, fake: FakeTelegram) -> None:
    client, port = await start(harness, fake)
    salon = await seed_salon(harness, client, address="ул. Пушкина, 10")
    async with serve_at(harness, port):
        anna = Tg(fake)
        await anna.step(anna.text("/start"), "поделитесь")
        assert fake.of("getMe") and fake.of("deleteWebhook")
        await anna.step(anna.contact(PHONE), "Что хотите сделать?")
        await anna.step(anna.press("Записаться"), "Выберите услугу")
        await anna.step(anna.press("cut"), "Выберите мастера")  # two masters: the master step (SPEC §9.6)
        await anna.step(anna.press("Любой мастер"), "Выберите день")
        await anna.step(anna.press("пн 2.03"), "Выберите время")
        await anna.step(anna.press("10:00"), "удержано")
        await anna.step(anna.press("Подтвердить запись"), "Вы записаны")
        await fake.wait_for(lambda: len(fake.of("answerCallbackQuery")) == 6)  # every press is answered
        r = await client.get("/api/v1/dashboard/board", headers=salon.headers)
        [card] = [c for col in (await r.get_json())["columns"] for c in col["cards"]]
        assert card["client"]["telegram_id"] == ANNA

        notifier = harness.z.bot.notifier
        await notifier.settle()
        base = len(fake.delivered(ANNA))
        await client.patch(f"/api/v1/appointments/{card['id']}/status", headers=salon.headers,
                           json={"status": "confirmed"})
        await fake.wait_for(lambda: len(fake.delivered(ANNA)) > base)
        await notifier.settle()
        news = fake.delivered(ANNA)[base:]
        assert len(news) == 1 and "подтверждена" in news[0].params["text"]
        assert news[0].params["parse_mode"] == "HTML"


async def test_a_duplicated_update_is_handled_once(harness: Harness, fake: FakeTelegram) -> None:
    _, port = await start(harness, fake)
    async with serve_at(harness, port):
        anna = Tg(fake)
        update = anna.text("/start")
        await fake.push(update, update)  # one getUpdates batch carrying the same update twice
        await fake.wait_for(lambda: len(fake.delivered(ANNA)) >= 1)
        await anna.step(anna.text("/start"), "поделитесь")  # a later update is processed normally
        assert len(fake.delivered(ANNA)) == 2
        assert harness.z.bot.dispatcher["dedupe"].dropped == 1


async def test_webhook_checks_the_secret_and_handles_a_repeat_once(harness: Harness, fake: FakeTelegram) -> None:
    _, port = await start(harness, fake, "webhook", webhook_secret=SECRET, webhook_url="https://bot.example/")
    async with serve_at(harness, port) as url, aiohttp.ClientSession() as http:
        await fake.wait_for(lambda: bool(fake.of("setWebhook")))
        [registration] = fake.of("setWebhook")
        assert registration.params["url"] == "https://bot.example" + WEBHOOK
        assert registration.params["secret_token"] == SECRET
        anna = Tg(fake)
        update = anna.text("/start")
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            r = await http.post(url + WEBHOOK, json=update, headers=headers)
            assert r.status == 401
            assert r.headers["Content-Type"].startswith("application/problem+json")
            assert (await r.json())["code"] == "unauthorized"
        assert fake.delivered(ANNA) == []
        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        r = await http.post(url + WEBHOOK, json=update, headers=good)
        assert r.status == 200
        assert "поделитесь" in fake.delivered(ANNA)[0].params["text"]
        r = await http.post(url + WEBHOOK, json=update, headers=good)  # Telegram retries it
        assert r.status == 200 and len(fake.delivered(ANNA)) == 1
        r = await http.post(url + WEBHOOK, data=b"{not json", headers=good)
        assert r.status == 400 and (await r.json())["code"] == "validation_error"
        r = await http.post(url + WEBHOOK, json={"update_id": 5, "message": {"oops": 1}}, headers=good)
        assert r.status == 400
        assert fake.of("getUpdates") == []


async def test_429_retry_after_then_one_delivery(harness: Harness, fake: FakeTelegram) -> None:
    client, port = await start(harness, fake, "webhook", webhook_secret=SECRET)  # no URL: no setWebhook
    salon = await seed_salon(harness, client)
    async with serve_at(harness, port) as url:
        await register_by_api(harness, url, ANNA, PHONE)
        fake.retry_after = 2
        fake.send_faults = [429]
        await manual_booking(client, salon, PHONE)
        await fake.wait_for(lambda: len(fake.delivered(ANNA)) == 1)
        await harness.z.bot.notifier.settle()
        first, second = fake.attempts()
        assert first.ok is False and second.ok is True
        assert second.at - first.at >= 2.0  # retry_after honoured
        assert "Вас записали" in second.params["text"]
        assert len(fake.delivered(ANNA)) == 1


async def test_restart_between_status_change_and_send_sends_exactly_one(harness: Harness,
                                                                        fake: FakeTelegram) -> None:
    client, port = await start(harness, fake)
    salon = await seed_salon(harness, client)
    async with serve_at(harness, port) as url:
        await register_by_api(harness, url, ANNA, PHONE)
        fake.send_faults = ["hang"]  # Telegram takes the request and never answers
        appointment = await manual_booking(client, salon, PHONE)
        await fake.wait_for(lambda: len(fake.attempts()) == 1)
        await harness.restart()  # the send is in flight: cancelled, not recorded
        await fake.wait_for(lambda: len(fake.delivered(ANNA)) == 1)
        fake.release_hang.set()  # the old request finally fails
        await fake.wait_for(lambda: fake.attempts()[0].ok is False)
        await harness.z.bot.notifier.settle()
        assert len(fake.delivered(ANNA)) == 1

        client = harness.client()
        await client.patch(f"/api/v1/appointments/{appointment}/status", headers=salon.headers,
                           json={"status": "cancelled"})
        await fake.wait_for(lambda: len(fake.delivered(ANNA)) == 2)
        await harness.restart()  # delivered and marked: the restart repeats nothing
        await harness.z.bot.notifier.settle()
        await harness.z.bot.notifier.settle()
        texts = [c.params["text"] for c in fake.delivered(ANNA)]
        assert len(texts) == 2 and "Вас записали" in texts[0] and "отменил" in texts[1]


async def test_telegram_down_at_start_the_server_stays_up_and_the_bot_catches_up(harness: Harness) -> None:
    fake = FakeTelegram(TOKEN, free_port())  # not started yet: connection refused
    _, port = await start(harness, fake)
    try:
        async with serve_at(harness, port) as url, aiohttp.ClientSession() as http:
            r = await http.get(url + "/readyz")
            assert r.status == 200
            r = await http.get(url + "/api/v1/branches")
            assert r.status == 200
            await fake.start()  # Telegram is back
            anna = Tg(fake)
            await anna.step(anna.text("/start"), "поделитесь")
    finally:
        await fake.stop()


async def test_run_py_bot_alone_against_the_server(harness: Harness, fake: FakeTelegram) -> None:
    harness.overrides.update(telegram_bot_token=TOKEN, bot_mode="off")  # the server runs no bot
    client = await harness.start()
    salon = await seed_salon(harness, client)
    async with serve_at(harness) as url:
        settings = harness.settings.with_(bot_mode="polling", telegram_api_url=fake.url, api_base_url=url)
        stop = asyncio.Event()
        bot = asyncio.create_task(run_standalone(settings, stop, journal=harness.journal_factory(),
                                                 clock=harness.clock, poll_s=0.2))
        try:
            anna = Tg(fake)
            await anna.step(anna.text("/start"), "поделитесь")
            await anna.step(anna.contact(PHONE), "Что хотите сделать?")
            await manual_booking(client, salon, PHONE)  # committed by the server's process
            await fake.wait_for(lambda: any("Вас записали" in c.params["text"] for c in fake.delivered(ANNA)))
        finally:
            stop.set()
            await asyncio.wait_for(bot, 15)
