"""The set-up pages in Chromium: an admin sets a new branch up from nothing (branch with a
searched time zone, services with prices, a master with a weekly schedule, a vacation and
a day off, a manager account), and what was saved is checked through the API; a manager
sees the pages read-only; disabling a manager from the page signs their open board out;
every set-up page and form fits 1280, 820 and 390 px.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Console, sign_in
from tests.web.site import ADMIN_PASSWORD, SESSION_LOOP, Site

pytestmark = SESSION_LOOP

SHOTS = Path("/tmp/shots-setup")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Visible controls outside the viewport, unless inside a container that scrolls sideways.
CUT_OFF = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("#view *, dialog[open] *")) {
    if (!el.matches("button, input, select, textarea, a, h1, h2, th, td, dt, dd, li, p, label")) continue;
    const style = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (style.visibility === "hidden" || r.width === 0 || r.height === 0 || el.closest("[hidden]")) continue;
    let scrolls = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox === "auto" || ox === "scroll") { scrolls = true; break; }
    }
    if (scrolls) continue;
    const box = el.closest("dialog[open]") ? el.closest("dialog[open]").getBoundingClientRect() : { left: 0, right: width };
    if (r.left < box.left - 1 || r.right > box.right + 1) {
      out.push(`${el.tagName} «${(el.innerText || el.value || "").slice(0, 30)}» ${Math.round(r.left)}..${Math.round(r.right)}`);
    }
  }
  if (document.documentElement.scrollWidth > width + 1) out.push("page scrolls sideways");
  return out;
}
"""


AXE = Path(__file__).parent / "vendor" / "axe.min.js"


async def axe_violations(page: Any) -> list[str]:
    """axe-core's serious and critical findings on what the page shows now (an open form too)."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    found = await page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .filter(v => v.impact === "serious" || v.impact === "critical")
        .map(v => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`)""")
    return found  # type: ignore[no-any-return]


async def api_get(site: Site, path: str, **query: str) -> Any:
    r = await site.api.get(f"/api/v1{path}", headers=site.headers, query_string=query)
    assert r.status_code == 200, await r.get_data(as_text=True)
    return await r.get_json()


async def fill_interval(row: Any, n: int, start: str, end: str) -> None:
    interval = row.locator(".interval").nth(n)
    await interval.locator("[data-part=start]").fill(start)
    await interval.locator("[data-part=end]").fill(end)
    await interval.locator("[data-part=end]").dispatch_event("change")


async def new_branch(page: Any) -> str:
    """Create «Салон на Арбате» in Yekaterinburg time, found by typing the city; its id."""
    await page.goto("/#/branches")
    await page.click("[data-action=add-branch]")
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator("input[name=name]").fill("Салон на Арбате")
    await dialog.locator("input[name=address]").fill("Арбат, 10")
    zone = dialog.locator("input[name=timezone]")
    await zone.fill("")
    await zone.type("Екатер")
    await dialog.locator('.zone-list li[data-zone="Asia/Yekaterinburg"]').click()
    assert await zone.input_value() == "Asia/Yekaterinburg"
    assert "там сейчас" in await dialog.locator(".zone-chosen").inner_text()
    await dialog.locator("input[name=slot_step_min]").fill("30")
    await dialog.locator("input[name=horizon_days]").fill("60")
    await dialog.locator("input[name=min_notice_min]").fill("120")
    assert "2 ч" in await dialog.locator("input[name=min_notice_min] ~ output").inner_text()
    await dialog.locator("input[name=cancel_notice_min]").fill("180")
    await dialog.locator("input[name=reschedule_notice_min]").fill("240")  # empty would mean "as cancel"
    await dialog.locator("input[name=phone]").fill("8 (343) 123-45-67")
    await dialog.locator("input[name=location]").fill("56.8389, 260")  # no such longitude: said, not sent
    await dialog.locator("button[type=submit]").click()
    assert "Место на карте" in await dialog.locator("p.error").inner_text()
    await dialog.locator("input[name=location]").fill("56.8389, 60.6057")
    await dialog.locator("button[type=submit]").click()
    card = page.locator(".branch-card", has_text="Салон на Арбате")
    await card.wait_for()
    assert "Нет услуг" in await card.inner_text() and "Нет мастеров" in await card.inner_text()
    return await card.get_attribute("data-id")  # type: ignore[no-any-return]


