"""«Вебхуки» in Chromium at 1280, 820 and 390 px: an admin adds an endpoint (a real receiver in
the test), sees its secret once, sends a test event that arrives signed with it, reads the delivery
log, and deletes the endpoint; the page and its dialogs fit every width and pass axe."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, artifact
from tests.web.test_axe import violations
from tests.web.test_screens import WIDTHS, cut_off
from tests.webhooks.receiver import Receiver

pytestmark = SESSION_LOOP


async def test_an_admin_adds_tests_reads_and_deletes_a_webhook(browser: Any, site: Site) -> None:
    receiver = await Receiver().start()
    problems: dict[str, list[str]] = {}
    try:
        for width, height in WIDTHS.items():
            context = await browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU",
                                                timezone_id="Europe/Moscow", base_url=site.base,
                                                has_touch=width < 1000, is_mobile=width < 600)
            context.set_default_timeout(15_000)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            try:
                await sign_in(page)
                await page.goto("/#/webhooks")
                await page.wait_for_selector(".webhooks-page .empty-state")
                assert "Вебхуков пока нет" in await page.inner_text("#view")
                await page.screenshot(path=artifact(f"webhooks-empty-{width}.png"), full_page=True)

                await page.click("[data-action=add-webhook]")
                dialog = page.locator("dialog.sheet[open]")
                await dialog.locator("input[name=url]").fill(receiver.url)
                await dialog.locator("input[name=all-events]").uncheck()
                await dialog.get_by_text("Новая запись").click()
                await dialog.get_by_text("Смена статуса").click()
                await page.screenshot(path=artifact(f"webhooks-add-{width}.png"))
                problems[f"add-{width}"] = await cut_off(page) + await violations(page)
                await dialog.locator("button[type=submit]").click()
                secret_box = page.locator("dialog.sheet[open] .secret-value")
                await secret_box.wait_for()
                secret = await secret_box.input_value()
                assert secret.startswith("whsec_")
                assert "больше он не будет показан" in await page.locator("dialog.sheet[open]").inner_text()
                await page.screenshot(path=artifact(f"webhooks-secret-{width}.png"))
                problems[f"secret-{width}"] = await cut_off(page) + await violations(page)
                await page.locator("dialog.sheet[open] button[type=submit]").click()

                row = page.locator(".webhooks-table tbody tr")
                await row.wait_for()
                text = await row.inner_text()
                assert receiver.url in text and "Новая запись, Смена статуса" in text and "все филиалы" in text
                assert secret not in await page.inner_text("#view")  # shown once, in the dialog only
                before = len(receiver.received)
                await row.locator("[data-action=test]").click()
                [*_, got] = await receiver.wait_for(before + 1)
                assert got.event == "webhook.test" and got.signed_with(secret)
                await page.locator(".webhook-log-table .status-badge.on").wait_for()
                log = await page.inner_text(".webhook-log")
                assert "Тестовое событие" in log and "200 OK" in log and "Доставлено" in log
                await page.wait_for_load_state("networkidle")
                # (a toast fading out has, for a moment, too little contrast for axe)
                await page.evaluate("() => document.querySelector('#toasts').replaceChildren()")
                await page.screenshot(path=artifact(f"webhooks-{width}.png"), full_page=True)
                problems[f"page-{width}"] = await cut_off(page) + await violations(page)

                await row.locator("[data-action=delete]").click()
                await page.locator("dialog.sheet[open] button[type=submit]").click()
                await page.wait_for_selector(".webhooks-page .empty-state")
                assert errors == []
            finally:
                await context.close()
    finally:
        await receiver.stop()
    assert {k: v for k, v in problems.items() if v} == {}
