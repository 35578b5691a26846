"""The journal page (admins), what a one-branch manager sees, and the board on a tablet."""

from __future__ import annotations

from typing import Any

from actors.core.model import Branch
from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact, at, card

pytestmark = SESSION_LOOP


async def second_branch(site: Site) -> str:
    runtime = site.h.z.runtime
    branch = await runtime.open_branch(Branch(id=runtime.new_id(), name="Филиал на Невском",
                                              timezone="Europe/Moscow", address=""), "test")
    return branch.id  # type: ignore[no-any-return]


async def test_a_manager_sees_only_their_branch_and_no_journal(page: Any, site: Site) -> None:
    other = await second_branch(site)
    mine = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await site.h.user("anna", "manager", (site.branch_id,))
    await sign_in(page, "anna", "password-123")
    await page.locator(card(mine["id"], "confirmed")).wait_for()
    assert await page.is_hidden("#nav a[data-route=journal]")
    assert await page.is_hidden(".board-page select[name=branch]")  # one branch: no selector
    await page.goto("/#/journal")
    await page.wait_for_selector("#view .error")
    assert await page.inner_text("#view .error") == "Журнал доступен только администраторам."
    # The other branch is not offered anywhere.
    await page.click("#nav a[data-route=reports]")
    await page.wait_for_selector(".reports-page select[name=branch]", state="attached")
    offered = await page.locator(".reports-page select[name=branch] option").evaluate_all("os => os.map(o => o.value)")
    assert other not in offered


async def test_an_admin_switches_branches(page: Any, site: Site) -> None:
    other = await second_branch(site)
    mine = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await sign_in(page)
    select = page.locator(".board-page select[name=branch]")
    assert await select.is_visible()
    options = await select.locator("option").all_inner_texts()
    assert options == ["Все филиалы", "Демо-салон", "Филиал на Невском"]
    await page.locator(card(mine["id"])).wait_for()
    await select.select_option(other)
    await page.locator(card(mine["id"])).wait_for(state="detached")
    await select.select_option(site.branch_id)
    await page.locator(card(mine["id"])).wait_for()


async def test_the_board_on_a_tablet(browser: Any, site: Site) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    context = await browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, is_mobile=True,
                                        locale="ru-RU", base_url=site.base)
    page = await context.new_page()
    try:
        await sign_in(page)
        await page.locator(card(olga["id"], "confirmed")).wait_for()
        board = page.locator(".board")
        # Columns keep a readable width and the board scrolls sideways instead of squeezing them.
        widths = await page.locator(".column").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().width)")
        assert min(widths) >= 220
        assert await board.evaluate("b => b.scrollWidth > b.clientWidth")
        # Buttons are big enough for a finger.
        assert (await page.locator("#new-booking").bounding_box())["height"] >= 44
        await page.screenshot(path=artifact("board-tablet.png"))
        # A finger picks the card up by holding it, then drags it to «В работе».
        a = await page.locator(card(olga["id"])).bounding_box()
        b = await page.locator('.column[data-status="in_progress"]').bounding_box()
        x0, y0 = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2
        x1, y1 = b["x"] + b["width"] / 2, b["y"] + 80
        cdp = await context.new_cdp_session(page)

        async def touch(kind: str, x: float, y: float) -> None:
            points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
            await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        # A quick swipe over a card scrolls the board; it does not pick the card up.
        await touch("touchStart", x0, y0)
        for i in range(1, 11):
            await touch("touchMove", x0 - 30 * i, y0)
            await page.wait_for_timeout(16)  # one frame per move, like a finger
        await touch("touchEnd", x0 - 300, y0)
        await page.wait_for_function("() => document.querySelector('.board').scrollLeft > 100")
        assert (await site.appointment(olga["id"]))["status"] == "confirmed"
        await page.wait_for_timeout(800)  # let the fling settle before scrolling back
        await board.evaluate("b => { b.scrollLeft = 0; }")
        await page.wait_for_function("() => document.querySelector('.board').scrollLeft === 0")
        a = await page.locator(card(olga["id"])).bounding_box()
        x0, y0 = a["x"] + a["width"] / 2, a["y"] + a["height"] / 2

        await touch("touchStart", x0, y0)
        await page.wait_for_timeout(400)  # longer than the 250 ms hold
        for i in range(1, 11):
            await touch("touchMove", x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10)
            await page.wait_for_timeout(16)
        await touch("touchEnd", x1, y1)
        await page.locator(card(olga["id"], "in_progress") + ":not(.busy)").wait_for()
        assert (await site.appointment(olga["id"]))["status"] == "in_progress"
    finally:
        await context.close()