async def add_service(page: Any, name: str, price: str, duration: str, buffer: str) -> None:
    await page.click("[data-action=add-service]")
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator("input[name=name]").fill(name)
    await dialog.locator("input[name=price]").fill(price)
    await dialog.locator("input[name=duration_min]").fill(duration)
    await dialog.locator("input[name=buffer_min]").fill(buffer)
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    await page.locator(".services-page tr", has_text=name).wait_for()


async def add_manager(page: Any, login: str, branch_id: str, password: str) -> None:
    """A manager of one branch, created on the accounts page."""
    await page.goto("/#/users")
    await page.click("[data-action=add-user]")
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator("input[name=login]").fill(login)
    await dialog.locator(f"input[name=branch][value='{branch_id}']").check()
    await dialog.locator("input[name=password]").fill(password)
    await dialog.locator("button[type=submit]").click()
    await page.locator(f'.users-page tr[data-login="{login}"]').wait_for()


async def test_an_admin_sets_a_new_branch_up(page: Any, site: Site) -> None:
    await sign_in(page)
    branch_id = await new_branch(page)
    r = await api_get(site, f"/admin/branches/{branch_id}")
    assert r == {"id": branch_id, "name": "Салон на Арбате", "address": "Арбат, 10", "timezone": "Asia/Yekaterinburg",
                 "slot_step_min": 30, "horizon_days": 60, "min_notice_min": 120, "cancel_notice_min": 180,
                 "reschedule_notice_min": 240, "phone": "+73431234567",
                 "location": {"lat": 56.8389, "lon": 60.6057}}
    card = page.locator(".branch-card", has_text="Салон на Арбате")
    assert "+73431234567" in await card.inner_text() and "56.8389, 60.6057" in await card.inner_text()

    # The empty branch links to its services page, filtered to it.
    await page.locator(".branch-card", has_text="Салон на Арбате").get_by_text("Нет услуг — добавьте").click()
    await page.wait_for_selector(".services-page .empty-state")
    assert await page.input_value(".services-page select[name=branch]") == branch_id
    assert "ещё нет услуг" in await page.inner_text(".services-page .empty-state")
    await add_service(page, "Стрижка", "1 500", "60", "10")
    await add_service(page, "Окрашивание", "3200,50", "120", "15")
    await add_service(page, "Укладка", "900", "30", "0")
    # Edit a price; archive a service, restore it, archive it again.
    await page.locator(".services-page tr", has_text="Стрижка").locator("[data-action=edit]").click()
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator("input[name=price]").fill("1700")
    await dialog.locator("button[type=submit]").click()
    await page.locator(".services-page tr", has_text="Стрижка").filter(has_text=re.compile(r"1\s700")).wait_for()
    await page.locator(".services-page tr", has_text="Укладка").locator("[data-action=archive]").click()
    archive = page.locator(".services-page details.archive")
    await archive.wait_for()
    await archive.locator("summary").click()
    await archive.locator("tr", has_text="Укладка").locator("[data-action=restore]").click()
    await page.locator(".services-page table:not(.archived) tr", has_text="Укладка").wait_for()
    await page.locator(".services-page tr", has_text="Укладка").locator("[data-action=archive]").click()
    await page.locator(".services-page details.archive tr", has_text="Укладка").wait_for(state="attached")

    services = {s["name"]: s for s in (await api_get(site, "/admin/services"))["items"] if branch_id in s["branch_ids"]}
    assert {n: (s["price"], s["currency"], s["duration_min"], s["buffer_min"], s["active"], s["branch_ids"])
            for n, s in services.items()} == {
        "Стрижка": ("1700.00", "RUB", 60, 10, True, [branch_id]),
        "Окрашивание": ("3200.50", "RUB", 120, 15, True, [branch_id]),
        "Укладка": ("900.00", "RUB", 30, 0, False, [branch_id]),
    }

    # A master: both services, Mon 10–14 and 15–19 copied to Tue–Fri, Sat 11–16, Sun off;
    # a vacation 10.03–20.03, a day off on 08.03 and other hours on 07.03.
    await page.goto(f"/#/staff?branch={branch_id}")
    await page.wait_for_selector(".staff-page .empty-state")
    await page.click("[data-action=add-staff]")
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator("input[name=name]").fill("Мария Кузнецова")
    boxes = dialog.locator("input[name=service]")
    assert await boxes.count() == 2  # the archived service is not offered
    for i in range(2):
        assert await boxes.nth(i).is_checked()
    mon = dialog.locator('.day-row[data-day="mon"]')
    await fill_interval(mon, 0, "10:00", "14:00")
    await mon.locator(".add-interval").click()
    await fill_interval(mon, 1, "15:00", "19:00")
    assert await mon.locator(".gap").inner_text() == "перерыв 14:00–15:00"
    await mon.locator(".copy-day").click()
    await mon.locator(".copy-panel").get_by_role("button", name="Будни").click()
    await mon.locator("[data-action=copy]").click()
    assert await dialog.locator('.day-row[data-day="fri"] .interval').count() == 2
    sat = dialog.locator('.day-row[data-day="sat"]')
    await sat.locator("input[name=off-sat]").uncheck()
    await fill_interval(sat, 0, "11:00", "16:00")
    assert await dialog.locator("input[name=off-sun]").is_checked()
    await dialog.locator("[data-add=vacation]").click()
    await dialog.locator("input[name=vacation_from]").fill("2026-03-10")
    await dialog.locator("input[name=vacation_to]").fill("2026-03-20")
    await dialog.locator("input[name=vacation_to]").dispatch_event("change")
    assert "11 дней" in await dialog.locator('.exception[data-kind="vacation"]').inner_text()
    await dialog.locator("[data-add=off]").click()
    await dialog.locator("input[name=off_date]").fill("2026-03-08")
    await dialog.locator("[data-add=hours]").click()
    await dialog.locator("input[name=hours_date]").fill("2026-03-07")
    await fill_interval(dialog.locator('.exception[data-kind="hours"]'), 0, "12:00", "15:00")
    await dialog.locator("button[type=submit]").click()
    card = page.locator(".master-card", has_text="Мария Кузнецова")
    await card.wait_for()
    assert "Отпуск 10.03–20.03" in await card.inner_text()
    assert "Выходной 08.03" in await card.inner_text()

    staff = (await api_get(site, "/admin/staff", branch_id=branch_id))["items"]
    assert len(staff) == 1
    maria = staff[0]
    assert sorted(maria["service_ids"]) == sorted([services["Стрижка"]["id"], services["Окрашивание"]["id"]])
    workday = [["10:00", "14:00"], ["15:00", "19:00"]]
    assert {d: maria["schedule"].get(d, []) for d in WEEKDAYS} == {
        "mon": workday, "tue": workday, "wed": workday, "thu": workday, "fri": workday,
        "sat": [["11:00", "16:00"]], "sun": []}
    assert maria["exceptions"] == [
        {"date": "2026-03-07", "intervals": [["12:00", "15:00"]]}, {"date": "2026-03-08", "intervals": []},
        *({"date": f"2026-03-{d:02d}", "intervals": []} for d in range(10, 21))]

    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / "staff-new-branch.png"), full_page=True)
    # Opened again, the eleven days off are one vacation row; saving unchanged keeps them.
    await card.locator("[data-action=edit]").click()
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator(".exceptions-editor").scroll_into_view_if_needed()
    await page.screenshot(path=str(SHOTS / "staff-edit-exceptions.png"))
    assert await dialog.locator('.exception[data-kind="vacation"]').count() == 1
    assert await dialog.locator("input[name=vacation_to]").input_value() == "2026-03-20"
    assert await dialog.locator('.exception[data-kind="off"]').count() == 1
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    again = (await api_get(site, f"/admin/staff/{maria['id']}"))
    assert again["exceptions"] == maria["exceptions"] and again["schedule"] == maria["schedule"]

    # A manager account for the new branch.
    await add_manager(page, "arbat", branch_id, "arbat-password-1")
    users = {u["login"]: u for u in (await api_get(site, "/admin/users"))["items"]}
    assert users["arbat"] == {"id": "arbat", "login": "arbat", "role": "manager", "branch_ids": [branch_id], "disabled": False}
    r = await site.api.post("/api/v1/auth/login", json={"login": "arbat", "password": "arbat-password-1"})
    assert r.status_code == 200


