"""The board's waitlist panel (SPEC §9.3) in Chromium: entries and offers appear live from the
socket's ``waitlist.*`` frames, screenshots at 1280/820/390 px, and axe stays green."""

from __future__ import annotations

from typing import Any

from api.telegram.initdata import sign_init_data
from tests.web.conftest import sign_in
from tests.web.site import BOT_TOKEN, SESSION_LOOP, Site, artifact, at, card
from tests.web.test_axe import violations

pytestmark = SESSION_LOOP

ITEM = "#waitlist .waitlist-item"


async def client_headers(site: Site, telegram_id: int, phone: str, name: str) -> dict[str, str]:
    init = sign_init_data(BOT_TOKEN, {"id": telegram_id, "first_name": name}, int(site.h.clock.now()))
    headers = {"Authorization": f"tma {init}"}
    r = await site.api.post("/api/v1/clients/auth", json={"phone": phone, "name": name}, headers=headers)
    assert r.status_code in (200, 201), await r.get_data(as_text=True)
    return headers


async def joins(site: Site, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    r = await site.api.post("/api/v1/waitlist", headers=headers, json={
        "branch_id": site.branch_id, "service_ids": [site.services["Женская стрижка"]],
        "date_from": "2026-03-02", "date_to": "2026-03-03", **extra})
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def test_the_panel_shows_who_waits_and_offers_live(page: Any, site: Site) -> None:
    busy = await site.manual(at("13:00"), phone="+79161234567", name="Ольга Петрова")
    await sign_in(page)
    await page.locator(card(busy["id"], "confirmed")).wait_for()
    await page.wait_for_selector("#live[data-state=online]")
    assert await page.locator("#waitlist .waitlist-summary").inner_text() == "Лист ожидания пуст"

    irina = await client_headers(site, 7401, "+79005550101", "Ирина Лебедева")
    entry = await joins(site, irina, staff_id=site.staff["Анна Смирнова"], time_from="12:00", time_to="17:00")
    row = page.locator(f'{ITEM}[data-entry="{entry["id"]}"]')
    await row.wait_for(timeout=2000)  # the waitlist.joined frame, no reload
    assert "Ирина Лебедева" in await row.inner_text()
    assert "мастер Анна Смирнова" in await row.inner_text()
    assert await row.locator(".waitlist-state").inner_text() == "Ждёт свободного времени"
    gleb = await client_headers(site, 7402, "+79005550102", "Глеб Орлов")
    await joins(site, gleb)
    await page.wait_for_function("() => document.querySelectorAll('#waitlist .waitlist-item').length === 2",
                                 timeout=2000)
    assert await page.locator("#waitlist .waitlist-summary").inner_text() == "Лист ожидания: 2 клиента"

    # The manager cancels Ольга's visit: the freed 13:00 is offered to Ирина, live.
    r = await site.api.patch(f"/api/v1/appointments/{busy['id']}/status", headers=site.headers,
                             json={"status": "cancelled"})
    assert r.status_code == 200
    await page.wait_for_selector(f'{ITEM}.is-offered[data-entry="{entry["id"]}"]', timeout=2000)
    state = await row.locator(".waitlist-state").inner_text()
    assert state.startswith("Предложено: ") and "13:00" in state and "ждём ответа до 09:15" in state
    assert await page.locator("#waitlist .waitlist-summary").inner_text() == "Лист ожидания: 2 клиента, предложено 1"
    assert await violations(page) == []
    for width, height in ((1280, 800), (820, 1180), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=artifact(f"waitlist-{width}.png"), full_page=True)
        cut = await page.evaluate("""() => [...document.querySelectorAll('#waitlist .waitlist-item')]
            .some(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)""")
        assert not cut, f"the panel is cut off at {width} px"
    await page.set_viewport_size({"width": 1280, "height": 800})

    # Ирина declines: the offer goes to Глеб; Ирина waits again. Глеб books it: he leaves the panel.
    offer = (await (await site.api.get("/api/v1/waitlist/my", headers=irina)).get_json())["items"][0]["offer"]
    r = await site.api.delete(f"/api/v1/slots/hold/{offer['hold_id']}", headers=irina)
    assert r.status_code == 204
    await page.wait_for_selector(f'{ITEM}:not(.is-offered)[data-entry="{entry["id"]}"]', timeout=2000)
    theirs = (await (await site.api.get("/api/v1/waitlist/my", headers=gleb)).get_json())["items"][0]
    r = await site.api.post("/api/v1/appointments", headers=gleb, json={"hold_id": theirs["offer"]["hold_id"]})
    assert r.status_code == 201
    await page.wait_for_function("() => document.querySelectorAll('#waitlist .waitlist-item').length === 1",
                                 timeout=2000)
    assert await page.locator("#waitlist .waitlist-summary").inner_text() == "Лист ожидания: 1 клиент"
