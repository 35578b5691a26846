"""The journal page (admins): events as Russian sentences with local times, server-side
filters (client, master, appointment, type, period, section), positions, the raw event."""

from __future__ import annotations

from typing import Any

from actors.demo import DEMO_BRANCH
from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, at

pytestmark = SESSION_LOOP

ROWS = ".journal tbody tr"


async def sentences(page: Any) -> list[str]:
    return await page.locator(f"{ROWS} .sentence").all_inner_texts()  # type: ignore[no-any-return]


async def wait_rows(page: Any, predicate: str, arg: Any = None) -> None:
    """Wait until the rows' sentences satisfy ``predicate`` (a JS function of the sentences, arg)."""
    await page.wait_for_function(
        f"([arg]) => {{ const s = [...document.querySelectorAll('{ROWS} .sentence')].map(p => p.textContent);"
        f" return s.length > 0 && ({predicate})(s, arg); }}", arg=[arg])


async def seed(site: Site) -> dict[str, Any]:
    olga = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    r = await site.api.patch(f"/api/v1/appointments/{olga['id']}/status", headers=site.headers,
                             json={"status": "done"})
    assert r.status_code == 200
    boris = await site.manual(at("12:30"), phone="+79161112233", name="Борис Орлов", service="Мужская стрижка",
                              staff="Ольга Иванова")
    return {"olga": olga, "boris": boris}


async def open_journal(page: Any) -> None:
    await sign_in(page)
    await page.click("#nav a[data-route=journal]")
    await page.wait_for_selector(ROWS)


async def test_events_read_as_sentences_with_local_times_and_the_raw_event_on_demand(page: Any, site: Site) -> None:
    made = await seed(site)
    await open_journal(page)
    await wait_rows(page, "(s) => s.some(t => t.includes('Борис Орлов'))")
    types = await page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.type)")
    assert {"appointment.created", "appointment.status_changed", "staff.added", "service.added"} <= set(types)
    assert "user.created" not in types  # the users stream (password hashes) is never shown
    seqs = [int(s) for s in await page.locator(ROWS).evaluate_all("rows => rows.map(r => r.dataset.seq)")]
    assert seqs == sorted(seqs)
    said = await sentences(page)
    assert ("Администратор admin: новая запись — Ольга Петрова на 02.03 10:00, Женская стрижка, "
            "мастер Анна Смирнова, в колонке «Подтверждены»") in said
    assert ("Администратор admin: запись перемещена из «Подтверждены» в «Выполнено» — Ольга Петрова, "
            "02.03 10:00, Женская стрижка, мастер Анна Смирнова") in said
    assert all("user:" not in s and "appointment." not in s for s in said)  # no ids or English types
    # The event's own time, on the branch's clock (the harness clock: Monday 09:00 Moscow).
    row = page.locator(ROWS, has=page.locator(".sentence", has_text="в «Выполнено»"))
    assert (await row.locator(".journal-time").inner_text()).strip() == "02.03.2026 09:00"
    assert await row.locator(".journal-stream").inner_text() == f"Филиал «{DEMO_BRANCH}»"
    # The raw event opens on demand.
    pre = row.locator("pre")
    assert not await pre.is_visible()
    await row.get_by_text("Показать событие").click()
    await pre.wait_for(state="visible")
    raw = await pre.inner_text()
    assert '"status": "done"' in raw and '"actor": "user:admin"' in raw
    assert f'"appointment_id": "{made["olga"]["id"]}"' in raw
    # Section filter on the server: only the branch's stream.
    await page.select_option(".journal-page select[name=stream]", "clients")
    await page.wait_for_function(
        "() => { const r = [...document.querySelectorAll('.journal tbody tr td.journal-stream')];"
        " return r.length > 0 && r.every(td => td.title === 'clients'); }")
    assert all(t.startswith("Администратор admin: новый клиент") for t in await sentences(page))
    # From a position: nothing before it.
    await page.select_option(".journal-page select[name=stream]", "")
    await page.wait_for_function("() => document.querySelectorAll('.journal tbody tr').length > 5")
    await page.fill(".journal-page input[name=after]", str(seqs[-2]))
    await page.dispatch_event(".journal-page input[name=after]", "change")
    await page.wait_for_function("n => { const r = [...document.querySelectorAll('.journal tbody tr')];"
                                 " return r.length > 0 && r.every(x => +x.dataset.seq > n); }", arg=seqs[-2])


