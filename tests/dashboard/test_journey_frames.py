"""The client's journey on the dashboard socket (SPEC §9.3), behind a real Hypercorn, on both
backends: a client's reschedule, «Приду» and a rating each arrive as a frame with the card."""

from __future__ import annotations

from api.telegram.initdata import sign_init_data
from tests.dashboard.conftest import Env
from tests.dashboard.helpers import BOT_TOKEN, client_books, feed


async def test_reschedule_confirm_and_feedback_frames(env: Env) -> None:
    token = (await env.h.admin_headers())["Authorization"][7:]
    c, s = env.client, env.salon
    tma = {"Authorization": "tma " + sign_init_data(BOT_TOKEN, {"id": 4242, "first_name": "Иван"},
                                                    int(env.h.clock.now()))}
    async with env.h.serve() as base, feed(base, token) as f:
        booked = await client_books(env.h, c, s, "2026-03-03T12:00:00+03:00")
        assert (await f.event())["type"] == "appointment.created"
        r = await c.patch(f"/api/v1/appointments/{booked['id']}/status", headers=s.headers,
                          json={"status": "confirmed"})
        assert (await f.event())["appointment"]["status"] == "confirmed"

        r = await c.post(f"/api/v1/appointments/{booked['id']}/confirm-visit", headers=tma)
        assert r.status_code == 200, await r.get_data(as_text=True)
        ev = await f.event()
        assert ev["type"] == "appointment.visit_confirmed"
        assert ev["appointment"] == await r.get_json() and ev["appointment"]["client_confirmed_at"]

        r = await c.patch(f"/api/v1/appointments/{booked['id']}/reschedule", headers=tma,
                          json={"start": "2026-03-03T16:00:00+03:00"})
        assert r.status_code == 200, await r.get_data(as_text=True)
        ev = await f.event()
        assert ev["type"] == "appointment.rescheduled"
        assert (ev["appointment"]["status"], ev["appointment"]["start"]) == ("new", "2026-03-03T16:00:00+03:00")
        assert ev["appointment"]["client_confirmed_at"] is None

        r = await c.patch(f"/api/v1/appointments/{booked['id']}/status", headers=s.headers, json={"status": "done"})
        await f.event()
        r = await c.post(f"/api/v1/appointments/{booked['id']}/feedback", headers=tma,
                         json={"rating": 3, "comment": "долго ждала"})
        assert r.status_code == 201, await r.get_data(as_text=True)
        ev = await f.event()
        assert ev["type"] == "appointment.feedback"
        assert ev["appointment"]["feedback"] == {"rating": 3, "comment": "долго ждала"}