async def test_a_manager_sees_the_set_up_pages_read_only(page: Any, site: Site) -> None:
    await site.h.user("anna", "manager", (site.branch_id,))
    await sign_in(page, "anna", "password-123")
    assert await page.is_hidden("#nav a[data-route=users]")
    await page.goto("/#/branches")
    await page.locator(".branch-card", has_text="Демо-салон").wait_for()
    assert "3 мастера" in await page.inner_text(".branch-card")
    await page.goto("/#/services")
    await page.locator(".services-page tbody tr").first.wait_for()
    assert await page.locator(".services-page tbody tr").count() == 4
    await page.goto("/#/staff")
    await page.locator(".master-card").first.wait_for()
    assert await page.locator(".master-card").count() == 3
    assert "09:00–21:00" in await page.locator(".master-card").first.inner_text()
    SHOTS.mkdir(exist_ok=True)
    for route in ("branches", "services", "staff"):
        await page.goto(f"/#/{route}")
        await page.locator(".readonly-note").wait_for()
        await page.locator(".setup-content:not([aria-busy]), .setup-cards:not([aria-busy])").first.wait_for()
        await page.screenshot(path=str(SHOTS / f"{route}-manager.png"), full_page=True)
        assert await axe_violations(page) == [], route
        assert await page.locator("#view [data-action], #view .card-actions, #view .row-actions").count() == 0, route
    await page.goto("/#/users")
    await page.wait_for_selector("#view .error")
    assert "администратор" in await page.inner_text("#view .error")


