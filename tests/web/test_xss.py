"""Values from the API are text, never markup: a client's name full of HTML shows as typed."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, at, card

pytestmark = SESSION_LOOP

EVIL = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"><svg onload=window.__pwned=3>'
EVIL_COMMENT = "</div><iframe src=javascript:window.__pwned=4></iframe>"


async def no_markup_got_through(page: Any) -> None:
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("#view img, #view iframe, #view script, .card svg, .cal-appt svg").count() == 0


async def test_a_hostile_name_renders_as_text_everywhere(page: Any, site: Site) -> None:
    manual = await site.manual(at("10:00"), phone="+79161234567", name=EVIL)
    r = await site.api.patch(f"/api/v1/appointments/{manual['id']}/status", headers=site.headers,
                             json={"status": "new"})
    assert r.status_code == 200
    await sign_in(page)
    await page.wait_for_selector("#live[data-state=online]")

    # On the board, from the board's load …
    shown = page.locator(card(manual["id"], "new") + " .card-client")
    assert await shown.inner_text() == EVIL
    # … and from the socket: a Telegram client named the same way.
    live = await site.client_books(at("13:00"), telegram_id=6660, phone="+79006660000", name=EVIL)
    r = await site.api.patch(f"/api/v1/appointments/{live['id']}/status", headers=site.headers,
                             json={"status": "confirmed"})
    assert r.status_code == 200
    arrived = page.locator(card(live["id"], "confirmed") + " .card-client")
    await arrived.wait_for(timeout=2000)
    assert await arrived.inner_text() == EVIL
    await no_markup_got_through(page)

    # In the calendar.
    await page.click("#nav a[data-route=calendar]")
    block = page.locator(f'.cal-appt[data-id="{manual["id"]}"] .cal-appt-client')
    await block.wait_for()
    assert await block.inner_text() == EVIL
    await no_markup_got_through(page)

    # In the journal (the raw event data).
    await page.click("#nav a[data-route=journal]")
    await page.wait_for_selector(".journal tbody tr")
    await page.select_option(".journal-page select[name=stream]", "clients")
    await page.locator(".journal tbody tr td", has_text="Клиенты").first.wait_for()
    assert EVIL.replace('"', '\\"') in (await page.locator(".journal tbody").text_content() or "")
    await no_markup_got_through(page)


async def test_a_hostile_comment_and_a_known_client_hint_are_text(page: Any, site: Site) -> None:
    r = await site.api.post("/api/v1/appointments/manual", headers=site.headers, json={
        "branch_id": site.branch_id, "service_id": site.services["Стрижка чёлки"], "start": at("10:00"),
        "client": {"phone": "+79161234567", "name": EVIL}, "comment": EVIL_COMMENT})
    assert r.status_code == 201
    appt = await r.get_json()
    await sign_in(page)
    comment = page.locator(card(appt["id"]) + " .card-comment")
    assert await comment.inner_text() == EVIL_COMMENT
    await page.click("#new-booking")
    await page.locator("dialog#booking input[name=phone]").press_sequentially("89161234567")
    hint = page.locator("[data-role=known]")
    await page.wait_for_function("() => document.querySelector('[data-role=known]').textContent !== ''")
    assert await hint.inner_text() == f"Клиент из базы: {EVIL}, +7 (916) 123-45-67"
    assert await page.locator("dialog#booking input[name=name]").input_value() == EVIL
    await no_markup_got_through(page)
    assert await page.locator("dialog img, dialog svg").count() == 0