async def test_filters_by_client_master_appointment_type_and_period(page: Any, site: Site) -> None:
    made = await seed(site)
    await open_journal(page)
    # Client: found by name, then every sentence is about her.
    await page.fill("#journal-client", "Ольга")
    await page.locator(".journal-suggest button", has_text="Ольга Петрова").click()
    await page.locator(".journal-chip", has_text="Ольга Петрова").wait_for()
    await wait_rows(page, "(s) => s.every(t => t.includes('Ольга Петрова')) && s.length === 3")
    assert [await r.get_attribute("data-type") for r in await page.locator(ROWS).all()] == [
        "client.registered", "appointment.created", "appointment.status_changed"]
    assert f"client={made['olga']['client']['id']}" in page.url
    await page.get_by_role("button", name="Убрать фильтр по клиенту").click()
    await wait_rows(page, "(s) => s.some(t => t.includes('Борис Орлов'))")
    # Client by phone digits.
    await page.fill("#journal-client", "1112233")
    await page.locator(".journal-suggest button", has_text="Борис Орлов").click()
    await wait_rows(page, "(s) => s.every(t => t.includes('Борис Орлов'))")
    await page.get_by_role("button", name="Убрать фильтр по клиенту").click()
    # Master.
    await page.select_option(".journal-page select[name=staff]", site.staff["Ольга Иванова"])
    await wait_rows(page, "(s) => s.every(t => t.includes('Ольга Иванова')) && s.some(t => t.includes('Борис Орлов'))")
    assert not any("Ольга Петрова" in s for s in await sentences(page))
    await page.select_option(".journal-page select[name=staff]", "")
    # Appointment: the link under a sentence filters to that visit.
    created = page.locator(ROWS, has=page.locator(".sentence", has_text="новая запись — Ольга Петрова"))
    await created.get_by_role("link", name="Все события записи").click()
    await page.wait_for_function(
        "() => [...document.querySelectorAll('.journal tbody tr')].map(r => r.dataset.type).join() =="
        " 'appointment.created,appointment.status_changed'")
    assert await page.input_value(".journal-page input[name=appointment]") == made["olga"]["id"]
    await page.fill(".journal-page input[name=appointment]", "")
    await page.dispatch_event(".journal-page input[name=appointment]", "change")
    # Type, one and a group.
    await page.select_option(".journal-page select[name=type]", "appointment.status_changed")
    await page.wait_for_function("() => { const r = [...document.querySelectorAll('.journal tbody tr')];"
                                 " return r.length === 1 && r[0].dataset.type === 'appointment.status_changed'; }")
    await page.select_option(".journal-page select[name=type]", "group:Мастера")
    await page.wait_for_function("() => { const r = [...document.querySelectorAll('.journal tbody tr')];"
                                 " return r.length === 3 && r.every(x => x.dataset.type === 'staff.added'); }")
    await page.select_option(".journal-page select[name=type]", "")
    # Period: nothing happened tomorrow; today holds everything.
    await page.fill(".journal-page input[name=from]", "2026-03-03")
    await page.dispatch_event(".journal-page input[name=from]", "change")
    await page.locator(".journal-note", has_text="По этим фильтрам событий нет").wait_for()
    assert await page.locator(ROWS).count() == 0
    await page.fill(".journal-page input[name=from]", "2026-03-02")
    await page.fill(".journal-page input[name=to]", "2026-03-02")
    await page.dispatch_event(".journal-page input[name=to]", "change")
    await wait_rows(page, "(s) => s.some(t => t.includes('Борис Орлов'))")
    await page.get_by_role("button", name="Сбросить фильтры").click()
    await page.wait_for_function("() => location.hash === '#/journal'")
