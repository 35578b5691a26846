"""Signing in and out: a wrong password, the board after login, logout, and an expired session."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import ADMIN_PASSWORD, SESSION_LOOP, Site

pytestmark = SESSION_LOOP


@pytest.mark.console_allows("401")
async def test_wrong_password_is_refused_then_login_opens_the_board(page: Any, site: Site) -> None:
    await page.goto("/")
    await page.fill("#login-name", "admin")
    await page.fill("#login-password", "not-the-password")
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#login-error:not([hidden])")
    assert await page.text_content("#login-error") == "Неверный логин или пароль"
    assert await page.is_hidden("#app")

    await page.fill("#login-password", ADMIN_PASSWORD)
    await page.click("#login-form button[type=submit]")
    await page.wait_for_selector("#app:not([hidden])")
    assert await page.locator(".column h2").count() == 6
    assert "admin" in (await page.text_content("#who") or "")
    token = await page.evaluate("JSON.parse(sessionStorage.getItem('zapis.session')).token")
    assert token.count(".") == 2
    # Journal is for admins: the admin sees its link.
    assert await page.is_visible("#nav a[data-route=journal]")


async def test_logout_clears_the_session(page: Any, site: Site) -> None:
    await sign_in(page)
    await page.click("#logout")
    await page.wait_for_selector("#login:not([hidden])")
    assert await page.evaluate("sessionStorage.getItem('zapis.session')") is None
    await page.reload()
    await page.wait_for_selector("#login:not([hidden])")
    assert await page.is_hidden("#app")


async def test_the_session_survives_a_reload_of_the_tab(page: Any, site: Site) -> None:
    await sign_in(page)
    await page.reload()
    await page.wait_for_selector("#app:not([hidden])")
    await page.wait_for_selector("#live[data-state=online]")


@pytest.mark.console_allows("401")
async def test_an_expired_token_returns_to_login(page: Any, site: Site) -> None:
    await sign_in(page)
    await page.wait_for_selector("#live[data-state=online]")
    site.h.clock.advance(site.h.settings.jwt_ttl_s + 60)  # the server's clock passes the token's expiry
    # The socket is closed 4401 at its next heartbeat; the page goes back to the login form.
    await page.wait_for_selector("#login:not([hidden])", timeout=5000)
    assert await page.text_content("#login-error") == "Сессия истекла — войдите снова"
    assert await page.evaluate("sessionStorage.getItem('zapis.session')") is None


@pytest.mark.console_allows("401")
async def test_a_401_from_the_api_returns_to_login(page: Any, site: Site) -> None:
    await sign_in(page)
    await page.wait_for_selector(".column")
    # Another tab signed out / the secret was rotated: the stored token is no longer valid.
    await page.evaluate("""() => {
        const s = JSON.parse(sessionStorage.getItem('zapis.session'));
        s.token = s.token.slice(0, -4) + 'AAAA';
        sessionStorage.setItem('zapis.session', JSON.stringify(s));
    }""")
    await page.fill(".board-page input[name=from]", "2026-03-03")
    await page.wait_for_selector("#login:not([hidden])")
    assert await page.text_content("#login-error") == "Сессия истекла — войдите снова"
