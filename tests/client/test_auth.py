"""initData authentication (SPEC §3): aiogram's verifier, our freshness check, every endpoint."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from aiogram.utils.web_app import check_webapp_signature, safe_parse_webapp_init_data

from actors.core.clock import ManualClock
from api.telegram.initdata import InitDataInvalid, InitDataVerifier, init_data_hash, parse_authorization, sign_init_data
from tests.client.kit import OTHER_BOT, TOKEN, problem, register, salon_with_clients, start, tma
from tests.harness import Harness

# Published vectors (tests/fixtures/realdata/telegram_vectors.md), each with its own bot token.
VECTORS = [
    ("42:TEST", "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803", 42),
    ("42:TEST", "auth_date=1650385342&user=%7B%22id%22%3A+%22123456789%22%2C+%22first_name%22%3A+%22PlaceholderFirstName%22%2C+%22last_name%22%3A+%22PlaceholderLastName+%5Cud83c%5Cuddfa%5Cud83c%5Cudde6%22%2C+%22username%22%3A+%22Latand%22%2C+%22language_code%22%3A+%22en%22%2C+%22is_premium%22%3A+%22true%22%2C+%22allows_write_to_pm%22%3A+%22true%22%7D&query_id=test&hash=b3c8b293f14ad0f7f0abcf769aea1209a72295d30a87eb0e74df855d32e53bfe", 123456789),
    ("5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8", "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2", 279058397),
    ("7244657541:AAEgqk0HDC3WD5cdbnGMdd6L0TJ74FDp97Y", "query_id=AAF03wc0AgAAAHTfBzROOCVW&user=%7B%22id%22%3A5167898484%2C%22first_name%22%3A%22xin%22%2C%22last_name%22%3A%22%22%2C%22username%22%3A%22pvnimaxin%22%2C%22language_code%22%3A%22en%22%2C%22allows_write_to_pm%22%3Atrue%7D&auth_date=1722938610&hash=8654c8c617c143abf656f4f159be2539880a56f58c2d9be622f90c0346aa162b", 5167898484),
    ("7244657541:AAHAJP25XehV6N02kiLLAEi2el-xLsSw29w", "query_id=AAF2GVE4AwAAAHYZUTgHczdc&user=%7B%22id%22%3A7387289974%2C%22first_name%22%3A%22%D0%90%D1%80%D1%82%D1%91%D0%BC%22%2C%22last_name%22%3A%22%D0%9E%D0%BD%D1%83%D1%84%D1%80%D0%B8%D0%B9%22%2C%22username%22%3A%22typexin%22%2C%22language_code%22%3A%22en%22%2C%22allows_write_to_pm%22%3Atrue%7D&auth_date=1724048856&hash=53b22bc70a748dae613a5aa91890b387b9cc0356c5dcffca173816b6e40a17e5", 7387289974),
    ("7244657541:AAFMjYH4kc3U9zG0GWnxYfW-QKICVzDwvEw", "query_id=AAF03wc0AgAAAHTfBzTtHPDB&user=%7B%22id%22%3A5167898484%2C%22first_name%22%3A%22xin%22%2C%22last_name%22%3A%22%22%2C%22username%22%3A%22pvnimaxin%22%2C%22language_code%22%3A%22en%22%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic%5C%2F320%5C%2FYpcdHFmoxukmQ537mOZhe-Woot_k2xrmbdAIrGK1zFgIVth6Wzacz7P2nGNCcp9j.svg%22%7D&auth_date=1731441609&hash=f4bac82fe8f20abdc03126af489751752e830227b58241ec2f9dd67913909ee0", 5167898484),
    ("5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8", "auth_date=1&can_send_after=10000&chat=%7B%22id%22%3A1%2C%22type%22%3A%22group%22%2C%22title%22%3A%22chat-title%22%2C%22photo_url%22%3A%22group%22%2C%22username%22%3A%22my-chat%22%7D&chat_instance=888&chat_type=sender&hash=47cfa22e72b887cba90c9cb833c5ea0f599975b6ce7193741844b5c4a4228b40&query_id=QUERY&receiver=%7B%22added_to_attachment_menu%22%3Afalse%2C%22allows_write_to_pm%22%3Atrue%2C%22first_name%22%3A%22receiver-first-name%22%2C%22id%22%3A991%2C%22is_bot%22%3Afalse%2C%22is_premium%22%3Atrue%2C%22language_code%22%3A%22ru%22%2C%22last_name%22%3A%22receiver-last-name%22%2C%22photo_url%22%3A%22receiver-photo%22%2C%22username%22%3A%22receiver-username%22%7D&start_param=debug&user=%7B%22added_to_attachment_menu%22%3Afalse%2C%22allows_write_to_pm%22%3Afalse%2C%22first_name%22%3A%22user-first-name%22%2C%22id%22%3A222%2C%22is_bot%22%3Atrue%2C%22is_premium%22%3Afalse%2C%22language_code%22%3A%22en%22%2C%22last_name%22%3A%22user-last-name%22%2C%22photo_url%22%3A%22user-photo%22%2C%22username%22%3A%22user-username%22%7D", 222),
]
GOOD = VECTORS[0][1]
INVALID = [
    "user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test&hash=test",
    "user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test",
    "",
    "test&foo=bar=baz",
    "user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D&query_id=test&hash=%C3%A9%C3%A9%C3%A9",
    GOOD + "abc",
    GOOD + "&hash=%C3%A9",  # a second, non-ASCII hash must not raise
    GOOD.replace("%22id%22%3A42", "%22id%22%3A43"),  # forged user id, old hash
    "here comes something wrong;",
    "hash=abc&auth_date=test",
]


def verifier(token: str, now: float = 1_800_000_000, max_age_s: int = 0) -> InitDataVerifier:
    return InitDataVerifier(token, ManualClock(now), max_age_s=max_age_s)


@pytest.mark.parametrize(("token", "init_data", "user_id"), VECTORS)
def test_published_vectors_verify_with_expiry_disabled(token: str, init_data: str, user_id: int) -> None:
    assert verifier(token).verify(init_data).id == user_id
    fields = dict(parse_qsl(init_data))
    assert init_data_hash(token, fields) == fields["hash"]  # our signer agrees with Telegram's hash
    assert check_webapp_signature(token, init_data)  # and aiogram agrees with the vector


@pytest.mark.parametrize(("token", "init_data", "user_id"), VECTORS[:6])
def test_published_vectors_are_expired_under_a_day_limit(token: str, init_data: str, user_id: int) -> None:
    with pytest.raises(InitDataInvalid, match="expired"):
        verifier(token, max_age_s=86400).verify(init_data)


@pytest.mark.parametrize("init_data", INVALID)
def test_invalid_init_data_is_refused_without_raising_anything_else(init_data: str) -> None:
    with pytest.raises(InitDataInvalid):
        verifier("42:TEST").verify(init_data)


def test_another_bots_token_is_refused() -> None:
    with pytest.raises(InitDataInvalid, match="signature"):
        verifier("42:INVALID").verify(GOOD)


def test_our_signer_agrees_with_aiogram_both_ways() -> None:
    user = {"id": 7387289974, "first_name": "Артём", "last_name": "Онуфрий", "username": "a b+c&d=e"}
    signed = sign_init_data(TOKEN, user, 1_800_000_000, query_id="q 1", chat_type="sender")
    assert check_webapp_signature(TOKEN, signed)
    parsed = safe_parse_webapp_init_data(TOKEN, signed)
    assert parsed.user is not None and parsed.user.id == 7387289974 and parsed.user.first_name == "Артём"
    assert not check_webapp_signature(OTHER_BOT, signed)
    ours = verifier(TOKEN).verify(signed)
    assert (ours.id, ours.full_name, ours.username) == (7387289974, "Артём Онуфрий", "a b+c&d=e")
    # Telegram's own encoding (quote, %20) and ours (quote_plus, +) hash the same decoded values.
    fields = dict(parse_qsl(signed))
    assert verifier(TOKEN).verify(urlencode(fields, quote_via=quote)).id == ours.id


def test_freshness_on_the_injected_clock() -> None:
    clock = ManualClock(1_800_000_000)
    v = InitDataVerifier(TOKEN, clock, max_age_s=86400)
    signed = sign_init_data(TOKEN, {"id": 1, "first_name": "A"}, 1_800_000_000)
    clock.advance(86400)
    assert v.verify(signed).id == 1  # exactly the limit: still fresh
    clock.advance(1)
    with pytest.raises(InitDataInvalid, match="expired"):
        v.verify(signed)  # cached as verified, but freshness is checked every time
    future = sign_init_data(TOKEN, {"id": 1, "first_name": "A"}, int(clock.now()) + 3600)
    with pytest.raises(InitDataInvalid, match="future"):
        v.verify(future)


@pytest.mark.parametrize("header", [None, "", "tma", "tma ", "Bearer abc", "tmaabc"])
def test_authorization_header_must_be_tma(header: str | None) -> None:
    with pytest.raises(InitDataInvalid):
        parse_authorization(header)
    assert parse_authorization("TMA  x=1 ") == "x=1"


# ------------------------------------------------------------------ through the API

ENDPOINTS = [
    ("POST", "/api/v1/clients/auth", {"phone": "+79990000001"}),
    ("GET", "/api/v1/slots/available", None),
    ("POST", "/api/v1/slots/hold", {"branch_id": "b", "service_id": "s", "start": "2026-03-02T10:00:00+03:00"}),
    ("DELETE", "/api/v1/slots/hold/h1", None),
    ("POST", "/api/v1/appointments", {"hold_id": "h1"}),
    ("GET", "/api/v1/appointments/my", None),
    ("POST", "/api/v1/appointments/a1/cancel", None),
]


async def _call(client: Any, method: str, path: str, body: object, headers: dict[str, str]) -> Any:
    kwargs: dict[str, object] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    return await client.open(path, method=method, **kwargs)


async def test_every_client_endpoint_refuses_missing_forged_expired_and_foreign_init_data(harness: Harness) -> None:
    client = await start(harness)
    await register(client, harness, 1001)
    seq = await harness.z.journal.last_seq()
    good = tma(harness, 1001)["Authorization"]
    fields = dict(parse_qsl(good[4:]))
    forged = urlencode({**fields, "user": fields["user"].replace("1001", "1002")})
    bad_headers = [
        {}, {"Authorization": "Bearer " + good[4:]}, {"Authorization": "tma " + forged},
        tma(harness, 1001, auth_date=harness.clock.now() - 86401),
        tma(harness, 1001, token=OTHER_BOT), {"Authorization": "tma garbage"},
    ]
    for method, path, body in ENDPOINTS:
        for headers in bad_headers:
            r = await _call(client, method, path, body, headers)
            doc = await problem(r, 401, "unauthorized")
            assert r.headers["WWW-Authenticate"].startswith("tma"), doc
        # Authentication comes before the body: garbage from a stranger is 401, not 400.
        r = await client.open(path, method=method, data=b"\xff{not json", headers={"Content-Type": "application/json"})
        await problem(r, 401, "unauthorized")
    assert await harness.z.journal.last_seq() == seq


async def test_a_day_old_init_data_is_still_accepted(harness: Harness) -> None:
    client = await start(harness)
    r = await client.post("/api/v1/clients/auth", json={"phone": "+79990000001"},
                          headers=tma(harness, 1001, auth_date=harness.clock.now() - 86400))
    assert r.status_code == 201


async def test_without_a_bot_token_every_client_endpoint_answers_401(harness: Harness) -> None:
    client = await harness.start()  # no telegram_bot_token
    for method, path, body in ENDPOINTS:
        r = await _call(client, method, path, body, tma(harness, 1001))
        doc = await problem(r, 401, "unauthorized")
        assert "TELEGRAM_BOT_TOKEN" in doc["detail"]
    assert (await client.get("/api/v1/branches")).status_code == 200  # the catalogue needs no auth


async def test_unregistered_telegram_user_gets_403_everywhere_but_sign_up(harness: Harness) -> None:
    client = await start(harness)
    for method, path, body in ENDPOINTS[1:]:
        r = await _call(client, method, path, body, tma(harness, 2002))
        doc = await problem(r, 403, "forbidden")
        assert "/clients/auth" in doc["detail"]


async def test_sign_up_new_existing_and_conflict(harness: Harness) -> None:
    client = await start(harness)
    r = await client.post("/api/v1/clients/auth", json={"phone": "8 (916) 123-45-67"},
                          headers=tma(harness, 5167898484, first_name="Артём"))
    assert r.status_code == 201
    created = (await r.get_json())["client"]
    assert created["phone"] == "+79161234567" and created["telegram_id"] == 5167898484
    assert created["name"] == "Артём" and created["source"] == "bot"
    r = await client.post("/api/v1/clients/auth", json={"phone": "+7 916 123 45 67", "name": "Другое"},
                          headers=tma(harness, 5167898484))
    assert r.status_code == 200
    assert (await r.get_json())["client"]["id"] == created["id"]
    r = await client.post("/api/v1/clients/auth", json={"phone": "9161234567"}, headers=tma(harness, 77))
    await problem(r, 409, "client_conflict")
    assert [c.telegram_id for c in harness.z.runtime.clients.committed.clients.values()] == [5167898484]


async def test_rate_limits_answer_429_with_retry_after(harness: Harness) -> None:
    client = await start(harness, holds_per_minute=3, bookings_per_minute=2)
    salon = await salon_with_clients(harness, client, 1001)
    body = {"branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": "2026-03-02T12:00:00+03:00"}
    for _ in range(3):
        assert (await client.post("/api/v1/slots/hold", json=body, headers=tma(harness, 1001))).status_code == 201
    r = await client.post("/api/v1/slots/hold", json=body, headers=tma(harness, 1001))
    await problem(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    for _ in range(2):  # refused attempts count too
        await client.post("/api/v1/appointments", json={"hold_id": "nope"}, headers=tma(harness, 1001))
    await problem(await client.post("/api/v1/appointments", json=body, headers=tma(harness, 1001)), 429, "rate_limited")
    harness.clock.advance(60)
    assert (await client.post("/api/v1/appointments", json=body, headers=tma(harness, 1001))).status_code == 201
