"""The import page: upload a small CSV, preview the dry run (counts and error rows), then import."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, at

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
        "() => document.querySelector('.import-page [role=status]').textContent.includes('не поддерживается')")
    assert await page.locator(".import-result .kpi").count() == 0
    assert await page.is_disabled(".import-page button.primary")
