"""The webhooks admin API: life cycle, who may call it, URL checks and bad input as problem documents."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import Harness
from tests.seed import seed_salon
from tests.webhooks.conftest import World

RU = {"Accept-Language": "ru"}


async def test_register_list_get_delete(world: World, receivers: Any) -> None:
    receiver = await receivers()
    headers = world.salon.headers
    hook = await world.register(receiver.url, ["appointment.created", "appointment.cancelled"],
                                branch_ids=[world.salon.branch_id])
    assert hook["events"] == ["appointment.created", "appointment.cancelled"]
    assert hook["branch_ids"] == [world.salon.branch_id] and hook["created_by"] == "admin"
    r = await world.client.get("/api/v1/admin/webhooks", headers=headers)
    listing = await r.get_json()
    assert [h["id"] for h in listing["items"]] == [hook["id"]]
    assert "secret" not in listing["items"][0]  # shown once, at creation
    assert "appointment.status_changed" in listing["event_types"]
    r = await world.client.get(f"/api/v1/admin/webhooks/{hook['id']}", headers=headers)
    assert r.status_code == 200 and "secret" not in await r.get_json()
    assert (await world.client.delete(f"/api/v1/admin/webhooks/{hook['id']}", headers=headers)).status_code == 204
    for method, path in (("GET", ""), ("DELETE", ""), ("GET", "/deliveries"), ("POST", "/test")):
        r = await world.client.open(f"/api/v1/admin/webhooks/{hook['id']}{path}", method=method, headers=headers)
        assert r.status_code == 404 and (await r.get_json())["code"] == "not_found"
    assert (await (await world.client.get("/api/v1/admin/webhooks", headers=headers)).get_json())["items"] == []


async def test_registrations_are_journaled_with_russian_sentences_and_no_secret(world: World, receivers: Any) -> None:
    receiver = await receivers()
    hook = await world.register(receiver.url)
    await world.client.post(f"/api/v1/admin/webhooks/{hook['id']}/test", headers=world.salon.headers)
    await world.client.delete(f"/api/v1/admin/webhooks/{hook['id']}", headers=world.salon.headers)
    r = await world.client.get("/api/v1/system/journal", headers=world.salon.headers)
    events = [e for e in (await r.get_json())["events"] if e["stream"] == "webhooks"]
    assert [e["type"] for e in events] == ["webhook.created", "webhook.test_requested", "webhook.deleted"]
    assert events[0]["data"]["secret"] == "***"
    assert hook["secret"] not in str(await r.get_data(as_text=True))
    assert events[0]["text"] == f"Администратор admin: добавлен вебхук {receiver.url} — все события; все филиалы"
    assert events[1]["text"] == f"Администратор admin: отправлено тестовое событие на вебхук {hook['id']}"
    assert events[2]["text"] == f"Администратор admin: удалён вебхук {hook['id']}"


async def test_registrations_survive_a_restart(world: World, receivers: Any) -> None:
    receiver = await receivers()
    hook = await world.register(receiver.url, ["appointment.created"])
    await world.h.restart()
    world.client = world.h.client()
    r = await world.client.get(f"/api/v1/admin/webhooks/{hook['id']}", headers=world.salon.headers)
    assert (await r.get_json())["events"] == ["appointment.created"]
    await world.book(1)
    [got] = await receiver.wait_for(1)
    assert got.signed_with(hook["secret"])


async def test_only_admins(world: World) -> None:
    manager = {"Authorization": f"Bearer {await world.h.user('anna', 'manager', (world.salon.branch_id,))}"}
    for headers, status in (({}, 401), (manager, 403)):
        r = await world.client.get("/api/v1/admin/webhooks", headers=headers)
        assert r.status_code == status
        r = await world.client.post("/api/v1/admin/webhooks", headers=headers, json={"url": "x"})
        assert r.status_code == status  # before the body is looked at


@pytest.mark.parametrize(("body", "key"), [
    ({"url": "https://example.com/h", "events": ["appointment.moved"]}, "Нет такого события"),
    ({"url": "https://example.com/h", "events": []}, ""),
    ({"url": "https://example.com/h"}, ""),
    ({"url": "https://example.com/h", "events": "*", "branch_ids": ["nope"]}, "Нет такого филиала"),
    ({"url": "https://example.com/h", "events": "*", "branch_ids": []}, ""),
    ({"url": "https://example.com/h", "events": "*", "secret": "mine"}, ""),
    ({"url": "ftp://example.com/h", "events": "*"}, "https:// или http://"),
    ({"url": "https://user:pw@example.com/h", "events": "*"}, "Адрес записан неверно"),
    ({"url": "https://example.com:99999/h", "events": "*"}, "Адрес записан неверно"),
    ({"url": "https://" + "a" * 2000 + ".com/", "events": "*"}, ""),
])
async def test_bad_input_is_a_russian_400(world: World, body: dict[str, Any], key: str) -> None:
    r = await world.client.post("/api/v1/admin/webhooks", headers={**world.salon.headers, **RU}, json=body)
    assert r.status_code == 400, await r.get_data(as_text=True)
    problem = await r.get_json()
    assert problem["code"] == "validation_error" and key in problem["detail"]


@pytest.fixture
async def strict(harness: Harness) -> World:
    """Production's URL rules: https only, public addresses only."""
    client = await harness.start()
    return World(harness, client, await seed_salon(harness, client, staff=1))


@pytest.mark.parametrize(("url", "key"), [
    ("http://93.184.216.34/hook", "https://"),
    ("https://127.0.0.1/hook", "внутренний адрес"),
    ("https://localhost:8443/hook", "внутренний адрес"),
    ("https://10.1.2.3/hook", "внутренний адрес"),
    ("https://192.168.0.10/hook", "внутренний адрес"),
    ("https://172.16.5.5/hook", "внутренний адрес"),
    ("https://169.254.169.254/latest/meta-data", "внутренний адрес"),
    ("https://100.64.0.1/hook", "внутренний адрес"),
    ("https://[::1]/hook", "внутренний адрес"),
    ("https://[fe80::1]/hook", "внутренний адрес"),
    ("https://[fd00::1]/hook", "внутренний адрес"),
    ("https://[::ffff:127.0.0.1]/hook", "внутренний адрес"),
    ("https://0.0.0.0/hook", "внутренний адрес"),
    ("https://224.0.0.1/hook", "внутренний адрес"),
    ("https://no-such-host.invalid/hook", "Не удалось найти сервер"),
])
async def test_urls_that_reach_inside_are_refused(strict: World, url: str, key: str) -> None:
    r = await strict.client.post("/api/v1/admin/webhooks", headers={**strict.salon.headers, **RU},
                                 json={"url": url, "events": "*"})
    assert r.status_code == 400, await r.get_data(as_text=True)
    assert key in (await r.get_json())["detail"]


async def test_a_public_https_url_is_accepted(strict: World) -> None:
    r = await strict.client.post("/api/v1/admin/webhooks", headers=strict.salon.headers,
                                 json={"url": "https://93.184.216.34/hook", "events": "*"})
    assert r.status_code == 201
    r = await strict.client.post("/api/v1/admin/webhooks", headers=strict.salon.headers,
                                 json={"url": "https://[2606:2800:220:1::]/hook", "events": "*"})
    assert r.status_code == 201
