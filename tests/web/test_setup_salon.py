"""A new salon set up from nothing in the browser, then run by its manager (issue 12's journey).

The admin creates a branch, two services with prices, two masters with weekly
schedules (one with a vacation) and a manager account; the manager signs in
(sees only that branch), books a client by phone from the client card, and the
calendar shows the booking and the master away on vacation. The admin disables
the manager: the manager's open board is signed out within a second. The
pieces are tested one by one in ``test_setup_pages.py`` and
``test_clients_pages.py``; this is the whole story once, as an owner lives it.
"""

from __future__ import annotations

import time
from typing import Any

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact
from tests.web.test_setup_pages import add_manager, add_service, api_get, fill_interval, new_branch

pytestmark = SESSION_LOOP

TUESDAY = "2026-03-03"  # the day after the harness clock's Monday
ON_VACATION = "2026-03-12"  # a Thursday inside Мария's vacation


async def shoot(page: Any, name: str, *, full_page: bool = True) -> None:
    """A screenshot for the CI artifacts (README's «Setting up your salon» pictures come from these)."""
    await page.wait_for_load_state("networkidle")
    await page.evaluate("() => document.querySelectorAll('#toasts > *').forEach((t) => t.remove())")
    await page.screenshot(path=str(artifact(f"{name}.png")), full_page=full_page)


async def add_master(page: Any, name: str, *, vacation: tuple[str, str] | None = None) -> None:
    """A master doing every service, 10–14 and 15–19 every day (Monday copied to all days)."""
    await page.click("[data-action=add-staff]")
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator("input[name=name]").fill(name)
    mon = dialog.locator('.day-row[data-day="mon"]')
    await fill_interval(mon, 0, "10:00", "14:00")
    await mon.locator(".add-interval").click()
    await fill_interval(mon, 1, "15:00", "19:00")
    await mon.locator(".copy-day").click()
    await mon.locator(".copy-panel").get_by_role("button", name="Все дни").click()
    await mon.locator("[data-action=copy]").click()
    if vacation:
        await dialog.locator("[data-add=vacation]").click()
        await dialog.locator("input[name=vacation_from]").fill(vacation[0])
        await dialog.locator("input[name=vacation_to]").fill(vacation[1])
        await dialog.locator("input[name=vacation_to]").dispatch_event("change")
    await dialog.locator("button[type=submit]").click()
    await page.locator(".master-card", has_text=name).wait_for()


