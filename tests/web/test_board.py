"""The kanban board: the demo's cards in SPEC's columns, filters, drag and drop, rollback on 409."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import MONDAY, SESSION_LOOP, Site, artifact, at, card

pytestmark = SESSION_LOOP

COLUMNS = ["Новые", "Подтверждены", "В работе", "Выполнено", "Отменены", "Не пришёл"]


async def seed_day(site: Site) -> dict[str, dict[str, Any]]:
    """A morning in the demo salon: cards in several columns, two days, three masters."""
    made = {
        "olga": await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова"),
        "ivan": await site.manual(at("11:30"), phone="+79035550101", name="Иван Соколов",
                                  service="Мужская стрижка", staff="Ольга Иванова", status="in_progress"),
        "maria": await site.manual(at("12:00"), phone="+79998887766", name="Мария Белова",
                                   service="Окрашивание", staff="Мария Кузнецова", status="new"),
        "petr": await site.manual(at("14:00", MONDAY.replace(day=3)), phone="+79261112233",
                                  name="Пётр Орлов", service="Стрижка чёлки", staff="Анна Смирнова"),
    }
    return made


async def drag(page: Any, source: str, target: str) -> None:
    """Press on ``source``, move in steps over ``target``, release (pointer events, like a hand)."""
    a = await page.locator(source).bounding_box()
    b = await page.locator(target).bounding_box()
    await page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(b["x"] + b["width"] / 2, b["y"] + 60, steps=12)
    await page.mouse.up()


async def test_board_shows_the_demo_cards_in_spec_columns(page: Any, site: Site) -> None:
    made = await seed_day(site)
    await sign_in(page)
    titles = await page.locator(".column .column-title").all_inner_texts()
    assert titles == COLUMNS
    assert [s for s in await page.locator(".column").evaluate_all("cs => cs.map(c => c.dataset.status)")] == [
        "new", "confirmed", "in_progress", "done", "cancelled", "no_show"]
    olga = page.locator(card(made["olga"]["id"], "confirmed"))
    await olga.wait_for()
    assert await olga.locator(".card-time").inner_text() == "пн, 02.03 · 10:00–11:00"
    assert await olga.locator(".card-client").inner_text() == "Ольга Петрова"
    assert await olga.locator(".card-phone").inner_text() == "+7 (916) 123-45-67"
    assert await olga.locator(".card-service").inner_text() == "Женская стрижка"
    assert await olga.locator(".card-master").inner_text() == "Анна Смирнова"
    assert (await olga.locator(".card-price").inner_text()).replace("\u00a0", " ") == "2 000 ₽"
    await page.locator(card(made["ivan"]["id"], "in_progress")).wait_for()
    await page.locator(card(made["maria"]["id"], "new")).wait_for()
    await page.locator(card(made["petr"]["id"], "confirmed")).wait_for()
    assert await page.locator('.column[data-status="confirmed"] .count').inner_text() == "2"
    # The default window is the server's today … +7 days, shown in the date inputs.
    assert await page.input_value(".board-page input[name=from]") == "2026-03-02"
    assert await page.input_value(".board-page input[name=to]") == "2026-03-09"
    await page.wait_for_selector("#live[data-state=online]")
    await page.screenshot(path=artifact("board.png"), full_page=True)


async def test_search_and_date_filters(page: Any, site: Site) -> None:
    made = await seed_day(site)
    await sign_in(page)
    await page.locator(card(made["petr"]["id"])).wait_for()
    await page.fill(".board-page input[name=q]", "ОРЛОВ")  # a name, any case
    await page.locator(card(made["olga"]["id"])).wait_for(state="hidden")
    assert await page.locator(".card:visible").count() == 1
    assert await page.locator('.column[data-status="confirmed"] .count').inner_text() == "1"
    await page.fill(".board-page input[name=q]", "петр")  # ё typed as е: Пётр and Петрова
    await page.locator(card(made["petr"]["id"])).wait_for(state="visible")
    assert await page.locator(".card:visible").count() == 2
    await page.fill(".board-page input[name=q]", "555 01")  # phone digits
    await page.locator(card(made["ivan"]["id"])).wait_for(state="visible")
    assert await page.locator(".card:visible").count() == 1
    await page.fill(".board-page input[name=q]", "")
    assert await page.locator(".card:visible").count() == 4
    # Only Tuesday: the server is asked for that window.
    await page.fill(".board-page input[name=from]", "2026-03-03")
    await page.fill(".board-page input[name=to]", "2026-03-03")
    await page.locator(card(made["olga"]["id"])).wait_for(state="detached")
    assert await page.locator(".card").count() == 1
    await page.locator(card(made["petr"]["id"], "confirmed")).wait_for()


async def test_dragging_a_card_to_done_changes_its_status(page: Any, site: Site) -> None:
    made = await seed_day(site)
    olga = made["olga"]
    await sign_in(page)
    await page.locator(card(olga["id"], "confirmed")).wait_for()
    await drag(page, card(olga["id"]), '.column[data-status="done"]')
    await page.locator(card(olga["id"], "done")).wait_for()
    await page.locator(card(olga["id"], "done") + ":not(.busy)").wait_for()
    now = await site.appointment(olga["id"])
    assert now["status"] == "done"
    assert now["version"] == olga["version"] + 1
    # The journal says who did it.
    r = await site.api.get("/api/v1/system/journal", headers=site.headers,
                           query_string={"stream": f"branch:{site.branch_id}", "limit": 1000})
    last = [e for e in (await r.get_json())["events"] if e["type"] == "appointment.status_changed"][-1]
    assert last["actor"] == "user:admin" and last["data"]["appointment_id"] == olga["id"]


async def test_keyboard_moves_a_focused_card(page: Any, site: Site) -> None:
    made = await seed_day(site)
    await sign_in(page)
    maria = page.locator(card(made["maria"]["id"], "new"))
    await maria.focus()
    await page.keyboard.press("ArrowRight")
    await page.locator(card(made["maria"]["id"], "confirmed") + ":not(.busy)").wait_for()
    assert (await site.appointment(made["maria"]["id"]))["status"] == "confirmed"


@pytest.mark.console_allows("409")
async def test_a_refused_move_rolls_back_with_a_message(page: Any, site: Site) -> None:
    made = await seed_day(site)
    olga = made["olga"]
    await sign_in(page)
    await page.locator(card(olga["id"], "confirmed")).wait_for()
    # Cancel Olga, let somebody else take her time, then try to bring her back.
    await drag(page, card(olga["id"]), '.column[data-status="cancelled"]')
    await page.locator(card(olga["id"], "cancelled") + ":not(.busy)").wait_for()
    await site.manual(at("10:15"), phone="+79160000001", name="Другая клиентка", staff="Анна Смирнова")
    await drag(page, card(olga["id"]), '.column[data-status="confirmed"]')
    await page.locator(".toast-error").wait_for()
    assert await page.locator(".toast-error").inner_text() == "Это время уже занято или недоступно"
    await page.locator(card(olga["id"], "cancelled") + ".rolled-back").wait_for()
    assert (await site.appointment(olga["id"]))["status"] == "cancelled"


@pytest.mark.console_allows("409")
async def test_a_stale_card_is_refused_and_refreshed(page: Any, site: Site) -> None:
    """The page missed a change (its socket is held back): its version is stale → 409, rollback, reload."""
    made = await seed_day(site)
    ivan = made["ivan"]
    await sign_in(page)
    await page.locator(card(ivan["id"], "in_progress")).wait_for()
    held: list[Any] = []

    async def hold_back(ws: Any) -> None:  # a socket that delivers nothing to the page
        held.append(ws)

    await page.route_web_socket("**/api/v1/dashboard/updates", hold_back)
    await page.reload()
    await page.locator(card(ivan["id"], "in_progress")).wait_for()
    r = await site.api.patch(f"/api/v1/appointments/{ivan['id']}/status", headers=site.headers,
                             json={"status": "no_show"})
    assert r.status_code == 200
    await drag(page, card(ivan["id"]), '.column[data-status="done"]')
    await page.locator(".toast-error").wait_for()
    assert "кто-то другой" in await page.locator(".toast-error").inner_text()
    # The board reloads and shows the card where it really is.
    await page.locator(card(ivan["id"], "no_show")).wait_for()
    assert (await site.appointment(ivan["id"]))["status"] == "no_show"


async def screen(browser: Any, site: Site, width: int, height: int) -> tuple[Any, Any]:
    """A context of a given screen; touch for anything narrower than a laptop."""
    touch = width < 1000
    context = await browser.new_context(viewport={"width": width, "height": height}, has_touch=touch,
                                        is_mobile=width < 600, locale="ru-RU", timezone_id="Europe/Moscow",
                                        base_url=site.base)
    context.set_default_timeout(10_000)
    return context, await context.new_page()


class Finger:
    """Touches sent through the DevTools protocol, a frame apart, like a hand."""

    def __init__(self, cdp: Any, page: Any) -> None:
        self.cdp, self.page = cdp, page
        self.at = (0.0, 0.0)

    async def send(self, kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        await self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
        self.at = (x, y)

    async def hold(self, x: float, y: float) -> None:
        await self.send("touchStart", x, y)
        await self.page.wait_for_timeout(400)  # longer than drag.js's 250 ms hold

    async def move(self, x: float, y: float, steps: int = 10) -> None:
        x0, y0 = self.at
        for i in range(1, steps + 1):
            await self.send("touchMove", x0 + (x - x0) * i / steps, y0 + (y - y0) * i / steps)
            await self.page.wait_for_timeout(16)

    async def lift(self) -> None:
        await self.send("touchEnd", *self.at)


def middle(box: dict[str, float]) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 40)


async def test_six_columns_fit_a_laptop_screen(browser: Any, site: Site) -> None:
    made = await seed_day(site)
    context, page = await screen(browser, site, 1280, 800)
    try:
        await sign_in(page)
        await page.locator(card(made["olga"]["id"], "confirmed")).wait_for()
        assert await page.locator(".board").evaluate("b => b.scrollWidth <= b.clientWidth")
        boxes = await page.locator(".column").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().toJSON())")
        assert len(boxes) == 6
        for box in boxes:
            assert box["left"] >= 0 and box["right"] <= 1280 and box["width"] >= 170, box
        assert await page.locator(".board-tabs").is_hidden()  # tabs are for phones
        # A compact card still shows all it has, without spilling out of its column.
        olga = page.locator(card(made["olga"]["id"]))
        assert await olga.evaluate("c => c.scrollWidth <= c.clientWidth")
        await page.screenshot(path=artifact("board-1280.png"))
    finally:
        await context.close()


async def test_at_the_front_desk_columns_snap_and_a_finger_drags_a_card_out_of_sight(browser: Any, site: Site) -> None:
    made = await seed_day(site)
    olga = made["olga"]
    context, page = await screen(browser, site, 820, 1180)
    try:
        await sign_in(page)
        await page.locator(card(olga["id"], "confirmed")).wait_for()
        board = page.locator(".board")
        assert await board.evaluate("b => getComputedStyle(b).scrollSnapType") == "x mandatory"
        assert await board.evaluate("b => b.scrollWidth > b.clientWidth")
        widths = await page.locator(".column").evaluate_all("cs => cs.map(c => c.getBoundingClientRect().width)")
        assert min(widths) >= 230
        done = await page.locator('.column[data-status="done"]').bounding_box()
        assert done["x"] + done["width"] > 820  # «Выполнено» is (partly) out of sight
        finger = Finger(await context.new_cdp_session(page), page)
        await finger.hold(*middle(await page.locator(card(olga["id"])).bounding_box()))
        await page.wait_for_selector(".drag-ghost")
        # Held at the board's right edge, the board scrolls on under the finger.
        await finger.move(810, finger.at[1] + 40)
        await page.wait_for_function("() => document.querySelector('.board').scrollLeft > 250")
        done = await page.locator('.column[data-status="done"]').bounding_box()
        await finger.move(*middle(done))
        await finger.lift()
        await page.locator(card(olga["id"], "done") + ":not(.busy)").wait_for()
        assert (await site.appointment(olga["id"]))["status"] == "done"
    finally:
        await context.close()


async def test_a_phone_shows_one_column_with_tabs(browser: Any, site: Site) -> None:
    made = await seed_day(site)
    maria, olga = made["maria"], made["olga"]
    context, page = await screen(browser, site, 390, 844)
    try:
        await sign_in(page)
        await page.locator(card(maria["id"], "new")).wait_for()
        tabs = page.locator(".board-tabs [role=tab]")
        assert await tabs.all_inner_texts() == [f"{c}\n{n}" for c, n in zip(
            COLUMNS, ["1", "2", "1", "0", "0", "0"], strict=True)]
        visible = page.locator(".column:visible")
        assert await visible.count() == 1
        assert await visible.get_attribute("data-status") == "new"
        assert await page.locator(".board-tab[aria-selected=true]").get_attribute("data-status") == "new"
        tab_boxes = "ts => ts.map(t => t.getBoundingClientRect().toJSON())"
        for box in await page.locator(".board-tab").evaluate_all(tab_boxes):
            assert box["left"] >= 0 and box["right"] <= 390, box
        await page.screenshot(path=artifact("board-phone.png"))
        # A tab shows its column.
        await page.click('.board-tab[data-status="confirmed"]')
        assert await visible.count() == 1
        assert await visible.get_attribute("data-status") == "confirmed"
        await page.locator(card(olga["id"], "confirmed")).wait_for(state="visible")
        assert await page.locator(card(maria["id"])).is_hidden()
        # A booking arriving in a column out of sight lights its tab up and counts there.
        await page.wait_for_selector("#live[data-state=online]")
        await site.client_books(at("16:00"), telegram_id=5550001, phone="+79990001122", name="Из Телеграма")
        await page.wait_for_selector('.board-tab.changed[data-status="new"]')
        assert await page.inner_text('.board-tab[data-status="new"] .count') == "2"
        assert await visible.get_attribute("data-status") == "confirmed"  # the phone stays where it was
        # A card dropped on a tab moves to that column.
        finger = Finger(await context.new_cdp_session(page), page)
        await finger.hold(*middle(await page.locator(card(olga["id"])).bounding_box()))
        await page.wait_for_selector(".drag-ghost")
        await finger.move(*middle(await page.locator('.board-tab[data-status="in_progress"]').bounding_box()))
        await finger.lift()
        await page.locator(card(olga["id"], "in_progress") + ":not(.busy)").wait_for(state="attached")
        assert (await site.appointment(olga["id"]))["status"] == "in_progress"
        assert await page.inner_text('.board-tab[data-status="in_progress"] .count') == "2"
        assert await page.inner_text('.board-tab[data-status="confirmed"] .count') == "1"
    finally:
        await context.close()
