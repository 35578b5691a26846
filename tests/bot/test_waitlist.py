"""The waitlist in Telegram (SPEC §9.3), as people would use it, through the fake Bot API server.

The bot runs as ``run.py`` wires it (polling, the leader's notifier) on the
manual clock. The salon's one master works 09:00–12:00 and the next two
days (the horizon) are booked full by another client, so Anna sees no free day and joins
the waitlist; Bella joins after her. Freed time goes to Anna first; Bella gets
it only once Anna's offer runs out; a later cancellation Anna books.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from api.telegram.initdata import sign_init_data
from tests.bot.fake_telegram import FakeTelegram
from tests.bot.support import TOKEN, serve_at
from tests.bot.test_telegram_fake import PHONE, Tg, register_by_api, start
from tests.harness import Harness, free_port
from tests.seed import seed_salon

ANNA, BELLA, XENIA = 7301, 7302, 7303
MORNING = {d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    f = FakeTelegram(TOKEN, free_port())
    await f.start()
    try:
        yield f
    finally:
        await f.stop()


class Api:
    """The client API over HTTP as one Telegram user (what a Mini App would do)."""

    def __init__(self, h: Harness, url: str, tg_id: int) -> None:
        self.h, self.url, self.tg_id = h, url, tg_id

    async def __call__(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        init = sign_init_data(TOKEN, {"id": self.tg_id, "first_name": "X"}, int(self.h.clock.now()))
        async with aiohttp.ClientSession() as http:
            r = await http.request(method, f"{self.url}/api/v1{path}", json=body,
                                   headers={"Authorization": f"tma {init}"})
            assert r.status == status, await r.text()
            return await r.json() if r.status != 204 else None


def offers_to(fake: FakeTelegram, chat: int) -> list[str]:
    return [str(c.params["text"]) for c in fake.delivered(chat) if "Освободилось время" in str(c.params["text"])]


async def test_join_in_the_bot_then_offers_in_order(harness: Harness, fake: FakeTelegram) -> None:
    client, port = await start(harness, fake)
    salon = await seed_salon(harness, client, staff=1, schedule=MORNING, services=(("cut", 60, 0),), horizon_days=2)
    async with serve_at(harness, port) as url:
        for tg, phone in ((BELLA, "+79990007302"), (XENIA, "+79990007303")):
            await register_by_api(harness, url, tg, phone)
        xenia, bella = Api(harness, url, XENIA), Api(harness, url, BELLA)
        visits = {}
        for day, hours in (("2026-03-02", ("10:00", "11:00")), ("2026-03-03", ("09:00", "10:00", "11:00")),
                           ("2026-03-04", ("09:00",))):  # the horizon (2 days) ends at Wednesday 09:00
            for hhmm in hours:
                made = await xenia("POST", "/appointments", {"branch_id": salon.branch_id, "service_id":
                                   salon.services["cut"], "start": f"{day}T{hhmm}:00+03:00"}, status=201)
                visits[(day, hhmm)] = made["id"]

        anna = Tg(fake, ANNA)
        await anna.step(anna.text("/start"), "поделитесь")
        await anna.step(anna.contact(PHONE), "Что хотите сделать?")
        await anna.step(anna.press("Записаться"), "Выберите услугу")
        await anna.step(anna.press("cut"), "свободного времени нет")
        await anna.step(anna.press("Нет подходящего времени"), "сколько дней")
        await anna.step(anna.press("3 дня"), "К какому мастеру?")
        await anna.step(anna.press("Любой мастер"), "В какое время дня")
        await anna.step(anna.press("Утро"), "Вы в листе ожидания")
        [entry] = (await Api(harness, url, ANNA)("GET", "/waitlist/my"))["items"]
        assert (entry["date_from"], entry["date_to"], entry["time_from"], entry["time_to"], entry["staff_id"]) == (
            "2026-03-02", "2026-03-04", "09:00", "12:00", None)
        await bella("POST", "/waitlist", {"branch_id": salon.branch_id, "service_ids": [salon.services["cut"]],
                                          "date_from": "2026-03-03", "date_to": "2026-03-03"}, status=201)

        # Xenia cancels Tuesday 10:00: the offer reaches Anna within a second of the commit.
        notifier = harness.z.bot.notifier
        await xenia("POST", f"/appointments/{visits[('2026-03-03', '10:00')]}/cancel")
        began = time.monotonic()
        await fake.wait_for(lambda: bool(offers_to(fake, ANNA)), timeout=1.0)
        assert time.monotonic() - began < 1.0
        assert "вторник, 3 марта, 10:00" in offers_to(fake, ANNA)[0] and "до 09:15" in offers_to(fake, ANNA)[0]
        await notifier.settle()
        assert offers_to(fake, BELLA) == []  # Bella waits behind Anna

        # Anna does not answer: after 15 minutes the timer passes the time to Bella.
        harness.clock.advance(harness.settings.waitlist_offer_ttl_s)
        harness.z.scheduler.waitlist_timer.poke()
        await fake.wait_for(lambda: bool(offers_to(fake, BELLA)), timeout=5.0)
        assert "вторник, 3 марта, 10:00" in offers_to(fake, BELLA)[0]

        # Bella: «Не подходит». Anna is not offered that time again (it ran out on her).
        bella_tg = Tg(fake, BELLA)
        bella_tg.ids = iter(range(50_000, 60_000))  # update ids Anna's updates did not use
        await bella_tg.step(bella_tg.press("Не подходит"), "предложим время следующему")
        await notifier.settle()
        assert len(offers_to(fake, ANNA)) == 1

        # Xenia cancels 11:00: Anna, the oldest, gets it and books it with «Записаться».
        await xenia("POST", f"/appointments/{visits[('2026-03-03', '11:00')]}/cancel")
        await fake.wait_for(lambda: len(offers_to(fake, ANNA)) == 2, timeout=1.0)
        await anna.step(anna.press("Записаться"), "Вы записаны")
        mine = (await Api(harness, url, ANNA)("GET", "/appointments/my"))["items"]
        assert [a["start"] for a in mine] == ["2026-03-03T11:00:00+03:00"]
        assert (await Api(harness, url, ANNA)("GET", "/waitlist/my"))["items"][0]["status"] == "booked"

        # «Мои записи» lists Bella's waiting entry with a way to leave it.
        await bella_tg.step(bella_tg.text("/my"), "Лист ожидания")
        await bella_tg.step(bella_tg.press("Выйти из ожидания"), "Вы вышли из листа ожидания")
        assert (await bella("GET", "/waitlist/my"))["items"][0]["status"] == "ended"


# ------------------------------------------------------------ the notice itself (pure)


class _View:
    """A state view that may be behind or ahead of the record being notified."""

    def __init__(self, state: Any, clients: Any) -> None:
        self.state, self._clients = state, clients

    def branch(self, branch_id: str) -> Any:
        return self.state

    def branches(self) -> list[Any]:
        return [self.state]

    def clients(self) -> Any:
        return self._clients

    def catalogue(self) -> Any:
        from actors.core.catalogue import CatalogueState
        return CatalogueState()

    async def start(self) -> None:
        return None

    def apply(self, records: Any) -> None:
        return None


def test_an_offer_is_announced_even_when_read_before_the_view_has_it() -> None:
    from datetime import UTC, datetime

    from actors.core.clients import ClientsState, evolve_clients, register
    from actors.core.messages import CancelAsClient, ReleaseHold, event_data
    from bot.waitlist_notice import offer_notice
    from storage.journal import Recorded
    from tests.core.test_waitlist import NOW, full_day, join, offered, step

    clients = ClientsState()
    for e in register(clients, new_id="c1", telegram_id=555, phone="+79990005555", name="Анна", now=0).events:
        evolve_clients(clients, e)
    state = full_day()
    step(state, join("w1", "c1"), NOW)
    behind = full_day()
    step(behind, join("w1", "c1"), NOW)
    [offer] = offered(step(state, CancelAsClient("s1-10", "x"), NOW + 60))
    rec = Recorded(state.version, "branch:b1", state.version, offer.TYPE, datetime.fromtimestamp(NOW, UTC),
                   "client:x", event_data(offer))
    for view_state in (behind, state):  # a view a moment behind, or up to date: announced
        notice = offer_notice(rec, _View(view_state, clients))
        assert notice is not None and notice.chat_id == 555 and notice.hold_id == offer.hold_id
        assert "Освободилось время" in notice.text and "вторник, 3 марта, 10:00" in notice.text
    step(state, ReleaseHold(offer.hold_id, "c1"), NOW + 90)  # declined before the notifier got to it
    assert offer_notice(rec, _View(state, clients)) is None