async def test_a_salon_set_up_from_nothing_takes_its_first_booking(page: Any, site: Site, browser: Any) -> None:
    # A client the business already knows (from another branch), by phone.
    await site.manual("2026-03-02T12:00:00+03:00", phone="+79161234567", name="Ирина Петрова")

    # The admin: branch, two services with prices, two masters, a manager account.
    await sign_in(page)
    branch_id = await new_branch(page)
    await page.goto(f"/#/services?branch={branch_id}")
    await page.wait_for_selector(".services-page .empty-state")
    await add_service(page, "Стрижка", "1 500", "60", "10")
    await add_service(page, "Окрашивание", "3200", "120", "15")
    await page.goto(f"/#/staff?branch={branch_id}")
    await page.wait_for_selector(".staff-page .empty-state")
    await add_master(page, "Мария Кузнецова", vacation=("2026-03-10", "2026-03-20"))
    await add_master(page, "Ольга Смирнова")
    await shoot(page, "setup-staff")
    await page.locator(".master-card", has_text="Мария Кузнецова").locator("[data-action=edit]").click()
    await page.locator("dialog.sheet[open] .exceptions-editor").scroll_into_view_if_needed()
    await shoot(page, "setup-staff-form", full_page=False)
    await page.locator("dialog.sheet[open]").get_by_role("button", name="Отмена").click()
    await page.locator("dialog.sheet[open]").wait_for(state="detached")
    await page.goto(f"/#/services?branch={branch_id}")
    await page.locator(".services-page tr", has_text="Окрашивание").wait_for()
    await shoot(page, "setup-services")
    await page.goto("/#/branches")
    await page.locator(".branch-card", has_text="Салон на Арбате").wait_for()
    await shoot(page, "setup-branches")
    await add_manager(page, "arbat", branch_id, "arbat-password-1")
    await shoot(page, "setup-users")
    masters = {s["name"]: s["id"] for s in (await api_get(site, "/admin/staff", branch_id=branch_id))["items"]}
    assert set(masters) == {"Мария Кузнецова", "Ольга Смирнова"}

    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU",
                                        timezone_id="Europe/Moscow", base_url=site.base)
    try:
        manager = await context.new_page()
        await sign_in(manager, "arbat", "arbat-password-1")
        # Only the new branch: the branch cards list one, the calendar opens on it.
        await manager.goto("/#/branches")
        await manager.locator(".branch-card").first.wait_for()
        assert await manager.locator(".branch-card").all_inner_texts() == [
            await manager.locator(".branch-card", has_text="Салон на Арбате").inner_text()]

        # Book the known client from her card: found by the phone typed as people type it.
        await manager.goto("/#/clients")
        await manager.fill("#clients-search", "8 916 123-45-67")
        row = manager.locator(".client-row", has_text="Ирина Петрова")
        await row.wait_for()
        await row.locator("a").first.click()
        await manager.locator("[data-action=book]").wait_for()
        await manager.click("[data-action=book]")
        form = manager.locator("dialog#booking[open]")
        assert await form.locator("input[name=phone]").input_value() == "+7 (916) 123-45-67"
        await form.locator("select[name=service] option", has_text="Стрижка").wait_for(state="attached")
        await form.locator("select[name=service]").select_option(label=await form.locator(
            "select[name=service] option", has_text="Стрижка").inner_text())
        await form.locator("select[name=staff]").select_option(masters["Мария Кузнецова"])
        await form.locator("input[name=day]").fill(TUESDAY)
        await form.locator("input[name=day]").dispatch_event("change")
        await form.locator("select[name=time] option[value='10:00'], select[name=time] option:text-is('10:00')").first.wait_for(
            state="attached")
        await form.locator("select[name=time]").select_option(label="10:00")
        async with manager.expect_response(lambda r: r.url.endswith("/appointments/manual")) as answer:
            await form.locator("button[type=submit]").click()
        assert (await answer.value).status == 201
        booked = await (await answer.value).json()
        assert booked["branch_id"] == branch_id and booked["start"] == f"{TUESDAY}T10:00:00+05:00"
        # Her history (the manager sees visits of their branches only) now has the visit, with its price.
        visit = manager.locator(f'.client-history tr.visit[data-id="{booked["id"]}"]')
        await visit.wait_for()
        assert "1 500" in (await visit.inner_text()).replace("\u00a0", " ")

        # The calendar: the booking in Мария's column; on a vacation day her column has no working time.
        await manager.goto("/#/calendar")
        day = manager.locator(".calendar-page input[name=day]")
        await day.fill(TUESDAY)
        await day.dispatch_event("change")
        maria = manager.locator(f'.cal-col[data-staff="{masters["Мария Кузнецова"]}"]')
        await maria.locator(".cal-appt", has_text="Ирина Петрова").wait_for()
        assert await maria.locator(".cal-work").count() == 2
        await day.fill(ON_VACATION)
        await day.dispatch_event("change")
        await maria.locator(".cal-appt").first.wait_for(state="detached")
        olga = manager.locator(f'.cal-col[data-staff="{masters["Ольга Смирнова"]}"]')
        await manager.wait_for_function("() => document.querySelector('.cal-title')?.textContent.includes('12')")
        assert await olga.locator(".cal-work").count() == 2
        assert await maria.locator(".cal-work").count() == 0
        await manager.screenshot(path=str(artifact("setup-journey-calendar-vacation.png")), full_page=True)

        # The admin disables the manager: the manager's open page returns to the login form at once.
        await manager.goto("/#/board")
        await manager.wait_for_selector("#live[data-state=online]")
        await page.goto("/#/users")
        await page.locator('.users-page tr[data-login="arbat"] [data-action=disable]').click()
        await page.locator("dialog.sheet[open] button[type=submit]").click()
        started = time.monotonic()
        await manager.wait_for_selector("#login:not([hidden])", timeout=1000)
        assert time.monotonic() - started < 1.0
    finally:
        await context.close()
