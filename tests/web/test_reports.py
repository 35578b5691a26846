"""The reports page: SPEC's KPIs for a chosen period as tiles, rings and inline-SVG charts."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from actors.core.messages import LeaveFeedback
from tests.web.conftest import sign_in
from tests.web.test_axe import violations
from tests.web.site import SESSION_LOOP, Site, artifact, at

pytestmark = SESSION_LOOP

TUESDAY = "03-03"


async def seed_week(site: Site) -> list[dict[str, Any]]:
    """Six visits (all «Женская стрижка», 2,000 ₽); the three done ones are Анна's."""
    made: list[dict[str, Any]] = []

    async def booked(start: str, phone: str, name: str, status: str, staff: str = "Анна Смирнова") -> None:
        appt = await site.manual(start, phone=phone, name=name, staff=staff)
        made.append(appt)
        if status != "confirmed":
            r = await site.api.patch(f"/api/v1/appointments/{appt['id']}/status", headers=site.headers,
                                     json={"status": status})
            assert r.status_code == 200, await r.get_data(as_text=True)

    await booked(at("10:00"), "+79161234567", "Ольга Петрова", "done")
    await booked(at("11:30"), "+79035550101", "Иван Соколов", "cancelled")
    await booked(at("12:00"), "+79998887766", "Мария Белова", "no_show", staff="Мария Кузнецова")
    await booked(at("14:00").replace("03-02", TUESDAY), "+79261112233", "Пётр Орлов", "done")
    await booked(at("16:00").replace("03-02", TUESDAY), "+79161234567", "Ольга Петрова", "done")  # a repeat visit
    await booked(at("17:00").replace("03-02", TUESDAY), "+79005550000", "Ещё придёт", "confirmed")
    return made


async def open_reports(page: Any) -> None:
    await sign_in(page)
    await page.click("#nav a[data-route=reports]")
    await page.wait_for_selector(".reports-page svg.chart")


async def period(page: Any) -> tuple[str, str]:
    return (await page.input_value(".reports-page input[name=from]"),
            await page.input_value(".reports-page input[name=to]"))


async def pressed(page: Any) -> list[str]:
    return await page.locator(".presets button[aria-pressed=true]").all_inner_texts()  # type: ignore[no-any-return]


async def dates_are(page: Any, first: str, last: str) -> None:
    await page.wait_for_function("""([a, b]) => document.querySelector('.reports-page input[name=from]').value === a
                                 && document.querySelector('.reports-page input[name=to]').value === b""",
                                 arg=[first, last])


async def tile_says(page: Any, kpi: str, value: str) -> None:
    await page.wait_for_function("([k, v]) => document.querySelector(`[data-kpi=${k}] .kpi-value`)?.textContent === v",
                                 arg=[kpi, value])


async def choose_dates(page: Any, first: str, last: str, appointments: str) -> None:
    await page.fill(".reports-page input[name=from]", first)
    await page.fill(".reports-page input[name=to]", last)
    await tile_says(page, "appointments", appointments)


async def test_reports_show_kpis_and_charts(page: Any, site: Site) -> None:
    await seed_week(site)
    await open_reports(page)
    await choose_dates(page, "2026-03-01", "2026-03-07", "6")
    tiles = {k: await page.inner_text(f"[data-kpi={k}] .kpi-value")
             for k in ("new_requests", "appointments", "open", "done", "cancelled", "no_show", "repeat_visits")}
    assert tiles == {"new_requests": "6", "appointments": "6", "open": "1", "done": "3", "cancelled": "1",
                     "no_show": "1", "repeat_visits": "1"}
    rings = await page.locator("svg.ring .ring-text").all_text_contents()
    assert rings == ["50%", "50%"]  # 3 of 6 done; 1 of 2 clients with a done visit came back

    bars = page.locator("[data-chart=days] rect.bar")
    # Monday: done, cancelled, no-show; Tuesday: done (×2, one bar) and the visit still to come
    assert await bars.count() == 5
    assert await page.locator("[data-chart=days] rect.bar[data-date='2026-03-02']").count() == 3
    tuesday_done = page.locator("[data-chart=days] rect.bar.series-done[data-date='2026-03-03']")
    assert await tuesday_done.locator("title").text_content() == "03.03 — Выполнено: 2"
    tuesday_open = page.locator("[data-chart=days] rect.bar.series-open[data-date='2026-03-03']")
    assert await tuesday_open.locator("title").text_content() == "03.03 — Ещё не завершены: 1"
    monday_done = page.locator("[data-chart=days] rect.bar.series-done[data-date='2026-03-02']")
    height = float(await tuesday_done.get_attribute("height") or 0)
    assert height == 2 * float(await monday_done.get_attribute("height") or 0)
    assert await page.locator("svg.chart polyline.series-new_requests").count() == 1
    assert await page.locator("svg.chart circle.series-new_requests").count() == 7  # one per day
    axis = await page.locator("[data-chart=days] svg.chart").locator("text.axis-label").all_text_contents()
    assert "02.03" in axis
    # Every tile and ring says in one line what it counts; each chart says what a bar or point is.
    meanings = await page.locator(".count-kpis .kpi .kpi-meaning").all_inner_texts()
    assert len(meanings) == 7 and all(len(m) > 10 for m in meanings)
    assert len(await page.locator(".ring-box .kpi-meaning").all_inner_texts()) == 2
    legend = await page.locator("[data-chart=days]").locator(".legend").inner_text()
    for label in ("Ещё не завершены", "Выполнено", "Отменено", "Не пришли"):
        assert label in legend
    assert "«Записей в периоде»" in await page.locator("[data-chart=days] .chart-note").inner_text()
    await page.screenshot(path=artifact("reports.png"), full_page=True)


