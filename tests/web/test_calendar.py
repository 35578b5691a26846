"""The calendar: a day of the demo salon (masters × time, Moscow time), drag to reschedule,
click an empty cell to book."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact, at

pytestmark = SESSION_LOOP

PX_PER_MIN = 1.6  # calendar.js
DAY_START = 9 * 60  # the demo masters work 09:00–21:00


def block(appointment_id: str) -> str:
    return f'.cal-appt[data-id="{appointment_id}"]'


def column(site: Site, master: str) -> str:
    return f'.cal-col[data-staff="{site.staff[master]}"]'


async def open_calendar(page: Any) -> None:
    await sign_in(page)
    await page.click("#nav a[data-route=calendar]")
    await page.wait_for_selector(".cal-col")


async def drag_block_to(page: Any, site: Site, appointment_id: str, master: str, hhmm: str) -> None:
    """Take the block by its middle and drop it so that its top lands on ``hhmm`` in ``master``'s column."""
    src = await page.locator(block(appointment_id)).bounding_box()
    col = await page.locator(column(site, master)).bounding_box()
    hh, mm = (int(x) for x in hhmm.split(":"))
    grab_dy = src["height"] / 2
    target_y = col["y"] + (hh * 60 + mm - DAY_START) * PX_PER_MIN + grab_dy
    await page.mouse.move(src["x"] + src["width"] / 2, src["y"] + grab_dy)
    await page.mouse.down()
    await page.mouse.move(col["x"] + col["width"] / 2, target_y, steps=15)
    await page.wait_for_selector(".cal-preview")
    assert (await page.locator(".cal-preview").inner_text()).startswith(hhmm)
    # The block moves at once (optimistically); the drop is done when the server has answered.
    async with page.expect_response(lambda r: r.url.endswith(f"/appointments/{appointment_id}/reschedule")):
        await page.mouse.up()


async def test_calendar_shows_the_day_by_master_in_branch_time(page: Any, site: Site) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    ivan = await site.manual(at("11:30"), phone="+79035550101", name="Иван Соколов",
                             service="Мужская стрижка", staff="Ольга Иванова", status="in_progress")
    tomorrow = await site.manual(at("10:00").replace("03-02", "03-03"), phone="+79261112233", name="Завтра")
    await open_calendar(page)
    assert await page.locator(".cal-head").all_inner_texts() == ["Анна Смирнова", "Мария Кузнецова", "Ольга Иванова"]
    title = await page.inner_text(".cal-title")
    assert "2 марта" in title and "Europe/Moscow" in title
    assert await page.input_value(".calendar-page input[name=day]") == "2026-03-02"
    olga_block = page.locator(f"{column(site, 'Анна Смирнова')} {block(olga['id'])}")
    assert await olga_block.locator(".cal-appt-time").inner_text() == "10:00–11:00"
    assert await olga_block.evaluate("el => el.offsetTop") == round((10 * 60 - DAY_START) * PX_PER_MIN)
    assert await olga_block.evaluate("el => el.offsetHeight") == round(60 * PX_PER_MIN)
    await page.locator(f"{column(site, 'Ольга Иванова')} {block(ivan['id'])}").wait_for()
    assert await page.locator(block(tomorrow["id"])).count() == 0
    # Working hours are drawn: 09:00–21:00 for every master.
    work = page.locator(f"{column(site, 'Анна Смирнова')} .cal-work")
    assert await work.evaluate("el => [el.offsetTop, el.offsetHeight]") == [0, round(12 * 60 * PX_PER_MIN)]
    await page.wait_for_selector("#live[data-state=online]")
    await page.screenshot(path=artifact("calendar.png"))
    # The next day has tomorrow's block.
    await page.click("button[aria-label='Следующий день']")
    await page.locator(block(tomorrow["id"])).wait_for()
    assert await page.locator(block(olga["id"])).count() == 0


async def test_dragging_a_block_reschedules_to_another_time_and_master(page: Any, site: Site) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await open_calendar(page)
    await drag_block_to(page, site, olga["id"], "Мария Кузнецова", "13:15")
    moved = page.locator(f"{column(site, 'Мария Кузнецова')} {block(olga['id'])}")
    await moved.wait_for()
    await page.wait_for_function(
        "sel => document.querySelector(sel)?.dataset.start === '2026-03-02T13:15:00+03:00'",
        arg=block(olga["id"]))
    now = await site.appointment(olga["id"])
    assert now["start"] == "2026-03-02T13:15:00+03:00"
    assert now["end"] == "2026-03-02T14:15:00+03:00"
    assert now["staff"]["name"] == "Мария Кузнецова"
    assert now["version"] == olga["version"] + 1


@pytest.mark.console_allows("409")
async def test_a_drop_on_a_taken_time_rolls_back(page: Any, site: Site) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await site.manual(at("13:00"), phone="+79160000001", name="Занято", staff="Мария Кузнецова")
    await open_calendar(page)
    await drag_block_to(page, site, olga["id"], "Мария Кузнецова", "13:30")
    await page.locator(".toast-error").wait_for()
    assert await page.locator(".toast-error").inner_text() == "Это время уже занято или недоступно"
    back = page.locator(f"{column(site, 'Анна Смирнова')} {block(olga['id'])}")
    await back.wait_for()
    assert await back.get_attribute("data-start") == "2026-03-02T10:00:00+03:00"
    assert (await site.appointment(olga["id"]))["start"] == "2026-03-02T10:00:00+03:00"


