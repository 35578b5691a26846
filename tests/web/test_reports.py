"""The reports page: SPEC's KPIs for a chosen period as tiles, rings and inline-SVG charts."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact, at

pytestmark = SESSION_LOOP

TUESDAY = "03-03"


async def seed_week(site: Site) -> None:
    async def booked(start: str, phone: str, name: str, status: str, staff: str = "Анна Смирнова") -> None:
        appt = await site.manual(start, phone=phone, name=name, staff=staff)
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


async def test_reports_show_kpis_and_charts(page: Any, site: Site) -> None:
    await seed_week(site)
    await sign_in(page)
    await page.click("#nav a[data-route=reports]")
    await page.wait_for_selector(".reports-page input[name=from]")
    await page.fill(".reports-page input[name=from]", "2026-03-01")
    await page.fill(".reports-page input[name=to]", "2026-03-07")
    await page.wait_for_selector("svg.chart rect.bar")
    await page.wait_for_function("() => document.querySelector('[data-kpi=appointments] .kpi-value')?.textContent === '6'")
    tiles = {k: await page.inner_text(f"[data-kpi={k}] .kpi-value")
             for k in ("new_requests", "appointments", "done", "cancelled", "no_show", "repeat_visits")}
    assert tiles == {"new_requests": "6", "appointments": "6", "done": "3", "cancelled": "1",
                     "no_show": "1", "repeat_visits": "1"}
    rings = await page.locator("svg.ring .ring-text").all_text_contents()
    assert rings == ["50%", "50%"]  # 3 of 6 done; 1 of 2 clients with a done visit came back

    bars = page.locator("svg.chart rect.bar")
    assert await bars.count() == 4  # Monday: done, cancelled, no-show; Tuesday: done (×2, one bar)
    monday = await page.locator("svg.chart rect.bar[data-date='2026-03-02']").count()
    assert monday == 3
    tuesday_done = page.locator("svg.chart rect.bar.series-done[data-date='2026-03-03']")
    assert await tuesday_done.locator("title").text_content() == "03.03 — Выполнено: 2"
    monday_done = page.locator("svg.chart rect.bar.series-done[data-date='2026-03-02']")
    height = float(await tuesday_done.get_attribute("height") or 0)
    assert height == 2 * float(await monday_done.get_attribute("height") or 0)
    assert await page.locator("svg.chart polyline.series-new_requests").count() == 1
    assert await page.locator("svg.chart circle.series-new_requests").count() == 7  # one per day
    axis = await page.locator("svg.chart").first.locator("text.axis-label").all_text_contents()
    assert "02.03" in axis and "07.03" in axis
    await page.screenshot(path=artifact("reports.png"), full_page=True)


async def test_an_empty_period_shows_zeros(page: Any, site: Site) -> None:
    await sign_in(page)
    await page.click("#nav a[data-route=reports]")
    await page.fill(".reports-page input[name=from]", "2026-01-01")
    await page.fill(".reports-page input[name=to]", "2026-01-10")
    await page.wait_for_function("() => document.querySelectorAll('svg.chart circle').length === 10")
    assert await page.inner_text("[data-kpi=appointments] .kpi-value") == "0"
    assert await page.locator("svg.chart rect.bar").count() == 0
    assert await page.locator("svg.ring .ring-text").all_text_contents() == ["0%", "0%"]
