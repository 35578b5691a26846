"""A visit of two services on the dashboard (SPEC §9.2): ONE calendar block of the full length
naming both services, one board card with both names and the total; screenshots at 1280, 820
and 390 px; the master's form saves own prices and durations."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact, at, card

pytestmark = SESSION_LOOP

PX_PER_MIN = 1.6  # calendar.js
DAY_START = 9 * 60  # the demo masters work 09:00–21:00
NAMES = "Женская стрижка + Окрашивание"


async def two_services(site: Site) -> dict[str, Any]:
    r = await site.api.post("/api/v1/appointments/manual", headers=site.headers, json={
        "branch_id": site.branch_id, "service_ids": [site.services["Женская стрижка"], site.services["Окрашивание"]],
        "start": at("11:00"), "staff_id": site.staff["Мария Кузнецова"],
        "client": {"phone": "+79161230077", "name": "Вера Лебедева"}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    return await r.get_json()  # type: ignore[no-any-return]


async def test_a_two_service_visit_is_one_block_of_the_full_length_with_both_names(page: Any, site: Site) -> None:
    visit = await two_services(site)
    assert visit["end"] == at("13:30") and visit["total_price"] == "6500.00"  # 60 + 90 min, 2 000 + 4 500
    await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await sign_in(page)
    # The board: one card, both names, the total.
    one = page.locator(card(visit["id"]))
    await one.wait_for()
    assert await one.locator(".card-service").inner_text() == NAMES
    assert "6\u00a0500" in await one.locator(".card-price").inner_text()
    assert "11:00–13:30" in await one.locator(".card-time").inner_text()
    # The calendar: one block in Мария's column from 11:00, 150 minutes tall.
    await page.click("#nav a[data-route=calendar]")
    blocks = page.locator(f'.cal-col[data-staff="{site.staff["Мария Кузнецова"]}"] .cal-appt')
    await blocks.first.wait_for()
    assert await blocks.count() == 1
    block = page.locator(f'.cal-appt[data-id="{visit["id"]}"]')
    assert await block.locator(".cal-appt-time").inner_text() == "11:00–13:30"
    assert await block.locator(".cal-appt-service").inner_text() == NAMES
    assert await block.evaluate("el => el.offsetTop") == round((11 * 60 - DAY_START) * PX_PER_MIN)
    assert await block.evaluate("el => el.offsetHeight") == round(150 * PX_PER_MIN)
    assert NAMES in (await block.get_attribute("title") or "")
    await page.wait_for_selector("#live[data-state=online]")
    for width, height in ((1280, 800), (820, 1180), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        await block.scroll_into_view_if_needed()
        await page.screenshot(path=artifact(f"calendar-two-services-{width}.png"))


async def test_the_masters_form_saves_own_price_and_duration(page: Any, site: Site) -> None:
    await sign_in(page)
    await page.click("#nav a[data-route=staff]")
    await page.get_by_role("button", name="Изменить").first.wait_for()
    await page.get_by_role("button", name="Изменить").first.click()
    dialog = page.locator("dialog[open]")
    await dialog.get_by_label("Своя цена: Окрашивание").fill("5 000")
    await dialog.get_by_label("Своя длительность, мин: Окрашивание").fill("120")
    for width, height in ((1280, 800), (820, 1180), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        await dialog.locator(".own-prices").scroll_into_view_if_needed()
        await page.screenshot(path=artifact(f"staff-own-prices-{width}.png"))
    async with page.expect_response(lambda r: "/admin/staff/" in r.url and r.request.method == "PATCH") as answer:
        await dialog.get_by_role("button", name="Сохранить").click()
    saved = await (await answer.value).json()
    colour = site.services["Окрашивание"]
    assert saved["service_overrides"] == [{"service_id": colour, "price": "5000.00", "duration_min": 120}]
    chip = page.locator(f'.master-card[data-id="{saved["id"]}"] .chip', has_text="120 мин")
    await chip.wait_for()  # the list is drawn again after the save
    assert (await chip.inner_text()).replace("\u00a0", " ") == "Окрашивание · 5 000 ₽ · 120 мин"
    r = await site.api.get("/api/v1/services", query_string={"staff_id": saved["id"]})
    mine = {s["id"]: s for s in (await r.get_json())["items"]}
    assert (mine[colour]["price"], mine[colour]["duration_min"]) == ("5000.00", 120)


async def test_the_booking_form_books_two_services_as_one_visit(page: Any, site: Site) -> None:
    await site.manual(at("12:00"), phone="+79161234567", name="Ольга Петрова")  # Анна: 12:00–13:00 taken
    await sign_in(page)
    await page.click("#new-booking")
    dialog = page.locator("dialog#booking")
    await dialog.wait_for()
    await dialog.locator("input[name=phone]").press_sequentially("9057770022")
    await dialog.locator("input[name=name]").fill("Вера Лебедева")
    await dialog.locator("select[name=service]").select_option(site.services["Женская стрижка"])
    await dialog.locator("select[name=more]").select_option(site.services["Окрашивание"])
    await dialog.locator("select[name=time]:not([aria-busy])").wait_for(state="attached")
    await dialog.locator("select[name=staff]").select_option(site.staff["Анна Смирнова"])
    times = await dialog.locator("select[name=time] option").all_inner_texts()
    # 150 minutes with Анна: 09:30 would run into 12:00, 13:00 is free again; 18:30 still fits before 21:00.
    assert "09:30" in times and "09:45" not in times and "13:00" in times and times[-1] == "18:30"
    await dialog.locator("select[name=time]").select_option(label="13:00")
    for width, height in ((1280, 800), (820, 1180), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=artifact(f"booking-two-services-{width}.png"))
    await page.set_viewport_size({"width": 1440, "height": 900})
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    r = await site.api.get("/api/v1/clients", headers=site.headers, query_string={"q": "+79057770022"})
    [client] = (await r.get_json())["items"]
    r = await site.api.get(f"/api/v1/clients/{client['id']}", headers=site.headers)
    [appt] = (await r.get_json())["appointments"]
    assert [s["name"] for s in appt["services"]] == ["Женская стрижка", "Окрашивание"]
    assert (appt["start"], appt["end"]) == (at("13:00"), at("15:30")) and appt["total_price"] == "6500.00"
    await page.locator(card(appt["id"])).wait_for()
    assert await page.locator(card(appt["id"])).locator(".card-service").inner_text() == NAMES