async def test_clicking_an_empty_cell_opens_the_booking_form_prefilled(page: Any, site: Site) -> None:
    await open_calendar(page)
    col = await page.locator(column(site, "Ольга Иванова")).bounding_box()
    # 15:30 is 6.5 hours below the top; click inside that 15-minute cell.
    await page.mouse.click(col["x"] + col["width"] / 2, col["y"] + (15 * 60 + 30 - DAY_START) * PX_PER_MIN + 5)
    dialog = page.locator("dialog#booking")
    await dialog.wait_for()
    await page.wait_for_function("() => document.querySelector('#booking select[name=time]').options.length > 0")
    assert await dialog.locator("select[name=staff]").input_value() == site.staff["Ольга Иванова"]
    assert await dialog.locator("input[name=day]").input_value() == "2026-03-02"
    assert await dialog.locator("select[name=time]").input_value() == "2026-03-02T15:30:00+03:00"
    await dialog.locator("input[name=phone]").press_sequentially("9035557788")
    await dialog.locator("input[name=name]").fill("Звонок с улицы")
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    booked = page.locator(f"{column(site, 'Ольга Иванова')} .cal-appt", has_text="Звонок с улицы")
    await booked.wait_for(timeout=3000)
    assert await booked.get_attribute("data-start") == "2026-03-02T15:30:00+03:00"


async def new_branch(site: Site, name: str = "Филиал на Невском") -> str:
    r = await site.api.post("/api/v1/admin/branches", headers=site.headers,
                            json={"name": name, "timezone": "Europe/Moscow"})
    assert r.status_code == 201, await r.get_data(as_text=True)
    return (await r.get_json())["id"]  # type: ignore[no-any-return]


async def inside_viewport(page: Any, selector: str) -> bool:
    box = await page.locator(selector).bounding_box()
    size = page.viewport_size
    return bool(box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= size["width"]
                and box["y"] + box["height"] <= size["height"])


@pytest.mark.parametrize("width", [1280, 390])
async def test_a_branch_without_masters_says_what_to_do_inside_the_view(page: Any, site: Site, width: int) -> None:
    empty = await new_branch(site)
    await page.set_viewport_size({"width": width, "height": 800})
    await sign_in(page)
    await page.goto("/#/calendar")
    await page.wait_for_selector(".cal-col")
    await page.select_option(".calendar-page select[name=branch]", empty)
    notice = page.locator(".calendar-page .empty-state")
    await notice.wait_for()
    assert await inside_viewport(page, ".calendar-page .empty-state")
    assert await page.locator(".cal-scroll").is_hidden()
    text = await notice.inner_text()
    assert "В этом филиале пока нет мастеров" in text
    assert "Добавьте мастеров на странице «Мастера и график»" in text
    assert "Добавьте услуги на странице «Услуги и цены»" in text  # no services either
    staff_link = notice.locator("a[href='#/staff']")
    assert await staff_link.inner_text() == "«Мастера и график»"
    assert await notice.locator("a[href='#/services']").count() == 1
    await page.screenshot(path=artifact(f"calendar-empty-{width}.png"))
    await staff_link.click()
    await page.wait_for_function("() => location.hash === '#/staff'")

    # A service for the branch, still no masters: only the masters' message stays.
    r = await site.api.post("/api/v1/admin/services", headers=site.headers, json={
        "name": "Маникюр", "price": "1500", "duration_min": 60, "branch_ids": [empty]})
    assert r.status_code == 201, await r.get_data(as_text=True)
    await page.goto("/#/calendar")
    await notice.wait_for()
    await page.wait_for_function("() => !document.querySelector('.empty-state a[href=\"#/services\"]')")
    assert await notice.locator("a[href='#/staff']").count() == 1
    # The demo branch has both: no message, the grid is back.
    await page.select_option(".calendar-page select[name=branch]", site.branch_id)
    await notice.wait_for(state="hidden")
    await page.wait_for_selector(".cal-col")


async def test_many_masters_scroll_sideways_under_a_fixed_time_column(page: Any, site: Site) -> None:
    week = {d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for i in range(1, 10):
        r = await site.api.post("/api/v1/admin/staff", headers=site.headers, json={
            "branch_id": site.branch_id, "name": f"Мастер номер {i}",
            "service_ids": [site.services["Женская стрижка"]], "schedule": week})
        assert r.status_code == 201, await r.get_data(as_text=True)
    last = await site.manual(at("12:00"), phone="+79161234567", name="У последнего мастера",
                             staff=None)  # any master: the least busy one
    await page.set_viewport_size({"width": 1280, "height": 800})
    await open_calendar(page)
    assert await page.locator(".cal-head").count() == 12
    scroller = page.locator(".cal-scroll")
    assert await scroller.evaluate("s => s.scrollWidth > s.clientWidth")
    assert await page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
    heads = await page.locator(".cal-head").evaluate_all("hs => hs.map(h => h.getBoundingClientRect().width)")
    assert min(heads) >= 150  # readable columns instead of squeezed ones
    axis_before = await page.locator(".cal-axis").bounding_box()
    await scroller.evaluate("s => { s.scrollLeft = s.scrollWidth; }")
    await page.wait_for_function("() => document.querySelector('.cal-scroll').scrollLeft > 0")
    axis_after = await page.locator(".cal-axis").bounding_box()
    assert axis_after["x"] == axis_before["x"]  # the hours stay on the left
    box = await scroller.bounding_box()
    last_head = await page.locator(".cal-head").last.bounding_box()
    assert box["x"] <= last_head["x"] and last_head["x"] + last_head["width"] <= box["x"] + box["width"] + 1
    await page.locator(block(last["id"])).wait_for()
    await page.screenshot(path=artifact("calendar-many-masters.png"))
