"""Live board: a client's booking flies into «Новые» with a chime, other managers' changes
appear in place, and a dropped socket reconnects with after_seq and misses nothing."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, at, card

pytestmark = SESSION_LOOP


async def online(page: Any) -> None:
    await page.wait_for_selector("#live[data-state=online]")


async def test_a_client_booking_appears_in_new_within_two_seconds(page: Any, site: Site) -> None:
    await sign_in(page)
    await online(page)
    await page.click("body")  # a user gesture: the browser allows the chime from now on
    await page.evaluate("window.__sameDocument = true")
    started = time.monotonic()
    appt = await site.client_books(at("13:00"), telegram_id=7001, phone="+79005550001", name="Светлана")
    new = page.locator(card(appt["id"], "new"))
    await new.wait_for(timeout=2000)
    assert time.monotonic() - started < 2.0
    assert await new.locator(".card-client").inner_text() == "Светлана"
    assert await new.locator(".card-time").inner_text() == "пн, 02.03 · 13:00–13:45"
    assert await new.evaluate("el => el.classList.contains('arrived')")  # the fly-in animation
    assert await page.evaluate("document.documentElement.dataset.chimes") == "1"
    assert await page.evaluate("window.__sameDocument") is True  # no reload happened
    assert await page.locator('.column[data-status="new"] .count').inner_text() == "1"


async def test_muted_board_still_shows_the_card_without_a_chime(page: Any, site: Site) -> None:
    await sign_in(page)
    await online(page)
    await page.click("#mute")
    assert await page.get_attribute("#mute", "aria-pressed") == "true"
    appt = await site.client_books(at("15:00"), telegram_id=7002, phone="+79005550002", name="Глеб")
    await page.locator(card(appt["id"], "new")).wait_for(timeout=2000)
    assert await page.evaluate("document.documentElement.dataset.chimes") is None
    await page.reload()  # the choice is remembered
    await page.wait_for_selector("#app:not([hidden])")
    assert await page.get_attribute("#mute", "aria-pressed") == "true"


async def test_other_managers_changes_appear_in_place(page: Any, site: Site) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await sign_in(page)
    await page.locator(card(olga["id"], "confirmed")).wait_for()
    await online(page)
    r = await site.api.patch(f"/api/v1/appointments/{olga['id']}/status", headers=site.headers,
                             json={"status": "in_progress"})
    assert r.status_code == 200
    moved = page.locator(card(olga["id"], "in_progress"))
    await moved.wait_for(timeout=2000)
    assert await moved.evaluate("el => el.classList.contains('changed')")
    r = await site.api.patch(f"/api/v1/appointments/{olga['id']}/reschedule", headers=site.headers,
                             json={"start": at("16:00"), "staff_id": site.staff["Мария Кузнецова"]})
    assert r.status_code == 200
    await page.wait_for_function(
        "id => document.querySelector(`.card[data-id='${id}'] .card-time`)?.textContent === 'пн, 02.03 · 16:00–17:00'",
        arg=olga["id"], timeout=2000)
    assert await page.locator(card(olga["id"]) + " .card-master").inner_text() == "Мария Кузнецова"
    assert await page.locator(".card").count() == 1
    assert await page.evaluate("document.documentElement.dataset.chimes") is None  # only new bookings chime


async def test_a_dropped_socket_reconnects_with_after_seq_and_misses_nothing(page: Any, site: Site) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    sockets: list[dict[str, Any]] = []

    async def relay(ws: Any) -> None:
        """Pass frames both ways, recording what the page sends."""
        server = ws.connect_to_server()
        record: dict[str, Any] = {"page": ws, "server": server, "sent": []}

        def from_page(message: str | bytes) -> None:
            record["sent"].append(json.loads(message))
            server.send(message)

        ws.on_message(from_page)
        sockets.append(record)

    await page.route_web_socket("**/api/v1/dashboard/updates", relay)
    await sign_in(page)
    await page.locator(card(olga["id"], "confirmed")).wait_for()
    await online(page)
    first = sockets[0]["sent"][0]
    assert first["type"] == "auth" and isinstance(first["after_seq"], int)  # from the board's seq

    # The network drops the socket (as a proxy would, or the server with 4008).
    await sockets[0]["server"].close(code=1000)
    await sockets[0]["page"].close(code=4008, reason="too far behind")
    await page.wait_for_selector("#live[data-state=reconnecting]")
    before = site.h.z.hub.seq  # the journal's position before the changes below
    # While the board is away: a client books and another manager moves Olga.
    appt = await site.client_books(at("13:00"), telegram_id=7003, phone="+79005550003", name="Денис")
    r = await site.api.patch(f"/api/v1/appointments/{olga['id']}/status", headers=site.headers,
                             json={"status": "done"})
    assert r.status_code == 200

    await online(page)
    await page.locator(card(appt["id"], "new")).wait_for(timeout=5000)
    await page.locator(card(olga["id"], "done")).wait_for(timeout=5000)
    assert len(sockets) == 2
    hello = sockets[1]["sent"][0]
    # It resumed from where the page was: not past anything it had not seen.
    assert hello["type"] == "auth" and first["after_seq"] <= hello["after_seq"] <= before
    assert await page.locator(".card").count() == 2  # nothing twice
    await asyncio.sleep(0.3)
    assert await page.locator(".card").count() == 2
