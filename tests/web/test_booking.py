"""The manual booking form for a phone call: phone formatted as typed, a known client found,
time from the free slots, the booking made and shown on the board."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact, at, card

pytestmark = SESSION_LOOP


async def open_form(page: Any) -> Any:
    await sign_in(page)
    await page.click("#new-booking")
    dialog = page.locator("dialog#booking")
    await dialog.wait_for()
    await page.wait_for_function("() => document.querySelector('#booking select[name=time]').options.length > 0")
    return dialog


async def choose_service(dialog: Any, service_id: str) -> None:
    """Pick a service and wait for its free times (the time list is busy while they load)."""
    await dialog.locator("select[name=service]").select_option(service_id)
    await dialog.locator("select[name=time]:not([aria-busy])").wait_for(state="attached")


async def test_the_phone_is_formatted_as_typed(page: Any, site: Site) -> None:
    dialog = await open_form(page)
    phone = dialog.locator("input[name=phone]")
    seen = []
    for key in "89161234567":
        await phone.press(key)
        seen.append(await phone.input_value())
    assert seen[0] == "+7"
    assert seen[3] == "+7 (916)"
    assert seen[6] == "+7 (916) 123"
    assert seen[-1] == "+7 (916) 123-45-67"
    await phone.press("Backspace")  # deleting after a dash removes a digit, not the dash back and forth
    assert await phone.input_value() == "+7 (916) 123-45-6"
    await phone.press("Backspace")
    assert await phone.input_value() == "+7 (916) 123-45"
    await phone.fill("")
    await phone.press_sequentially("+7 903 555 01 01")
    assert await phone.input_value() == "+7 (903) 555-01-01"


async def test_the_form_books_a_known_client_at_a_free_time(page: Any, site: Site) -> None:
    # Ольга already has a booking; 10:00 is then taken for Анна Смирнова.
    first = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    dialog = await open_form(page)
    await dialog.locator("input[name=phone]").press_sequentially("89161234567")
    known = dialog.locator("[data-role=known]")
    await known.wait_for()
    await page.wait_for_function("() => document.querySelector('[data-role=known]').textContent !== ''")
    assert await known.inner_text() == "Клиент из базы: Ольга Петрова, +7 (916) 123-45-67"
    assert await dialog.locator("input[name=name]").input_value() == "Ольга Петрова"

    await choose_service(dialog, site.services["Мужская стрижка"])
    await dialog.locator("select[name=staff]").select_option(site.staff["Анна Смирнова"])
    times = await dialog.locator("select[name=time] option").all_inner_texts()
    # From the server's now (09:00) on the 15-minute grid; 10:00–11:00 is Olga's first visit.
    assert times[:4] == ["09:00", "09:15", "11:00", "11:15"]  # 09:30–10:45 would overlap 10:00–11:00
    assert times[-1] == "20:15"  # 45 minutes still fit before 21:00
    await dialog.locator("select[name=time]").select_option(label="11:00")
    await dialog.locator("textarea[name=comment]").fill("Позвонила, просит к Анне")
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    toast = page.locator(".toast", has_text="Записано")
    await toast.wait_for()
    assert await toast.inner_text() == "Записано: Ольга Петрова, 11:00, Анна Смирнова"

    r = await site.api.get(f"/api/v1/clients/{first['client']['id']}", headers=site.headers)
    appts = (await r.get_json())["appointments"]
    assert len(appts) == 2  # the same client, not a second profile
    booked = next(a for a in appts if a["id"] != first["id"])
    assert booked["start"] == "2026-03-02T11:00:00+03:00"
    assert booked["service"]["name"] == "Мужская стрижка"
    assert booked["staff"]["name"] == "Анна Смирнова"
    assert booked["status"] == "confirmed" and booked["source"] == "manual"
    assert booked["comment"] == "Позвонила, просит к Анне"
    # And the board shows it without a reload.
    await page.locator(card(booked["id"], "confirmed")).wait_for(timeout=2000)


async def test_a_new_client_with_any_master(page: Any, site: Site) -> None:
    dialog = await open_form(page)
    await dialog.locator("input[name=phone]").press_sequentially("9057770011")
    await dialog.locator("input[name=name]").fill("Новый Клиент")
    await choose_service(dialog, site.services["Стрижка чёлки"])
    assert await dialog.locator("select[name=staff]").input_value() == ""  # «Любой свободный»
    await dialog.locator("select[name=time]").select_option(label="12:30")
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    r = await site.api.get("/api/v1/clients", headers=site.headers, query_string={"q": "+79057770011"})
    [client] = (await r.get_json())["items"]
    assert client["name"] == "Новый Клиент" and client["source"] == "manual"
    r = await site.api.get(f"/api/v1/clients/{client['id']}", headers=site.headers)
    [appt] = (await r.get_json())["appointments"]
    assert appt["start"] == "2026-03-02T12:30:00+03:00" and appt["staff"]["name"]


async def test_an_incomplete_phone_is_not_sent(page: Any, site: Site) -> None:
    dialog = await open_form(page)
    await dialog.locator("input[name=phone]").press_sequentially("916123")
    await dialog.locator("button[type=submit]").click()
    assert await dialog.locator(".error").inner_text() == "Введите телефон полностью"
    r = await site.api.get("/api/v1/clients", headers=site.headers)
    assert (await r.get_json())["items"] == []


async def test_a_branch_without_services_or_masters_says_what_to_add(page: Any, site: Site) -> None:
    r = await site.api.post("/api/v1/admin/branches", headers=site.headers,
                            json={"name": "Филиал на Невском", "timezone": "Europe/Moscow"})
    assert r.status_code == 201
    empty = (await r.get_json())["id"]
    dialog = await open_form(page)
    assert await dialog.locator("[data-role=no-services]").is_hidden()  # the demo branch has it all
    await dialog.locator("select[name=branch]").select_option(empty)
    hint = dialog.locator("[data-role=no-services]")
    await hint.wait_for()
    assert await hint.inner_text() == "В этом филиале ещё нет услуг. Добавьте услуги на странице «Услуги и цены»."
    assert await hint.locator("a").get_attribute("href") == "#/services"
    assert await dialog.locator("select[name=service]").is_disabled()
    assert await dialog.locator("select[name=time]").is_disabled()
    assert await dialog.locator("button[type=submit]").is_disabled()
    await page.screenshot(path=artifact("booking-no-services.png"))
    await hint.locator("a").click()  # the link leads there and closes the form
    await dialog.wait_for(state="detached")
    await page.wait_for_function("() => location.hash === '#/services'")

    # A service nobody does yet: the masters' page is the fix.
    r = await site.api.post("/api/v1/admin/services", headers=site.headers, json={
        "name": "Маникюр", "price": "1500", "duration_min": 60, "branch_ids": [empty]})
    assert r.status_code == 201
    await page.click("#new-booking")
    await dialog.wait_for()
    await dialog.locator("select[name=branch]").select_option(empty)
    hint = dialog.locator("[data-role=no-staff]")
    await hint.wait_for()
    assert await hint.inner_text() == ("Эту услугу в филиале пока не делает ни один мастер. "
                                       "Добавьте мастеров или отметьте им эту услугу на странице «Мастера и график».")
    assert await hint.locator("a").get_attribute("href") == "#/staff"
    assert await dialog.locator("[data-role=no-services]").is_hidden()
    assert await dialog.locator("select[name=staff] option").count() == 0
    assert await dialog.locator("button[type=submit]").is_disabled()
    # Back to the demo branch: lists full, no hints.
    await dialog.locator("select[name=branch]").select_option(site.branch_id)
    await hint.wait_for(state="hidden")
    await page.wait_for_function("() => document.querySelector('#booking select[name=time]').options.length > 0")
    assert await dialog.locator("button[type=submit]").is_enabled()


async def test_a_late_answer_for_the_first_service_does_not_replace_the_chosen_ones_times(page: Any, site: Site) -> None:
    """On a slow line the free times asked for the form's first service arrive after those of the
    service the manager chose next: the form keeps showing the chosen service's times."""
    await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    chosen_answered = asyncio.Event()
    stale_done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    held: list[Any] = []

    async def slow_first(route: Any) -> None:
        if not held:  # the form's first question (its default service): answer it last
            held.append(route.request)
            await chosen_answered.wait()
            await route.continue_()
            return
        response = await route.fetch()
        await route.fulfill(response=response)
        chosen_answered.set()

    def finished(request: Any) -> None:
        if held and request is held[0] and not stale_done.done():
            stale_done.set_result(None)

    page.on("requestfinished", finished)
    await page.route("**/api/v1/dashboard/slots?*", slow_first)
    await sign_in(page)
    await page.click("#new-booking")
    dialog = page.locator("dialog#booking")
    await dialog.locator("select[name=time][aria-busy]").wait_for(state="attached")  # the first question is out
    await choose_service(dialog, site.services["Мужская стрижка"])
    await asyncio.wait_for(stale_done, timeout=10)
    for _ in range(2):  # the page has had frames to handle the late answer
        await page.evaluate("() => new Promise((done) => requestAnimationFrame(done))")
    await dialog.locator("select[name=staff]").select_option(site.staff["Анна Смирнова"])
    times = await dialog.locator("select[name=time] option").all_inner_texts()
    assert times[:4] == ["09:00", "09:15", "11:00", "11:15"]  # Мужская стрижка: 45 min fit before 10:00