async def test_disabling_a_manager_signs_their_open_board_out(page: Any, site: Site, browser: Any) -> None:
    await site.h.user("olga", "manager", (site.branch_id,))
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="ru-RU",
                                        timezone_id="Europe/Moscow", base_url=site.base)
    theirs = Console()
    try:
        board = await context.new_page()
        board.on("console", theirs.on_console)
        board.on("pageerror", theirs.on_page_error)
        await sign_in(board, "olga", "password-123")
        await board.wait_for_selector("#live[data-state=online]")

        await sign_in(page)
        await page.goto("/#/users")
        row = page.locator('.users-page tr[data-login="olga"]')
        await row.locator("[data-action=disable]").click()
        dialog = page.locator("dialog.sheet[open]")
        assert "выйдет из панели на всех устройствах" in await dialog.inner_text()
        async with page.expect_response(lambda r: "/admin/users/olga" in r.url and r.request.method == "PATCH") as answer:
            await dialog.locator("button[type=submit]").click()
        assert (await answer.value).status == 200
        started = time.monotonic()
        await board.wait_for_selector("#login:not([hidden])", timeout=1000)
        assert time.monotonic() - started < 1.0
        await row.filter(has_text="Отключён").wait_for()
        users = {u["login"]: u for u in (await api_get(site, "/admin/users"))["items"]}
        assert users["olga"]["disabled"] is True
        # Enabled again: the account can sign in.
        await row.locator("[data-action=enable]").click()
        await row.filter(has_text="Активен").wait_for()
        await sign_in(board, "olga", "password-123")
    finally:
        await context.close()
    assert not theirs.unexpected(("401",)), theirs.errors


async def test_the_time_zone_is_found_and_picked_with_the_keyboard(page: Any, site: Site) -> None:
    await sign_in(page)
    await page.goto("/#/branches")
    await page.click("[data-action=add-branch]")
    dialog = page.locator("dialog.sheet[open]")
    zone = dialog.locator("input[name=timezone]")
    await zone.fill("")
    await zone.type("новосиб")
    options = dialog.locator(".zone-list li[data-zone]")
    assert await options.all_inner_texts() == ["Новосибирск\nAsia/Novosibirsk · UTC+7 (МСК+4)"]
    await zone.fill("")
    await zone.type("+5")
    assert "Asia/Yekaterinburg" in await options.evaluate_all("lis => lis.map(li => li.dataset.zone)")
    await zone.fill("")
    await zone.type("Самар")
    SHOTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(SHOTS / "zone-list.png"))
    await zone.press("ArrowDown")
    await zone.press("ArrowUp")
    await zone.press("Enter")
    assert await zone.input_value() == "Europe/Samara"
    assert await dialog.locator(".zone-list").is_hidden()
    assert "Самара" in await dialog.locator(".zone-chosen").inner_text()
    await zone.type("x")
    await dialog.locator(".zone-list").wait_for()
    await zone.press("Escape")  # closes the list, not the form
    assert await dialog.locator(".zone-list").is_hidden() and await dialog.is_visible()
    await zone.fill("Марс")
    await dialog.locator("input[name=name]").fill("Филиал на Марсе")
    await dialog.locator("button[type=submit]").click()
    assert await dialog.locator(".error").inner_text() == "Выберите часовой пояс из списка"


