"""Attacks on the client interface's Telegram ``initData``, on other clients' things, and on the webhook.

Complements tests/client/test_auth.py (forged id, expired, another bot,
garbage): here a registered user's real initData replayed with its ``user``
edited (another client's id, a new name, a duplicated ``user``), its
``auth_date`` refreshed, another user's hash, no ``user`` at all, credentials
of the other interface; a client reaching for another client's booking or
hold; and the webhook's secret header. Every refusal changes nothing and
leaks neither the bot token nor the presented data.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import pytest

from api.telegram.initdata import FUTURE_SKEW_S, init_data_hash
from tests.bot.fake_telegram import FakeTelegram
from tests.client.kit import problem
from tests.harness import Harness, free_port
from tests.security.leaks import assert_absent, assert_logs_clean, text_of
from tests.security.served import serve_as_in_production
from tests.security.world import BOT_TOKEN, CLIENT_TG, OTHER_BOT, WEBHOOK_SECRET, World, build_world

OTHER_TG = 777002  # a second registered client

ENDPOINTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/clients/auth", {"json": {"phone": "+79990777009"}}),
    ("GET", "/api/v1/slots/available", {}),
    ("POST", "/api/v1/slots/hold", {"json": {}}),
    ("DELETE", "/api/v1/slots/hold/h", {}),
    ("POST", "/api/v1/appointments", {"json": {"hold_id": "h"}}),
    ("GET", "/api/v1/appointments/my", {}),
    ("POST", "/api/v1/appointments/a/cancel", {}),
]


def _fields(header: dict[str, str]) -> dict[str, str]:
    return dict(parse_qsl(header["Authorization"].removeprefix("tma ")))


def _tma(raw: str) -> dict[str, str]:
    return {"Authorization": f"tma {raw}"}


def tampered(w: World) -> dict[str, dict[str, str]]:
    """Name → Authorization header, each built from real, valid initData."""
    mine = _fields(w.tma())
    theirs = _fields(w.tma(OTHER_TG))
    now = int(w.h.clock.now())
    max_age = w.h.settings.telegram_auth_max_age_s
    old = _fields(w.tma(auth_date=now - max_age - 1))
    no_user = {"auth_date": str(now), "query_id": "q"}
    return {
        "user id replaced by another client's": _tma(urlencode({**mine, "user": theirs["user"]})),
        "user name edited": _tma(urlencode({**mine, "user": mine["user"].replace("Анна", "Admin")})),
        "a second user appended": _tma(urlencode(mine) + "&" + urlencode({"user": theirs["user"]})),
        "a second user prepended": _tma(urlencode({"user": theirs["user"]}) + "&" + urlencode(mine)),
        "another user's hash": _tma(urlencode({**mine, "hash": theirs["hash"]})),
        "hash in upper case": _tma(urlencode({**mine, "hash": mine["hash"].upper()})),
        "expired, replayed": _tma(urlencode(old)),
        "expired, auth_date refreshed": _tma(urlencode({**old, "auth_date": str(now)})),
        "from the future": w.tma(auth_date=now + FUTURE_SKEW_S + 60),
        "signed by another bot": w.tma(token=OTHER_BOT),
        "validly signed, no user": _tma(urlencode({**no_user, "hash": init_data_hash(BOT_TOKEN, no_user)})),
        "the admin's JWT as tma": _tma(w.admin_token),
        "initData as a Bearer token": {"Authorization": "Bearer " + urlencode(mine)},
    }


async def test_tampered_init_data_is_401_everywhere_and_changes_nothing(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = await build_world(harness)
    r = await w.client.post("/api/v1/clients/auth", json={"phone": "+79990777002"}, headers=w.tma(OTHER_TG))
    assert r.status_code == 201
    seq = await w.last_seq()
    attacks = tampered(w)
    for name, headers in attacks.items():
        for method, path, kwargs in ENDPOINTS:
            r = await w.client.open(path, method=method, headers=headers, **kwargs)
            assert r.status_code == 401, (name, path, await r.get_data(as_text=True))
            await problem(r, 401, "unauthorized")
            presented = headers["Authorization"].split(" ", 1)[1]
            assert_absent(f"the answer to {name} on {path}", await text_of(r),
                          {**w.secrets, "presented data": presented})
    assert await w.last_seq() == seq
    assert_logs_clean(caplog, w.secrets, [h["Authorization"].split(" ", 1)[1] for h in attacks.values()])


async def test_each_interface_refuses_the_others_credentials(harness: Harness) -> None:
    w = await build_world(harness)
    r = await w.client.get("/api/v1/appointments/my", headers=w.admin)
    await problem(r, 401, "unauthorized")
    r = await w.client.get("/api/v1/dashboard/board", headers=w.tma())
    await problem(r, 401, "unauthorized")


async def test_a_client_cannot_touch_another_clients_booking_or_hold(harness: Harness) -> None:
    w = await build_world(harness)
    stranger = w.tma(OTHER_TG)
    r = await w.client.post("/api/v1/clients/auth", json={"phone": "+79990777002"}, headers=stranger)
    assert r.status_code == 201
    seq = await w.last_seq()
    await problem(await w.client.post(f"/api/v1/appointments/{w.appointment_id}/cancel", headers=stranger),
                  404, "not_found")
    await problem(await w.client.delete(f"/api/v1/slots/hold/{w.hold_id}", headers=stranger), 404, "not_found")
    r = await w.client.post("/api/v1/appointments", json={"hold_id": w.hold_id}, headers=stranger)
    assert r.status_code in (404, 409), await r.get_data(as_text=True)
    r = await w.client.get("/api/v1/appointments/my", headers=stranger)
    assert (await r.get_json())["items"] == []
    assert await w.last_seq() == seq
    # The owner still has both.
    r = await w.client.get("/api/v1/appointments/my", headers=w.tma())
    assert w.appointment_id in {a["id"] for a in (await r.get_json())["items"]}
    assert w.h.z.runtime.branch(w.home.branch_id).committed.holds[w.hold_id].client_id == w.client_id


# ------------------------------------------------------------ the webhook

WEBHOOK = "/api/v1/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(BOT_TOKEN, free_port())  # the bot talks to this, never to the internet
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def _update(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1772431200, "text": "/start",
        "chat": {"id": CLIENT_TG, "type": "private"},
        "from": {"id": CLIENT_TG, "is_bot": False, "first_name": "Анна"}}}


async def test_the_webhook_refuses_a_missing_or_wrong_secret(
    harness: Harness, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = free_port()
    w = await build_world(harness, bot_mode="webhook", webhook_secret=WEBHOOK_SECRET,
                          telegram_api_url=telegram.url, api_base_url=f"http://127.0.0.1:{port}")
    seq = await w.last_seq()
    wrong: list[dict[str, str]] = [
        {}, {SECRET_HEADER: ""}, {SECRET_HEADER: WEBHOOK_SECRET[:-1]}, {SECRET_HEADER: WEBHOOK_SECRET + "x"},
        {SECRET_HEADER: WEBHOOK_SECRET.upper()}, {SECRET_HEADER: f"{WEBHOOK_SECRET},{WEBHOOK_SECRET}"},
        {SECRET_HEADER: "x" * 4000}, {"X-Telegram-Bot-Api-Secret": WEBHOOK_SECRET},
        {"Authorization": f"Bearer {w.admin_token}"},
    ]
    async with serve_as_in_production(harness, port), httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        for n, headers in enumerate(wrong, start=1):
            r = await http.post(WEBHOOK, json=_update(n), headers=headers)
            assert r.status_code == 401, (headers, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert_absent("a webhook refusal", f"{r.headers}\n{r.text}", w.secrets)
        # The body is not even parsed for a stranger: garbage is still 401.
        r = await http.post(WEBHOOK, content=b"\xff{not json", headers={"Content-Type": "application/json"})
        assert r.status_code == 401
        start_up = {"getme", "setmycommands"}  # the bot's own calls on start, not answers to updates
        assert [c for c in telegram.calls if c.method.lower() not in start_up] == []  # no update was handled
        # The right secret (a control: the header above was the one that mattered).
        r = await http.post(WEBHOOK, json=_update(100), headers={SECRET_HEADER: WEBHOOK_SECRET})
        assert r.status_code == 200
        await telegram.wait_for(lambda: bool(telegram.delivered(CLIENT_TG)))
    assert await w.last_seq() >= seq
    assert_logs_clean(caplog, w.secrets)