async def test_day_bars_add_up_to_the_tiles(page: Any, site: Site) -> None:
    """The bars count what the tiles count: every appointment once, on its day, split by status."""
    await seed_week(site)
    await open_reports(page)
    await choose_dates(page, "2026-03-01", "2026-03-07", "6")
    kpi = {k: int(await page.inner_text(f"[data-kpi={k}] .kpi-value"))
           for k in ("new_requests", "appointments", "open", "done", "cancelled", "no_show")}
    values = await page.locator("[data-chart=days] rect.bar").evaluate_all(
        "bars => bars.map(b => [b.getAttribute('class'), +b.dataset.value])")
    assert sum(v for _, v in values) == kpi["appointments"]
    for key in ("open", "done", "cancelled", "no_show"):
        assert sum(v for cls, v in values if f"series-{key}" in cls) == kpi[key], key
    points = await page.locator("svg.chart circle.series-new_requests").evaluate_all(
        "ps => ps.map(p => +p.dataset.value)")
    assert sum(points) == kpi["new_requests"]


async def test_presets_set_the_period_and_the_default_counts_upcoming_visits(page: Any, site: Site) -> None:
    await seed_week(site)
    await open_reports(page)
    # This month by default (the server's today is Monday 2 March): Tuesday's visit to come counts.
    assert await pressed(page) == ["Этот месяц"]
    assert await period(page) == ("2026-03-01", "2026-03-31")
    await tile_says(page, "appointments", "6")
    assert await page.inner_text("[data-kpi=open] .kpi-value") == "1"

    await page.click(".presets button:text-is('Прошедшие 7 дней')")
    await dates_are(page, "2026-02-24", "2026-03-02")
    assert await pressed(page) == ["Прошедшие 7 дней"]
    await tile_says(page, "appointments", "3")

    await page.click(".presets button:text-is('Предстоящие 7 дней')")
    await dates_are(page, "2026-03-02", "2026-03-08")
    assert await pressed(page) == ["Предстоящие 7 дней"]
    await tile_says(page, "appointments", "6")

    # Dates typed by hand are a period of one's own.
    await choose_dates(page, "2026-03-03", "2026-03-03", "3")
    assert await pressed(page) == ["Свой период"]
    await page.click(".presets button:text-is('Этот месяц')")
    await dates_are(page, "2026-03-01", "2026-03-31")
    # Opened straight from a link, the page asks the server for the salon's today (this browser's
    # clock says December): still March.
    await page.reload()
    await page.wait_for_selector(".reports-page svg.chart")
    await dates_are(page, "2026-03-01", "2026-03-31")
    await tile_says(page, "appointments", "6")


async def test_an_empty_period_shows_zeros_and_no_arcs(page: Any, site: Site) -> None:
    await seed_week(site)
    await open_reports(page)
    await choose_dates(page, "2026-03-01", "2026-03-07", "6")
    assert await page.locator("svg.ring circle.ring-value").count() == 2  # 50 % and 50 %
    await page.fill(".reports-page input[name=from]", "2026-01-01")
    await page.fill(".reports-page input[name=to]", "2026-01-10")
    await page.wait_for_function("() => document.querySelectorAll('svg.chart circle').length === 10")
    assert await page.inner_text("[data-kpi=appointments] .kpi-value") == "0"
    assert await page.locator("[data-chart=days] rect.bar").count() == 0
    assert await page.locator("svg.ring .ring-text").all_text_contents() == ["0%", "0%"]
    # 0 % draws the grey track only: no arc, not even the dot of a round cap.
    assert await page.locator("svg.ring circle.ring-value").count() == 0
    assert await page.locator("svg.ring circle.ring-track").count() == 2