async def test_past_exceptions_are_marked_and_kept(page: Any, site: Site) -> None:
    anna = site.staff["Анна Смирнова"]
    past = [{"date_from": "2026-02-16", "date_to": "2026-02-20", "intervals": []}]
    r = await site.api.patch(f"/api/v1/admin/staff/{anna}", headers=site.headers, json={
        "exceptions": [*past, {"date": "2026-03-05", "intervals": [["12:00", "18:00"]]}]})
    assert r.status_code == 200, await r.get_data(as_text=True)
    await sign_in(page)
    await page.goto(f"/#/staff?branch={site.branch_id}")
    card = page.locator(f'.master-card[data-id="{anna}"]')
    await card.wait_for()
    assert await card.locator(".exception-summary li").all_inner_texts() == ["05.03: 12:00–18:00"]
    await card.locator("[data-action=edit]").click()
    dialog = page.locator("dialog.sheet[open]")
    vacation = dialog.locator('.exception[data-kind="vacation"]')
    assert "прошло" in await vacation.inner_text()
    assert "прошло" not in await dialog.locator('.exception[data-kind="hours"]').inner_text()
    # Removing Sunday's only interval makes Sunday a day off.
    sun = dialog.locator('.day-row[data-day="sun"]')
    await sun.get_by_role("button", name="Воскресенье: убрать интервал 1").click()
    assert await sun.locator("input[name=off-sun]").is_checked()
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    saved = await api_get(site, f"/admin/staff/{anna}")
    assert saved["schedule"].get("sun", []) == [] and saved["schedule"]["sat"] == [["09:00", "21:00"]]
    assert [e["date"] for e in saved["exceptions"]] == [
        "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-03-05"]


async def test_with_no_branch_every_page_says_to_add_one_first(page: Any, site: Site) -> None:
    r = await site.api.delete(f"/api/v1/admin/branches/{site.branch_id}", headers=site.headers)
    assert r.status_code == 204
    await sign_in(page)
    await page.goto("/#/branches")
    empty = page.locator(".branches-page .empty-state")
    assert "Добавьте первый филиал" in await empty.inner_text()
    for route in ("services", "staff"):
        await page.goto(f"/#/{route}")
        link = page.locator(f".{route}-page .empty-state a[href='#/branches']")
        assert "Сначала добавьте филиал" in await page.locator(f".{route}-page .empty-state").inner_text()
        assert await page.locator(f"[data-action=add-{'service' if route == 'services' else 'staff'}]").is_hidden()
    await link.click()
    await empty.get_by_role("button", name="Добавить филиал").click()
    await page.locator("dialog.sheet[open] input[name=timezone]").wait_for()


async def test_an_admin_deletes_a_branch_after_confirming(page: Any, site: Site) -> None:
    r = await site.api.post("/api/v1/admin/branches", headers=site.headers,
                            json={"name": "Филиал на Волге", "timezone": "Europe/Samara"})
    assert r.status_code == 201
    closing = (await r.get_json())["id"]
    await sign_in(page)
    await page.goto("/#/branches")
    card = page.locator(f'.branch-card[data-id="{closing}"]')
    assert "Самара" in await card.inner_text()
    # Edit first: only what changed is sent.
    await card.locator("[data-action=edit]").click()
    dialog = page.locator("dialog.sheet[open]")
    assert await dialog.locator("input[name=timezone]").input_value() == "Europe/Samara"
    await dialog.locator("input[name=name]").fill("Филиал на закрытие")
    async with page.expect_request(lambda r: r.method == "PATCH" and closing in r.url) as request:
        await dialog.locator("button[type=submit]").click()
    assert (await request.value).post_data_json == {"name": "Филиал на закрытие"}
    await card.filter(has_text="Филиал на закрытие").wait_for()
    await card.locator("[data-action=delete]").click()
    dialog = page.locator("dialog.sheet[open]")
    await dialog.get_by_role("button", name="Отмена").click()
    await dialog.wait_for(state="detached")
    assert await card.count() == 1
    await card.locator("[data-action=delete]").click()
    await page.locator("dialog.sheet[open] button[type=submit]").click()
    await card.wait_for(state="detached")
    assert closing not in [b["id"] for b in (await api_get(site, "/admin/branches"))["items"]]
    assert await page.locator(".branch-card").count() == 1


