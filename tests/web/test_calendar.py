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
