"""The client base pages: the list (search by name, by a phone in any format, by 4+ digits; paging
with the cursor; an empty base), the client card (stats, history with statuses and prices), edit
(a phone of another client names that client), booking from the card, merging a duplicate, and
both pages at 1280, 820 and 390 px with nothing cut off."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from quart.datastructures import FileStorage

from tests.web.conftest import sign_in
from tests.web.site import MONDAY, SESSION_LOOP, Site, artifact, at

pytestmark = SESSION_LOOP

ROWS = ".clients-table tbody tr"


async def names(page: Any) -> list[str]:
    return [n.strip() for n in await page.locator(f"{ROWS} .client-name").all_inner_texts()]


async def open_list(page: Any) -> None:
    await sign_in(page)
    await page.evaluate("() => { location.hash = '#/clients'; }")
    await page.wait_for_selector(".clients-page")


async def search(page: Any, text: str, expect: list[str]) -> None:
    """Type a search and wait for the list to show exactly ``expect`` (names, in order)."""
    box = page.locator("#clients-search")
    await box.fill("")
    await box.press_sequentially(text)
    await page.wait_for_function(
        "want => [...document.querySelectorAll('.clients-table tbody .client-name')]"
        ".map(a => a.textContent).join('|') === want && !document.querySelector('.clients-scroll.loading')",
        arg="|".join(expect))


async def open_card(page: Any, client_id: str) -> None:
    await page.evaluate("id => { location.hash = `#/client/${id}`; }", client_id)
    await page.wait_for_selector(f'.client-page[data-id="{client_id}"] .client-head')


async def open_card_missing(page: Any, client_id: str) -> None:
    await page.evaluate("id => { location.hash = `#/client/${id}`; }", client_id)
    await page.wait_for_selector(".client-missing h1")
    assert await page.inner_text(".client-missing h1") == "Клиент не найден"


async def visit_rows(page: Any) -> list[list[str]]:
    rows = page.locator(".visits-table tbody tr")
    return [[c.strip() for c in await rows.nth(i).locator("td").all_inner_texts()] for i in range(await rows.count())]


async def set_status(site: Site, appointment_id: str, *path: str) -> None:
    for status in path:
        r = await site.api.patch(f"/api/v1/appointments/{appointment_id}/status", headers=site.headers,
                                 json={"status": status})
        assert r.status_code == 200, await r.get_data(as_text=True)


async def test_the_list_searches_by_name_phone_in_any_format_and_four_digits(page: Any, site: Site) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await site.manual(at("12:00"), phone="+79037654321", name="Иван Сидоров")
    await site.manual(at("14:00"), phone="+79265550011", name="Мария Ольгина")
    await open_list(page)
    await page.wait_for_selector(ROWS)
    assert await names(page) == ["Иван Сидоров", "Мария Ольгина", "Ольга Петрова"]
    olga_row = page.locator(f'{ROWS}[data-id="{olga["client"]["id"]}"] td')
    assert [t.strip() for t in await olga_row.all_inner_texts()] == [
        "Ольга Петрова", "+7 (916) 123-45-67", "—", "Менеджер", "Нет"]

    await search(page, "ольг", ["Мария Ольгина", "Ольга Петрова"])
    await search(page, "8 (916) 123-45-67", ["Ольга Петрова"])
    await search(page, "4321", ["Иван Сидоров"])
    await search(page, "Никто", [])
    assert await page.inner_text(".clients-note") == "Никого не нашлось по запросу «Никто»"
    assert await page.locator(".clients-empty").count() == 0  # not the empty-base hint

    # The search stays in the address, and a row opens the card.
    await search(page, "4567", ["Ольга Петрова"])
    assert page.url.endswith("#/clients?q=4567")
    await page.locator(f"{ROWS} td", has_text="+7 (916) 123-45-67").click()
    await page.wait_for_selector(".client-title")
    assert await page.inner_text(".client-title") == "Ольга Петрова"
    await page.go_back()
    await page.wait_for_selector(ROWS)
    assert await page.locator("#clients-search").input_value() == "4567"
    assert await names(page) == ["Ольга Петрова"]


async def test_an_empty_base_says_what_to_do(page: Any, site: Site) -> None:
    await open_list(page)
    hint = page.locator(".clients-empty")
    await hint.wait_for()
    assert "В базе пока нет клиентов" in await hint.inner_text()
    await hint.locator("a[href='#/import']").click()
    await page.wait_for_selector(".import-page")


async def test_the_list_pages_with_the_cursor(page: Any, site: Site) -> None:
    rows = "\n".join(f"Клиент {i:03d},+7903{i:07d}" for i in range(1, 66))
    r = await site.api.post("/api/v1/system/import", headers=site.headers, files={
        "file": FileStorage(io.BytesIO(f"имя,телефон\n{rows}\n".encode()), filename="base.csv")})
    assert r.status_code == 200 and (await r.get_json())["created"] == 65, await r.get_data(as_text=True)
    await open_list(page)
    await page.wait_for_selector(ROWS)
    assert await names(page) == [f"Клиент {i:03d}" for i in range(1, 51)]
    assert await page.inner_text(".clients-note") == "Показаны первые 50"
    more = page.locator("button.clients-more")
    await more.click()
    await page.wait_for_function("() => document.querySelectorAll('.clients-table tbody tr').length === 65")
    assert await names(page) == [f"Клиент {i:03d}" for i in range(1, 66)]
    assert await more.is_hidden()
    assert await page.inner_text(".clients-note") == "Всего: 65"
    row = page.locator(f"{ROWS}", has_text="Клиент 007")
    assert "Импорт" in await row.inner_text()


async def test_the_card_shows_stats_and_history_with_prices(page: Any, site: Site) -> None:
    phone = "+79161234567"
    done = await site.manual(at("09:00"), phone=phone, name="Ольга Петрова", service="Окрашивание")
    missed = await site.manual(at("12:00"), phone=phone, name="Ольга Петрова", service="Мужская стрижка")
    cancelled = await site.manual(at("15:00"), phone=phone, name="Ольга Петрова")
    upcoming = await site.manual(at("11:00", MONDAY + timedelta(days=2)), phone=phone, name="Ольга Петрова",
                                 service="Стрижка чёлки", staff="Мария Кузнецова")
    await set_status(site, done["id"], "in_progress", "done")
    await set_status(site, missed["id"], "no_show")
    await set_status(site, cancelled["id"], "cancelled")
    client_id = done["client"]["id"]

    await sign_in(page)
    await open_card(page, client_id)

    async def stat(key: str) -> str:
        text: str = await page.locator(f".client-stats [data-stat={key}] .kpi-value").inner_text()
        return text
    assert await stat("visits_done") == "1"
    assert await stat("no_shows") == "1"
    assert await stat("cancelled") == "1"
    assert (await stat("spent")).replace("\xa0", " ").replace("\u202f", " ") == "4 500 ₽"
    assert await stat("last_visit") == "02.03.2026, 09:00"
    assert await stat("next_visit") == "04.03.2026, 11:00"
    facts = await page.inner_text(".client-facts")
    assert "+7 (916) 123-45-67" in facts and "Менеджер" in facts and "не подключён" in facts

    rows = await visit_rows(page)
    money = [r[-1].replace("\xa0", " ").replace("\u202f", " ") for r in rows]
    assert [r[:-1] for r in rows] == [
        ["04.03.2026", "11:00–11:30", "Стрижка чёлки", "Мария Кузнецова", "Подтверждены"],
        ["02.03.2026", "15:00–16:00", "Женская стрижка", "Анна Смирнова", "Отменены"],
        ["02.03.2026", "12:00–12:45", "Мужская стрижка", "Анна Смирнова", "Не пришёл"],
        ["02.03.2026", "09:00–10:30", "Окрашивание", "Анна Смирнова", "Выполнено"],
    ]
    assert money == ["500 ₽", "2 000 ₽", "1 200 ₽", "4 500 ₽"]
    assert await page.locator(f'.visits-table tr[data-id="{upcoming["id"]}"]').count() == 1


async def test_a_client_with_telegram_has_a_link(page: Any, site: Site) -> None:
    appt = await site.client_books(at("13:00"), telegram_id=777001, phone="+79160000777", name="Пётр")
    await sign_in(page)
    await open_card(page, appt["client"]["id"])
    link = page.locator(".client-facts a[href='tg://user?id=777001']")
    assert await link.inner_text() == "Написать в Telegram"
    assert "id 777001" in await page.inner_text(".client-facts")
    assert "Telegram-бот" in await page.inner_text(".client-facts")


@pytest.mark.console_allows("status of 409")
async def test_edit_saves_and_names_the_owner_of_a_taken_phone(page: Any, site: Site) -> None:
    olga = (await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова"))["client"]
    ivan = (await site.manual(at("12:00"), phone="+79037654321", name="Иван Сидоров"))["client"]
    await sign_in(page)
    await open_card(page, olga["id"])

    await page.click("[data-action=edit]")
    dialog = page.locator("dialog#client-edit")
    await dialog.locator("input[name=name]").fill("Ольга Петрова-Смирнова")
    await dialog.locator("input[name=email]").fill("olga@example.ru")
    await dialog.locator("input[name=birthday]").fill("1990-05-17")
    await dialog.locator("textarea[name=notes]").fill("Любит кофе без сахара")
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    await page.wait_for_function("() => document.querySelector('.client-title')?.textContent === 'Ольга Петрова-Смирнова'")
    facts = await page.inner_text(".client-facts")
    assert "olga@example.ru" in facts and "17 мая 1990" in facts
    assert await page.inner_text(".client-notes") == "Любит кофе без сахара"
    r = await site.api.get(f"/api/v1/clients/{olga['id']}", headers=site.headers)
    saved = (await r.get_json())["client"]
    assert (saved["name"], saved["email"], saved["birthday"], saved["notes"]) == (
        "Ольга Петрова-Смирнова", "olga@example.ru", "1990-05-17", "Любит кофе без сахара")

    # Ivan's phone, typed the local way: refused, and the message says whose it is.
    await page.click("[data-action=edit]")
    dialog = page.locator("dialog#client-edit")
    await dialog.locator("input[name=phone]").fill("8 (903) 765-43-21")
    await dialog.locator("button[type=submit]").click()
    error = dialog.locator(".client-dialog-error")
    await error.locator("[data-role=owner]").wait_for()
    assert (await error.inner_text()).replace("\xa0", " ").startswith(
        "Этот телефон уже записан за клиентом «Иван Сидоров», +7 (903) 765-43-21.")
    r = await site.api.get(f"/api/v1/clients/{olga['id']}", headers=site.headers)
    assert (await r.get_json())["client"]["phone"] == "+79161234567"  # nothing changed
    await error.locator("[data-role=owner]").click()
    await page.wait_for_function("() => document.querySelector('.client-title')?.textContent === 'Иван Сидоров'")
    assert page.url.endswith(f"#/client/{ivan['id']}")
    assert await page.locator("dialog").count() == 0


async def test_booking_from_the_card_adds_the_visit_to_the_history(page: Any, site: Site) -> None:
    first = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await sign_in(page)
    await open_card(page, first["client"]["id"])
    assert len(await visit_rows(page)) == 1

    await page.click("[data-action=book]")
    dialog = page.locator("dialog#booking")
    await dialog.wait_for()
    assert await dialog.locator("input[name=phone]").input_value() == "+7 (916) 123-45-67"
    assert await dialog.locator("input[name=name]").input_value() == "Ольга Петрова"
    await page.wait_for_function("() => document.querySelector('#booking select[name=time]').options.length > 0")
    await dialog.locator("select[name=service]").select_option(site.services["Мужская стрижка"])
    await dialog.locator("select[name=staff]").select_option(site.staff["Анна Смирнова"])
    await page.wait_for_function(
        "() => [...document.querySelector('#booking select[name=time]').options].some(o => o.text === '15:00')")
    await dialog.locator("select[name=time]").select_option(label="15:00")
    await dialog.locator("button[type=submit]").click()
    await dialog.wait_for(state="detached")
    await page.wait_for_function("() => document.querySelectorAll('.visits-table tbody tr').length === 2")
    top = (await visit_rows(page))[0]
    assert top[:5] == ["02.03.2026", "15:00–15:45", "Мужская стрижка", "Анна Смирнова", "Подтверждены"]
    assert await page.inner_text(".client-stats [data-stat=next_visit] .kpi-value") == "02.03.2026, 10:00"


@pytest.mark.console_allows("status of 404")
async def test_merging_a_duplicate_moves_its_visits_and_the_duplicate_is_gone(page: Any, site: Site) -> None:
    main = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    dup = await site.manual(at("13:00"), phone="+79169990000", name="Ольга П.", staff="Мария Кузнецова")
    await site.manual(at("16:00"), phone="+79037654321", name="Иван Сидоров")
    await sign_in(page)
    await open_card(page, main["client"]["id"])

    await page.click("[data-action=merge]")
    dialog = page.locator("dialog#client-merge")
    await dialog.locator("input[name=q]").press_sequentially("ольга")
    candidates = dialog.locator(".merge-candidate")
    await candidates.first.wait_for()
    assert await candidates.count() == 1  # the card's own client is not offered
    assert "+7 (916) 999-00-00" in (await candidates.first.inner_text()).replace("\xa0", " ")
    await candidates.first.click()
    confirm = dialog.locator(".merge-confirm")
    assert "«Ольга П.», +7 (916) 999-00-00" in (await confirm.inner_text()).replace("\xa0", " ")
    assert "будет удалена" in await confirm.inner_text()
    await dialog.locator("[data-action=merge-confirm]").click()
    await dialog.wait_for(state="detached")
    await page.wait_for_function("() => document.querySelectorAll('.visits-table tbody tr').length === 2")
    assert [r[1] for r in await visit_rows(page)] == ["13:00–14:00", "10:00–11:00"]
    assert await page.inner_text(".client-title") == "Ольга Петрова"

    await open_card_missing(page, dup["client"]["id"])
    r = await site.api.get(f"/api/v1/clients/{dup['client']['id']}", headers=site.headers)
    assert r.status_code == 404


@pytest.mark.parametrize("width", [1280, 820, 390])
async def test_the_pages_fit_the_screen(page: Any, site: Site, width: int) -> None:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова-Водкина Александровна")
    await site.manual(at("12:00"), phone="+79161234567", name="Ольга", service="Окрашивание", staff="Ольга Иванова")
    await site.manual(at("12:00"), phone="+79037654321", name="Иван Сидоров", staff="Мария Кузнецова")
    await site.api.patch(f"/api/v1/clients/{olga['client']['id']}", headers=site.headers, json={
        "email": "olga.petrova.vodkina@example-salon-mail.ru", "birthday": "1990-05-17",
        "notes": "Аллергия на аммиак; предпочитает утро. " * 4})
    await page.set_viewport_size({"width": width, "height": 900})
    await open_list(page)
    await page.wait_for_selector(ROWS)
    await page.screenshot(path=str(artifact(f"clients-{width}.png")), full_page=True)
    assert await cut_off(page) == []
    await open_card(page, olga["client"]["id"])
    await page.screenshot(path=str(artifact(f"client-card-{width}.png")), full_page=True)
    assert await cut_off(page) == []


async def cut_off(page: Any) -> list[str]:
    """Visible elements of the page whose box leaves the viewport's width outside a scroll container."""
    found: list[str] = await page.evaluate("""() => {
      const out = [];
      const scrolls = (el) => { for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
      for (const el of document.querySelectorAll('#view *')) {
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height) continue;
        if ((r.left < -0.5 || r.right > innerWidth + 0.5) && !scrolls(el)) out.push(`${el.tagName}.${el.className}`);
      }
      if (document.documentElement.scrollWidth > innerWidth) out.push('page scrolls sideways');
      return out;
    }""")
    return found


