"""The import page: upload a small CSV, preview the dry run (counts and error rows), then import;
Russian row errors for a cp1251 file, «Дополнено 0» for a re-import, the 413 with its limit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, at

REALDATA = Path(__file__).resolve().parents[1] / "fixtures" / "realdata"

pytestmark = SESSION_LOOP

CSV = (
    "Телефон;ФИО;Email\n"
    "+7 916 123-45-67;Ольга Петрова;olga@example.com\n"  # row 2: the existing client, email filled
    "8 (903) 000-11-22;Новая Клиентка;new@example.com\n"  # row 3: a new client
    "89030001122;Новая Клиентка;\n"  # row 4: the same person again → duplicate
    "Без телефона;Кто-то;x@example.com\n"  # row 5: no phone → error
    "+7 905 444-33-22;<b>Жирный</b>;\n"  # row 6: a new client whose name is markup
)


async def clients(site: Site) -> dict[str, dict[str, Any]]:
    r = await site.api.get("/api/v1/clients", headers=site.headers, query_string={"limit": 200})
    return {c["phone"]: c for c in (await r.get_json())["items"]}


def kpi(page: Any, key: str) -> Any:
    return page.locator(f".import-result [data-kpi={key}] .kpi-value")


async def open_import(page: Any) -> None:
    await sign_in(page)
    await page.click("#nav a[data-route=import]")
    await page.wait_for_selector(".import-page input[type=file]")


async def test_preview_then_import_a_small_csv(page: Any, site: Site) -> None:
    await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await open_import(page)
    assert await page.is_disabled(".import-page button.primary")
    await page.set_input_files(".import-page input[type=file]", files=[{
        "name": "клиенты.csv", "mimeType": "text/csv", "buffer": CSV.encode("utf-8")}])
    await page.click(".import-page button:has-text('Проверить файл')")
    await kpi(page, "total_rows").wait_for()
    counts = {k: await kpi(page, k).inner_text() for k in ("total_rows", "created", "updated", "duplicates", "errors")}
    assert counts == {"total_rows": "5", "created": "2", "updated": "1", "duplicates": "1", "errors": "1"}
    rows = await page.locator(".errors-table tbody tr").all()
    assert len(rows) == 1
    assert await rows[0].locator("td").first.inner_text() == "5"
    assert "ничего не изменено" in await page.inner_text(".import-page [role=status]")
    assert set(await clients(site)) == {"+79161234567"}  # the dry run changed nothing

    await page.click(".import-page button.primary:has-text('Импортировать')")
    await page.wait_for_function(
        "() => document.querySelector('.import-page [role=status]').textContent.includes('завершён')")
    assert await kpi(page, "created").inner_text() == "2"
    assert await page.locator(".import-result .kpi-label", has_text="Создано клиентов").count() == 1
    after = await clients(site)
    assert set(after) == {"+79161234567", "+79030001122", "+79054443322"}
    assert after["+79161234567"]["email"] == "olga@example.com"  # an empty field filled
    assert after["+79030001122"]["name"] == "Новая Клиентка" and after["+79030001122"]["source"] == "import"
    assert after["+79054443322"]["name"] == "<b>Жирный</b>"
    assert await page.locator(".toast", has_text="Импорт завершён").count() == 1


@pytest.mark.console_allows("415")
async def test_an_unsupported_file_is_refused_with_a_message(page: Any, site: Site) -> None:
    await open_import(page)
    await page.set_input_files(".import-page input[type=file]", files=[{
        "name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}])
    await page.click(".import-page button:has-text('Проверить файл')")
    await page.wait_for_function(
        "() => document.querySelector('.import-page [role=status]').textContent.includes('не поддерживаются')")
    assert await page.inner_text(".import-page [role=status]") == "Файлы .png не поддерживаются: загрузите .csv, .xls или .xlsx"
    assert await page.locator(".import-result .kpi").count() == 0
    assert await page.is_disabled(".import-page button.primary")


def salon_file_with_bad_phones() -> bytes:
    """Five real rows of a salon's list (CrmSalon, see the fixtures' README) and two bad phones, in cp1251."""
    rows = (REALDATA / "ru_salon_clients_headerless_crlf.csv").read_text("utf-8").splitlines()[:5]
    lines = ["Фамилия;Имя;Телефон", *rows, "Кузнецова;Мария;123", "Соколов;Игорь;+7 999 12"]
    return "\r\n".join(lines).encode("cp1251")


async def test_a_cp1251_file_with_bad_phones_shows_russian_row_errors(page: Any, site: Site) -> None:
    await open_import(page)
    languages: list[str] = []
    page.on("request", lambda r: languages.append(r.headers.get("accept-language", ""))
            if r.url.endswith("/api/v1/system/import") else None)
    await page.set_input_files(".import-page input[type=file]", files=[{
        "name": "клиенты.csv", "mimeType": "text/csv", "buffer": salon_file_with_bad_phones()}])
    await page.click(".import-page button:has-text('Проверить файл')")
    await kpi(page, "total_rows").wait_for()
    assert await kpi(page, "created").inner_text() == "5" and await kpi(page, "errors").inner_text() == "2"
    rows = [[await td.inner_text() for td in await tr.locator("td").all()]
            for tr in await page.locator(".errors-table tbody tr").all()]
    assert rows == [["7", "Телефон «123» — неверный номер"], ["8", "Телефон «+7 999 12» — неверный номер"]]
    assert languages == ["ru"]  # the page asks for Russian whatever the browser's language


async def test_a_reimport_of_the_same_file_adds_nothing(page: Any, site: Site) -> None:
    await open_import(page)
    await page.set_input_files(".import-page input[type=file]", files=[{
        "name": "клиенты.csv", "mimeType": "text/csv", "buffer": CSV.encode("utf-8")}])
    await page.click(".import-page button:has-text('Проверить файл')")
    await kpi(page, "total_rows").wait_for()
    await page.click(".import-page button.primary:has-text('Импортировать')")
    await page.wait_for_function(
        "() => document.querySelector('.import-page [role=status]').textContent.includes('завершён')")
    assert await kpi(page, "created").inner_text() == "3"
    await page.click(".import-page button:has-text('Проверить файл')")  # the same file again
    await page.wait_for_function(
        "() => document.querySelector('.import-page [role=status]').textContent.includes('ничего не изменено')")
    counts = {k: await kpi(page, k).inner_text() for k in ("created", "updated", "unchanged", "duplicates")}
    assert counts == {"created": "0", "updated": "0", "unchanged": "3", "duplicates": "1"}
    labels = await page.locator(".import-result .kpi-label").all_inner_texts()
    assert "Будет дополнено" in labels and "Без изменений" in labels


@pytest.mark.console_allows("413")
async def test_an_over_limit_file_names_the_limit(page: Any, site: Site) -> None:
    site.h.z.settings = site.h.z.settings.with_(import_max_bytes=2_000_000)
    await open_import(page)
    big = ("Телефон;Имя\n" + "+79990000000;Клиентка\n" * 120_000).encode("utf-8")
    assert len(big) > 2_500_000
    await page.set_input_files(".import-page input[type=file]", files=[{
        "name": "большой.csv", "mimeType": "text/csv", "buffer": big}])
    await page.click(".import-page button:has-text('Проверить файл')")
    await page.wait_for_function(
        "() => document.querySelector('.import-page [role=status]').textContent.includes('слишком большой')")
    status = await page.inner_text(".import-page [role=status]")
    assert status == "Файл слишком большой (больше 2 МБ)"
    assert not re.search(r"[a-z]{3,}", status)
