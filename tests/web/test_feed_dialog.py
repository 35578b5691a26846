"""«Подписаться в календаре» on the masters' page, in Chromium at 1280, 820 and 390 px: an admin
issues the master's feed URL, copies it, and the URL answers the feed (the previous one 404);
the page and the dialog fit every width and have no serious accessibility violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact, at
from tests.web.test_axe import violations
from tests.web.test_screens import WIDTHS, cut_off

pytestmark = SESSION_LOOP


async def test_the_staff_page_issues_and_copies_a_calendar_url(browser: Any, site: Site) -> None:
    visit = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    anna = site.staff["Анна Смирнова"]
    previous: str | None = None
    problems: dict[str, list[str]] = {}
    for width, height in WIDTHS.items():
        context = await browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU",
                                            timezone_id="Europe/Moscow", base_url=site.base,
                                            has_touch=width < 1000, is_mobile=width < 600)
        await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base)
        context.set_default_timeout(10_000)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            await sign_in(page)
            await page.goto(f"/#/staff?branch={site.branch_id}")
            card = page.locator(f'.master-card[data-id="{anna}"]')
            await card.wait_for()
            await page.wait_for_load_state("networkidle")
            await page.screenshot(path=artifact(f"staff-feed-{width}.png"), full_page=True)
            problems[f"page-{width}"] = await cut_off(page)

            await card.locator("[data-action=calendar-feed]").click()
            dialog = page.locator("dialog.sheet[open]")
            await dialog.wait_for()
            assert "Новая ссылка отключает прежнюю" in await dialog.inner_text()
            await dialog.locator("button[type=submit]").click()
            field = dialog.locator(".feed-url")
            await field.wait_for()
            url = await field.input_value()
            assert url.startswith(f"{site.base}/api/v1/feeds/{anna}/") and url.endswith(".ics")
            assert await dialog.locator("button[type=submit]").inner_text() == "Готово"
            await dialog.locator("[data-action=copy-feed]").click()
            await page.wait_for_function("() => document.querySelector('.feed-status').textContent !== ''")
            assert await dialog.locator(".feed-status").inner_text() == "Ссылка скопирована"
            assert await page.evaluate("() => navigator.clipboard.readText()") == url
            await page.screenshot(path=artifact(f"staff-feed-dialog-{width}.png"))
            problems[f"dialog-{width}"] = await cut_off(page)
            problems[f"axe-{width}"] = await violations(page)

            r = await page.request.get(url)
            assert r.status == 200 and r.headers["content-type"].startswith("text/calendar")
            assert f"UID:{visit['id']}" in await r.text()
            if previous is not None:
                assert (await page.request.get(previous)).status == 404  # the new URL revoked it
            previous = url
            await dialog.locator("button[type=submit]").click()
            await dialog.wait_for(state="detached")
        finally:
            await context.close()
        assert not errors
    assert {k: v for k, v in problems.items() if v} == {}


@pytest.mark.parametrize("login", ["anna"])
async def test_managers_see_no_calendar_button(page: Any, site: Site, login: str) -> None:
    await site.h.user(login, "manager", (site.branch_id,))
    await sign_in(page, login, "password-123")
    await page.goto(f"/#/staff?branch={site.branch_id}")
    await page.locator(".master-card").first.wait_for()
    assert await page.locator("[data-action=calendar-feed]").count() == 0
