"""The dashboard socket behind a real Hypercorn, driven by the ``websockets`` client."""

from __future__ import annotations

import json

import websockets

from tests.dashboard.conftest import Env
from tests.dashboard.helpers import bearer, client_books, feed, manual, ws_url
from tests.seed import seed_salon


async def test_no_auth_frame_in_time_closes_4401(env: Env) -> None:
    async with env.h.serve() as base:
        async with websockets.connect(ws_url(base)) as conn:
            try:
                await conn.recv()
            except websockets.ConnectionClosed:
                pass
            assert conn.close_code == 4401


async def test_garbage_first_frame_closes_4401_and_bad_fields_4400(env: Env) -> None:
    token = (await env.h.admin_headers())["Authorization"][7:]
    async with env.h.serve() as base:
        for hello, code in (
            ("not json", 4401),
            (json.dumps({"type": "hello"}), 4401),
            (json.dumps({"type": "auth", "token": token, "after_seq": -1}), 4400),
            (json.dumps({"type": "auth", "token": token, "after_seq": True}), 4400),
            (json.dumps({"type": "auth", "token": token, "branch_ids": "x"}), 4400),
        ):
            async with websockets.connect(ws_url(base)) as conn:
                await conn.send(hello)
                try:
                    await conn.recv()
                except websockets.ConnectionClosed:
                    pass
                assert conn.close_code == code, hello


async def test_client_booking_reaches_the_board_as_created_with_the_full_appointment(env: Env) -> None:
    token = (await env.h.admin_headers())["Authorization"][7:]
    async with env.h.serve() as base, feed(base, token) as f:
        assert f.ready_seq == await env.journal.last_seq()
        booked = await client_books(env.h, env.client, env.salon, "2026-03-02T12:00:00+03:00")
        ev = await f.event()
    assert ev["type"] == "appointment.created"
    assert ev["seq"] > f.ready_seq
    assert ev["branch_id"] == env.salon.branch_id
    assert ev["at"] == "2026-03-02T06:00:00.000Z"
    assert ev["appointment"] == booked  # SPEC's whole shape, exactly as the client API answered
    assert booked["status"] == "new" and booked["source"] == "bot"


async def test_status_change_reschedule_and_client_cancel_events(env: Env) -> None:
    token = (await env.h.admin_headers())["Authorization"][7:]
    c, s = env.client, env.salon
    async with env.h.serve() as base, feed(base, token) as f:
        appt = await (await manual(c, s, "2026-03-02T12:00:00+03:00")).get_json()
        created = await f.event()
        assert (created["type"], created["appointment"]["status"]) == ("appointment.created", "confirmed")

        r = await c.patch(f"/api/v1/appointments/{appt['id']}/status", headers=s.headers,
                          json={"status": "in_progress", "version": 1})
        assert r.status_code == 200
        ev = await f.event()
        assert ev["type"] == "appointment.status_changed"
        assert ev["appointment"] == await r.get_json()
        assert (ev["appointment"]["status"], ev["appointment"]["version"]) == ("in_progress", 2)

        r = await c.patch(f"/api/v1/appointments/{appt['id']}/status", headers=s.headers,
                          json={"status": "confirmed"})
        await f.event()
        r = await c.patch(f"/api/v1/appointments/{appt['id']}/reschedule", headers=s.headers,
                          json={"start": "2026-03-03T15:00:00+03:00", "staff_id": s.staff[1]})
        assert r.status_code == 200, await r.get_data(as_text=True)
        ev = await f.event()
        assert ev["type"] == "appointment.rescheduled"
        assert ev["appointment"]["start"] == "2026-03-03T15:00:00+03:00"
        assert ev["appointment"]["staff"]["id"] == s.staff[1]

        booked = await client_books(env.h, c, s, "2026-03-04T12:00:00+03:00")
        assert (await f.event())["type"] == "appointment.created"
        r = await c.post(f"/api/v1/appointments/{booked['id']}/cancel",
                         headers={"Authorization": _tma(env)})
        assert r.status_code == 200, await r.get_data(as_text=True)
        ev = await f.event()
        assert ev["type"] == "appointment.cancelled"
        assert ev["appointment"]["status"] == "cancelled"
        seqs = [created["seq"], ev["seq"]]
        assert seqs == sorted(seqs)


def _tma(env: Env) -> str:
    from api.telegram.initdata import sign_init_data
    from tests.dashboard.helpers import BOT_TOKEN

    init = sign_init_data(BOT_TOKEN, {"id": 4242, "first_name": "Иван"}, int(env.h.clock.now()))
    return f"tma {init}"


async def test_manager_of_a_never_receives_b_and_gets_403_on_its_board(env: Env) -> None:
    a = env.salon
    b = await seed_salon(env.h, env.client)
    anna = await env.h.user("anna", "manager", (a.branch_id,))
    r = await env.client.get("/api/v1/dashboard/board", headers=bearer(anna),
                             query_string={"branch_id": b.branch_id})
    assert r.status_code == 403
    assert (await r.get_json())["code"] == "forbidden"
    async with env.h.serve() as base:
        async with feed(base, anna) as f:
            first = f.ready_seq
            assert (await manual(env.client, b, "2026-03-02T12:00:00+03:00")).status_code == 201
            assert (await manual(env.client, a, "2026-03-02T12:00:00+03:00")).status_code == 201
            ev = await f.event()  # B's booking was committed first, and is not here
            assert ev["branch_id"] == a.branch_id
        async with feed(base, anna, after_seq=0) as f:  # the replay is scoped too
            ev = await f.event()
            assert ev["branch_id"] == a.branch_id and ev["seq"] > first
        async with websockets.connect(ws_url(base)) as conn:
            await conn.send(json.dumps({"type": "auth", "token": anna, "branch_ids": [b.branch_id]}))
            try:
                await conn.recv()
            except websockets.ConnectionClosed:
                pass
            assert conn.close_code == 4403


async def test_branch_ids_narrow_an_admins_socket(env: Env) -> None:
    a = env.salon
    b = await seed_salon(env.h, env.client)
    token = (await env.h.admin_headers())["Authorization"][7:]
    async with env.h.serve() as base, feed(base, token, branch_ids=[b.branch_id]) as f:
        await manual(env.client, a, "2026-03-02T12:00:00+03:00")
        await manual(env.client, b, "2026-03-02T12:00:00+03:00")
        assert (await f.event())["branch_id"] == b.branch_id


async def test_heartbeat_ping_carries_a_resumable_seq(env: Env) -> None:
    token = (await env.h.admin_headers())["Authorization"][7:]
    async with env.h.serve() as base, feed(base, token) as f:
        await manual(env.client, env.salon, "2026-03-02T12:00:00+03:00")
        ev = await f.frame()
        assert ev["type"] == "appointment.created"
        ping = await f.frame()
        assert ping == {"type": "ping", "seq": ev["seq"]}


async def test_token_expiry_closes_the_socket_4401(env: Env) -> None:
    token = (await env.h.admin_headers())["Authorization"][7:]
    async with env.h.serve() as base, feed(base, token) as f:
        env.h.clock.advance(env.h.settings.jwt_ttl_s + 1)
        assert await f.close_code() == 4401


async def test_server_shutdown_closes_sockets_1001(env: Env) -> None:
    token = (await env.h.admin_headers())["Authorization"][7:]
    async with env.h.serve() as base, feed(base, token) as f:
        hub = env.h.z.hub
        assert hub is not None and hub.subscribers == 1
        await hub.shutdown()
        assert await f.close_code() == 1001
        assert hub.subscribers == 0