def plain(text: str) -> str:
    """Intl's Russian money has no-break spaces: compare with plain ones."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").strip()


async def test_money_utilization_masters_sources_and_downloads(page: Any, site: Site) -> None:
    made = await seed_week(site)
    for appt, stars in ((made[0], 5), (made[3], 4)):  # Анна's done visits of Monday and Tuesday
        await site.h.z.runtime.branch(site.branch_id).ask(LeaveFeedback(appt["id"], appt["client"]["id"], stars))
    r = await site.api.get("/api/v1/system/reports", headers=site.headers,
                           query_string={"date_from": "2026-03-01", "date_to": "2026-03-07"})
    data = await r.get_json()
    await open_reports(page)
    await choose_dates(page, "2026-03-01", "2026-03-07", "6")
    assert plain(await page.inner_text("[data-kpi=revenue] .kpi-value")) == "6 000 ₽"
    assert plain(await page.inner_text("[data-kpi=average_check] .kpi-value")) == "2 000 ₽"
    assert await page.inner_text("[data-kpi=no_show_rate] .kpi-value") == "25%"  # 1 of 3 done + 1 no-show

    revenue = await page.locator("[data-chart=revenue-RUB] rect.bar").evaluate_all("bs => bs.map(b => +b.dataset.value)")
    assert sum(revenue) == 6000 and sorted(revenue) == [2000, 4000]  # Monday, Tuesday
    title = await page.locator("[data-chart=revenue-RUB] rect.bar").last.locator("title").text_content()
    assert plain(title or "") == "03.03 — Выручка: 4 000 ₽"

    shares = await page.locator("[data-chart=utilization] rect.bar").evaluate_all(
        "bs => bs.map(b => [b.dataset.id, +b.dataset.value])")
    assert shares == [[r["staff_id"], r["utilization"]] for r in data["by_staff"] if r["utilization"] is not None]
    assert len(shares) == 3  # every demo master has working time this week

    rows = await page.locator("table.staff-report tbody tr").evaluate_all(
        "trs => trs.map(tr => [...tr.children].map(c => c.innerText.replace(/\\s+/g, ' ').trim()))")
    anna = next(row for row in rows if row[0] == "Анна Смирнова")
    assert (anna[1], plain(anna[2]), anna[6]) == ("3", "6 000 ₽", "4,5 из 5")
    assert all(row[6] == "нет отзывов" for row in rows if row[0] != "Анна Смирнова")
    sources = await page.locator("table.source-report tbody tr").all_inner_texts()
    assert [" ".join(s.split()) for s in sources] == ["Телеграм-бот 0 0 0%", "Менеджер 6 3 50%"]

    async with page.expect_download() as got:
        await page.click("button:text-is('Скачать Excel')")
    download = await got.value
    assert download.suggested_filename == "report-2026-03-01-2026-03-07.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
    summary = {(row[0], row[2]): row[1] for row in book["Итоги"].iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(summary[("Выручка", "RUB")])) == Decimal(data["revenue"]["RUB"]) == Decimal("6000.00")
    async with page.expect_download() as got:
        await page.click("button:text-is('Скачать CSV')")
    download = await got.value
    text = Path(await download.path()).read_bytes().decode("utf-8-sig")
    assert download.suggested_filename.endswith(".csv") and "Выручка;6000,00;RUB" in text
    await page.screenshot(path=artifact("reports-money.png"), full_page=True)
    assert await violations(page) == []  # with money, charts and tables drawn


async def test_clients_export_downloads_the_base(page: Any, site: Site) -> None:
    await seed_week(site)
    await sign_in(page)
    await page.click("#nav a[data-route=clients]")
    await page.wait_for_selector(".clients-table tbody tr")
    await page.click(".clients-export summary")
    assert await violations(page) == []  # the menu open
    async with page.expect_download() as got:
        await page.click(".clients-export button:text-is('Скачать Excel')")
    download = await got.value
    assert download.suggested_filename == "clients-2026-03-02.xlsx"
    rows = list(openpyxl.load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))["Клиенты"]
                .iter_rows(values_only=True))
    assert rows[0][:2] == ("Имя", "Телефон") and len(rows) == 1 + 5  # Ольга Петрова came twice: one client
    olga = next(row for row in rows if row[0] == "Ольга Петрова")
    assert (olga[1], olga[8]) == ("+79161234567", 2)  # two done visits
    assert not await page.locator(".clients-export").evaluate("d => d.open")  # closed after the download
    # the search narrows the file to the clients found
    await page.fill("#clients-search", "Ольга")
    await page.wait_for_function("() => document.querySelectorAll('.clients-table tbody tr').length === 1")
    await page.click(".clients-export summary")
    async with page.expect_download() as got:
        await page.click(".clients-export button:text-is('Скачать CSV')")
    text = Path(await (await got.value).path()).read_bytes().decode("utf-8-sig")
    assert [line.split(";")[0] for line in text.splitlines()] == ["Имя", "Ольга Петрова"]