async def test_an_admin_changes_a_managers_branches_and_password(page: Any, site: Site) -> None:
    other = await site.api.post("/api/v1/admin/branches", headers=site.headers,
                                json={"name": "Второй салон", "timezone": "Europe/Moscow"})
    other_id = (await other.get_json())["id"]
    await site.h.user("irina", "manager", (site.branch_id,))
    await sign_in(page)
    await page.goto("/#/users")
    row = page.locator('.users-page tr[data-login="irina"]')
    assert "Демо-салон" in await row.inner_text()
    await row.locator("[data-action=edit]").click()
    dialog = page.locator("dialog.sheet[open]")
    assert "выйдет из панели на всех устройствах" in await dialog.inner_text()
    await dialog.locator(f"input[name=branch][value='{other_id}']").check()
    await dialog.locator("button[type=submit]").click()
    await row.filter(has_text="Второй салон").wait_for()
    await row.locator("[data-action=password]").click()
    dialog = page.locator("dialog.sheet[open]")
    await dialog.locator("input[name=password]").fill("short")
    await dialog.locator("button[type=submit]").click()
    assert "не короче 8" in await dialog.locator(".error").inner_text()
    await dialog.get_by_role("button", name="Придумать").click()
    password = await dialog.locator("input[name=password]").input_value()
    assert len(password) == 12
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    users = {u["login"]: u for u in (await api_get(site, "/admin/users"))["items"]}
    assert sorted(users["irina"]["branch_ids"]) == sorted([site.branch_id, other_id])
    r = await site.api.post("/api/v1/auth/login", json={"login": "irina", "password": password})
    assert r.status_code == 200


@pytest.mark.parametrize("width,height", [(1280, 800), (820, 1180), (390, 844)])
async def test_the_set_up_pages_fit_the_screen(page: Any, site: Site, width: int, height: int) -> None:
    SHOTS.mkdir(exist_ok=True)
    await page.set_viewport_size({"width": width, "height": height})
    await sign_in(page, "admin", ADMIN_PASSWORD)
    forms = {"branches": "[data-action=add-branch]", "services": "[data-action=add-service]",
             "staff": "[data-action=add-staff]", "users": "[data-action=add-user]"}
    ready = {"branches": ".branch-card", "services": ".services-page tbody tr", "staff": ".master-card",
             "users": ".users-page tbody tr"}
    for route, opener in forms.items():
        await page.goto(f"/#/{route}")
        await page.locator(ready[route]).first.wait_for()
        await page.screenshot(path=str(SHOTS / f"{route}-{width}.png"), full_page=True)
        assert await page.evaluate(CUT_OFF) == [], route
        if width == 1280:
            assert await axe_violations(page) == [], route
        await page.click(opener)
        dialog = page.locator("dialog.sheet[open]")
        await dialog.wait_for()
        if route == "staff":
            await dialog.locator('.day-row[data-day="mon"] .copy-day').click()
            await dialog.locator("[data-add=vacation]").click()
            await dialog.locator("[data-add=hours]").click()
        await page.screenshot(path=str(SHOTS / f"{route}-form-{width}.png"))
        assert await page.evaluate(CUT_OFF) == [], f"{route} form"
        if route == "branches":  # the salon's phone and place at the form's foot (SPEC §9.6)
            await dialog.locator("input[name=location]").scroll_into_view_if_needed()
            await page.screenshot(path=str(SHOTS / f"branches-form-contacts-{width}.png"))
            assert await page.evaluate(CUT_OFF) == [], "branch form, phone and place"
            await dialog.locator("input[name=timezone]").fill("Ново")
            await dialog.locator(".zone-list li[data-zone]").first.wait_for()
        if width == 1280:
            assert await axe_violations(page) == [], f"{route} form"
        await dialog.locator("button", has_text="Отмена").last.click()
        await dialog.wait_for(state="detached")
