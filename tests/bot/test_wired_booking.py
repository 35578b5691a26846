"""A booking in Telegram as a client sees it, through the fake Bot API server (SPEC §9.6).

The bot as ``run.py`` wires it (polling the fake server of ``tests/bot/fake_telegram.py``):
the commands registered on start, the master step, the rules said in the hold, the
confirmation that stays as sent when «Мои записи» is pressed under it, and an old «✖ Отмена»
that no longer applies. A pressed button carries its message's text as Telegram sends it
(without markup), which is how the bot tells a fact from a dialogue step.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from actors.core.model import Status
from bot.ui import plain
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.support import TOKEN, serve_at
from tests.bot.test_telegram_fake import ANNA, PHONE, Tg, register_by_api, start
from tests.harness import Harness, free_port
from tests.seed import seed_salon

SALON_PHONE = "+74951234567"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    f = FakeTelegram(TOKEN, free_port())
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


class Client(Tg):
    """A Telegram user whose button presses carry the message's current text, as Telegram's do."""

    def press(self, label: str) -> dict[str, Any]:
        update = super().press(label)
        message_id = update["callback_query"]["message"]["message_id"]
        update["callback_query"]["message"]["text"] = plain(self.text_of(message_id))
        return update

    def text_of(self, message_id: int) -> str:
        """The message's text now: as sent, or as last edited."""
        text = ""
        for call in self.fake.shown(self.user_id):
            if (call.message_id or int(call.params.get("message_id", 0))) == message_id:
                text = str(call.params["text"])
        return text

    def message_of(self, part: str) -> int:
        """The id of the newest message whose text contains ``part``."""
        for call in reversed(self.fake.shown(self.user_id)):
            if part in str(call.params["text"]):
                return call.message_id or int(call.params["message_id"])
        raise AssertionError(f"no message with {part!r}")


async def test_a_booking_in_telegram_as_a_client_sees_it(harness: Harness, fake: FakeTelegram) -> None:
    client, port = await start(harness, fake)
    salon = await seed_salon(harness, client, address="ул. Пушкина, 10", phone=SALON_PHONE)  # two masters
    async with serve_at(harness, port):
        anna = Client(fake)
        await register_by_api(harness, f"http://127.0.0.1:{port}", ANNA, PHONE)
        await fake.wait_for(lambda: bool(fake.of("setMyCommands")))
        commands = json.loads(str(fake.of("setMyCommands")[0].params["commands"]))
        assert {c["command"] for c in commands} == {"book", "my", "menu", "help"}

        await anna.step(anna.text("/book"), "услугу")
        await anna.step(anna.press("cut"), "Выберите мастера")
        await anna.step(anna.press("Любой мастер"), "день")
        await anna.step(anna.press("вт 3.03"), "время")
        await anna.step(anna.press("14:00"), "удержано")
        hold = anna.last()
        assert "не позже чем за 2 ч до визита" in hold and "ещё" in hold  # the rules and minutes left
        old_cancel = anna.press("Отмена")  # the hold's «✖ Отмена», pressed later
        await anna.step(anna.press("Подтвердить запись"), "Вы записаны")
        booked_id = anna.message_of("Вы записаны")
        booked = anna.text_of(booked_id)
        assert "завтра" in booked and "14:00" in booked

        # «Мои записи» under the confirmation opens a new message; the confirmation stays.
        await anna.step(anna.press("Мои записи"), "Ваши записи")
        assert anna.message_of("Ваши записи") > booked_id and anna.text_of(booked_id) == booked

        # The old «✖ Отмена» under what is now a confirmation: the booking stands.
        await anna.step(old_cancel, "Эта кнопка уже не действует")
        assert anna.text_of(booked_id) == booked
        assert "в силе" in anna.last()
        [visit] = harness.z.runtime.branch(salon.branch_id).committed.appointments.values()
        assert visit.status is Status.NEW