async def test_a_manager_sees_the_whole_base_and_opens_a_card(page: Any, site: Site) -> None:
    r = await site.api.post("/api/v1/admin/users", headers=site.headers, json={
        "login": "irina", "role": "manager", "branch_ids": [site.branch_id], "password": "irina-password"})
    assert r.status_code == 201, await r.get_data(as_text=True)
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    r = await site.api.post("/api/v1/system/import", headers=site.headers, files={
        "file": FileStorage(io.BytesIO("имя,телефон\nБез Визитов,89035550101\n".encode()), filename="base.csv")})
    assert r.status_code == 200, await r.get_data(as_text=True)
    await sign_in(page, "irina", "irina-password")
    await page.evaluate("() => { location.hash = '#/clients'; }")
    await page.wait_for_selector(ROWS)
    assert await names(page) == ["Без Визитов", "Ольга Петрова"]
    await search(page, "0101", ["Без Визитов"])
    await page.locator(f"{ROWS} .client-name").click()
    await page.wait_for_selector(".client-history")
    assert "Визитов пока нет" in await page.inner_text(".client-history")
    await open_card(page, olga["client"]["id"])
    assert len(await visit_rows(page)) == 1
    assert await page.inner_text(".client-history-scope") == "Показаны визиты в ваших филиалах."
