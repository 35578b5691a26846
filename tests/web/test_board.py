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
