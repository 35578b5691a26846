"""Fixtures of the browser tests: the demo site, Chromium (Debian's, driven by Playwright), pages.

These tests run on SQLite only: the journal backends are covered by the
storage contract and the API suites on both databases; what is tested here
is the dashboard in a real browser, and one backend keeps CI time reasonable.
Every page records console errors and CSP violations; a test fails if its
page logged one that the test did not expect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from storage.sqlite import SqliteJournal
from tests.harness import Harness
from tests.web.site import (
    ADMIN_PASSWORD,
    BOT_TOKEN,
    CHROMIUM,
    CHROMIUM_ARGS,
    CHROMIUM_ENV,
    Site,
    open_site,
    require_browser,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark these tests ``browser``. They share one Chromium, so they must run on the session's
    event loop: each module says ``pytestmark = SESSION_LOOP`` (checked here, as a clear error)."""
    here = Path(__file__).parent
    for item in items:
        if here not in Path(str(item.fspath)).parents:
            continue
        item.add_marker(pytest.mark.browser)
        scopes = [m.kwargs.get("loop_scope") for m in item.iter_markers("asyncio")]
        if "session" not in scopes:
            raise pytest.UsageError(f"{item.nodeid}: add `pytestmark = SESSION_LOOP` to its module")


@pytest_asyncio.fixture(loop_scope="session")
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    h = Harness(lambda: SqliteJournal(tmp_path / "journal.sqlite3"), tmp_path, overrides={
        "telegram_bot_token": BOT_TOKEN, "bot_mode": "off", "admin_password": ADMIN_PASSWORD,
        "ws_ping_interval_s": 0.5, "webhook_allow_private": True,  # webhooks to a receiver in the test
    })
    try:
        client, branch_id, services, staff, headers = await open_site(h)
        async with h.serve() as base:
            yield Site(h, client, base, branch_id, services, staff, headers)
    finally:
        await h.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    """One Chromium for the session; every test gets its own context (cookies, storage, cache)."""
    require_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=CHROMIUM_ENV)
        try:
            yield chromium
        finally:
            await chromium.close()


class Console:
    """What a page logged: errors and CSP violations."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def on_console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(msg.text)

    def on_page_error(self, err: Any) -> None:
        self.errors.append(f"uncaught: {err}")

    def unexpected(self, allowed: tuple[str, ...]) -> list[str]:
        return [e for e in self.errors if not any(a in e for a in allowed)]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Any, site: Site, console: Console, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    """A fresh browser context (laptop screen, Russian locale) on the site's start page."""
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="ru-RU",
                                        timezone_id="Europe/Moscow", base_url=site.base)
    context.set_default_timeout(10_000)
    page = await context.new_page()
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    try:
        yield page
    finally:
        await context.close()
    marker = request.node.get_closest_marker("console_allows")
    allowed = tuple(marker.args) if marker else ()
    assert not console.unexpected(allowed), console.errors


async def sign_in(page: Any, login: str = "admin", password: str = ADMIN_PASSWORD) -> None:
    await page.goto("/")
    await page.fill("#login-name", login)
    await page.fill("#login-password", password)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#app:not([hidden])")
