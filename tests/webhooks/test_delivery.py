"""Webhook deliveries against a real HTTP receiver, on SQLite and PostgreSQL (SPEC §9.4)."""

from __future__ import annotations

import asyncio
from typing import Any

from actors.core.messages import ChangeStatus
from actors.core.model import Status
from tests.webhooks.conftest import World


async def test_events_arrive_signed_in_seq_order_as_the_socket_frame(world: World, receivers: Any) -> None:
    receiver = await receivers()
    hook = await world.register(receiver.url)
    assert hook["secret"].startswith("whsec_") and len(hook["secret"]) > 40
    ids = await world.book(4)
    await world.h.z.runtime.branch(world.salon.branch_id).ask(ChangeStatus(ids[0], Status.CONFIRMED))
    got = await receiver.wait_for(5)
    assert [r.event for r in got] == ["appointment.created"] * 4 + ["appointment.status_changed"]
    assert receiver.deliveries() == sorted(receiver.deliveries())
    assert len(set(receiver.deliveries())) == 5
    for r in got:
        assert r.signed_with(hook["secret"]) and r.content_type == "application/json"
        assert not r.signed_with(hook["secret"] + "x")
        body = r.body
        assert body["type"] == r.event and body["seq"] == r.delivery
        assert body["branch_id"] == world.salon.branch_id and body["appointment"]["id"] in ids
    assert got[-1].body["appointment"]["status"] == "confirmed"
    # the same JSON the dashboard socket replays for that event (the card as committed now)
    last = got[-1].delivery
    frames = [f async for f in world.h.z.hub.replay(last - 1, last, lambda _b: True)]
    assert frames == [got[-1].raw.decode()]


async def test_an_endpoint_gets_only_its_types_and_branches(world: World, receivers: Any) -> None:
    created, changed, elsewhere = await receivers(), await receivers(), await receivers()
    await world.register(created.url, ["appointment.created"])
    await world.register(changed.url, ["appointment.status_changed"], branch_ids=[world.salon.branch_id])
    r = await world.client.post("/api/v1/admin/branches", headers=world.salon.headers,
                                json={"name": "Другой", "timezone": "Europe/Moscow"})
    other = (await r.get_json())["id"]
    await world.register(elsewhere.url, "*", branch_ids=[other])
    ids = await world.book(2)
    await world.h.z.runtime.branch(world.salon.branch_id).ask(ChangeStatus(ids[1], Status.CONFIRMED))
    await world.h.z.webhooks.deliveries.settle()
    assert [r.event for r in created.received] == ["appointment.created"] * 2
    assert [r.event for r in changed.received] == ["appointment.status_changed"]
    assert elsewhere.received == []


async def test_a_500_is_retried_with_the_same_delivery_then_the_queue_goes_on(world: World, receivers: Any) -> None:
    receiver = await receivers(answers=[500, 200])
    hook = await world.register(receiver.url)
    await world.book(3)
    await receiver.wait_for(4)
    await world.h.z.webhooks.deliveries.settle()
    first = receiver.received[0].delivery
    assert receiver.deliveries()[:2] == [first, first]  # again, then once
    assert len(receiver.received) == 4 and len(set(receiver.deliveries())) == 3
    assert receiver.received[0].raw == receiver.received[1].raw
    attempts = await world.deliveries(hook["id"])  # newest first
    assert [(a["seq"], a["attempt"], a["status"], a["outcome"]) for a in reversed(attempts)][:2] == [
        (first, 1, 500, "failed"), (first, 2, 200, "delivered")]
    assert attempts[-1]["error"] == "HTTP 500" and attempts[0]["duration_ms"] >= 0


async def test_a_hanging_receiver_does_not_delay_another_endpoint(world: World, receivers: Any) -> None:
    stuck = await receivers(hang=True)
    quick = await receivers()
    await world.register(stuck.url)
    await world.register(quick.url)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await world.book(5)
    await quick.wait_for(5, timeout=5)
    assert loop.time() - started < 1.5  # the stuck one's attempt lasts 2 s (webhook_timeout_s)
    assert len(stuck.received) == 1  # its first event, still waiting for an answer
    assert quick.deliveries() == sorted(quick.deliveries())


async def test_giving_up_after_24_hours_is_recorded_and_the_queue_goes_on(world: World, receivers: Any) -> None:
    receiver = await receivers(answers=[503, 503, 503, 200])
    hook = await world.register(receiver.url)
    await world.book(2)
    await receiver.wait_for(2)
    world.h.clock.advance(86400)  # the next failed attempt is past 24 h since the first
    await receiver.wait_for(4)
    await world.h.z.webhooks.deliveries.settle()
    world.salon.headers = await world.h.admin_headers()  # (the old token expired with the day)
    attempts = list(reversed(await world.deliveries(hook["id"])))
    first = attempts[0]["seq"]
    gave_up = [a for a in attempts if a["outcome"] == "gave_up"]
    assert len(gave_up) == 1 and gave_up[0]["seq"] == first and gave_up[0]["status"] == 503
    assert attempts[-1]["outcome"] == "delivered" and attempts[-1]["seq"] > first


async def test_a_test_event_is_delivered_signed_to_that_endpoint_only(world: World, receivers: Any) -> None:
    one, two = await receivers(), await receivers()
    hook = await world.register(one.url)
    await world.register(two.url)
    r = await world.client.post(f"/api/v1/admin/webhooks/{hook['id']}/test", headers=world.salon.headers)
    assert r.status_code == 202
    seq = (await r.get_json())["seq"]
    [got] = await one.wait_for(1)
    assert got.event == "webhook.test" and got.delivery == seq and got.signed_with(hook["secret"])
    assert got.body == {"type": "webhook.test", "seq": seq, "at": got.body["at"], "webhook_id": hook["id"]}
    await world.h.z.webhooks.deliveries.settle()
    assert two.received == []


async def test_a_deleted_endpoint_gets_nothing_more(world: World, receivers: Any) -> None:
    receiver = await receivers()
    hook = await world.register(receiver.url)
    await world.book(1)
    await receiver.wait_for(1)
    r = await world.client.delete(f"/api/v1/admin/webhooks/{hook['id']}", headers=world.salon.headers)
    assert r.status_code == 204
    await world.book(2)
    await world.h.z.webhooks.deliveries.settle()
    assert len(receiver.received) == 1


async def test_a_deleted_endpoints_records_are_dropped(world: World, receivers: Any) -> None:
    receiver = await receivers()
    hook = await world.register(receiver.url)
    await world.book(1)
    await receiver.wait_for(1)
    await world.h.z.webhooks.deliveries.settle()
    store = world.h.z.webhooks.store
    assert len(await store.attempts(hook["id"])) == 1
    await world.client.delete(f"/api/v1/admin/webhooks/{hook['id']}", headers=world.salon.headers)
    await world.h.z.webhooks.deliveries.settle()
    assert await store.attempts(hook["id"]) == [] and hook["id"] not in await store.positions()
