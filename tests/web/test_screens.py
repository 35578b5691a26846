"""Every page at a laptop (1280 px), a front-desk tablet (820 px) and a phone (390 px):
a full-page screenshot of each (artifacts/<page>-<width>.png) and nothing cut off.

"Cut off" is checked on every visible column, card, button, input, select, link
and nav link: its box must lie inside the viewport horizontally, or inside an
ancestor that scrolls sideways (``overflow-x: auto | scroll``, the board on a
tablet, the calendar with many masters), and never past the edge of an ancestor
that clips (``overflow-x: hidden | clip``). The page itself must not scroll
sideways.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import MONDAY, SESSION_LOOP, Site, artifact, at

pytestmark = SESSION_LOOP

WIDTHS = {1280: 800, 820: 1180, 390: 844}
PAGES = ["board", "calendar", "clients", "import", "reports", "journal", "branches", "services", "staff", "users",
         "webhooks"]
CHECKED = ".column, .card, .board-tab, button, input, select, textarea, a, #nav a"

# For each visible element: is any part of it outside what the person can reach?
CUT_OFF = """
(selector) => {
  const width = document.documentElement.clientWidth;
  const out = [];
  const seen = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + " «" + (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 30) + "»";
  for (const el of document.querySelectorAll(selector)) {
    if (!seen(el) || el.closest("[hidden], dialog:not([open])")) continue;
    const r = el.getBoundingClientRect();
    let verdict = null;
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      // A dialog scrolls by the browser's default, but a form sideways is cut off all the same.
      if (a.tagName === "DIALOG" && a.scrollWidth > a.clientWidth + 1) { verdict = "spills out of its dialog"; break; }
      if (ox === "auto" || ox === "scroll") { verdict = "scrolls"; break; }
      if (ox === "hidden" || ox === "clip") {
        const box = a.getBoundingClientRect();
        if (r.left < box.left - 1 || r.right > box.right + 1) { verdict = "clipped by " + name(a); break; }
      }
    }
    if (verdict === "scrolls") continue;
    const text = el.matches("button, a, .board-tab") && getComputedStyle(el).overflowX === "visible";
    if (text && el.scrollWidth > el.clientWidth + 1) { out.push(name(el) + ": its text spills out"); continue; }
    if (verdict) { out.push(name(el) + ": " + verdict); continue; }
    if (r.left < -1 || r.right > width + 1) {
      out.push(name(el) + ": outside the viewport " + Math.round(r.left) + ".." + Math.round(r.right));
    }
  }
  const page = document.documentElement.scrollWidth;
  if (page > width + 1) out.push("the page scrolls sideways: " + page);
  return out;
}
"""


async def cut_off(page: Any) -> list[str]:
    return await page.evaluate(CUT_OFF, CHECKED)  # type: ignore[no-any-return]


async def seed(site: Site) -> None:
    """A few cards in several columns, with long names, so that the board has something to fit."""
    await site.manual(at("10:00"), phone="+79161234567", name="Ольга Александровна Петрова-Водкина")
    await site.manual(at("11:30"), phone="+79035550101", name="Иван Соколов", service="Мужская стрижка",
                      staff="Ольга Иванова", status="in_progress")
    await site.manual(at("12:00"), phone="+79998887766", name="Мария Белова", service="Окрашивание",
                      staff="Мария Кузнецова", status="new")
    await site.manual(at("14:00", MONDAY.replace(day=3)), phone="+79261112233", name="Пётр Орлов",
                      service="Стрижка чёлки")
    done = await site.manual(at("09:00"), phone="+79260000001", name="Утренняя клиентка", staff="Мария Кузнецова")
    r = await site.api.patch(f"/api/v1/appointments/{done['id']}/status", headers=site.headers,
                             json={"status": "done"})
    assert r.status_code == 200


async def settle(page: Any, name: str) -> None:
    """Wait until the page has drawn what it loads."""
    ready = {
        "board": ".card",
        "calendar": ".cal-col",
        "reports": "svg.chart",
        "import": ".import-page, #view input[type=file]",
    }.get(name)
    if ready:
        await page.wait_for_selector(ready, state="attached")
    await page.wait_for_function("() => !document.querySelector('#view .loading')")
    await page.wait_for_function("() => document.fonts.status === 'loaded'")


async def board_fits(page: Any, width: int) -> None:
    """A laptop sees all six columns; a tablet scrolls them sideways; a phone shows one, with tabs."""
    board = page.locator(".board")
    columns = page.locator(".column:visible")
    if width >= 1280:
        assert await board.evaluate("b => b.scrollWidth <= b.clientWidth")
        assert await columns.count() == 6
        assert await page.locator(".board-tabs").is_hidden()
    elif width >= 600:
        assert await columns.count() == 6
        assert await board.evaluate("b => b.scrollWidth > b.clientWidth && getComputedStyle(b).overflowX === 'auto'")
    else:
        assert await columns.count() == 1
        assert await page.locator(".board-tab:visible").count() == 6


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_no_page_is_cut_off(browser: Any, site: Site, width: int) -> None:
    await seed(site)
    phone = width < 600
    context = await browser.new_context(viewport={"width": width, "height": WIDTHS[width]}, locale="ru-RU",
                                        timezone_id="Europe/Moscow", base_url=site.base,
                                        has_touch=width < 1000, is_mobile=phone)
    context.set_default_timeout(10_000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    problems: dict[str, list[str]] = {}
    try:
        await sign_in(page)
        for name in PAGES:
            await page.goto(f"/#/{name}")
            await settle(page, name)
            await page.screenshot(path=artifact(f"{name}-{width}.png"), full_page=True)
            found = await cut_off(page)
            if found:
                problems[name] = found
            if name == "board":
                await board_fits(page, width)
        # The booking form opens over any page and fits too.
        await page.click("#new-booking")
        await page.wait_for_function("() => document.querySelector('#booking select[name=time]')?.options.length > 0")
        await page.screenshot(path=artifact(f"booking-{width}.png"))
        found = await cut_off(page)
        if found:
            problems["booking"] = found
        await page.click("#booking button:text-is('Отмена')")
        # The menu on a phone: every link reachable once it is open.
        if phone:
            await page.goto("/#/board")
            toggle = page.locator("#menu-toggle")
            assert await toggle.is_visible()
            assert await page.locator("#nav a[data-route=calendar]").is_hidden()
            await toggle.click()
            await page.locator("#nav a[data-route=calendar]").wait_for()
            await page.screenshot(path=artifact(f"menu-{width}.png"), full_page=True)
            found = await cut_off(page)
            if found:
                problems["menu"] = found
            assert await toggle.get_attribute("aria-expanded") == "true"
            await page.click("#nav a[data-route=calendar]")  # a choice closes the menu
            await page.wait_for_function("() => location.hash === '#/calendar'")
            await page.locator("#nav a[data-route=calendar]").wait_for(state="hidden")
            assert await toggle.get_attribute("aria-expanded") == "false"
            await toggle.click()
            await page.keyboard.press("Escape")  # and so does Escape, back to the button
            await page.locator("#nav a[data-route=calendar]").wait_for(state="hidden")
            assert await page.evaluate("() => document.activeElement.id") == "menu-toggle"
    finally:
        await context.close()
    assert not errors
    assert not problems, problems
