"""axe-core on every dashboard page: no serious or critical accessibility violation,
and no page shows a program value as text («null», «undefined», «NaN»).

The engine is vendored (``tests/web/vendor/axe.min.js``) and evaluated in the
page through the DevTools protocol, which the page's CSP does not govern; the
page itself stays under its strict CSP. Pages are checked with real content
(cards on the board, a client with history) at the laptop width and on a phone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import sign_in
from tests.web.site import SESSION_LOOP, Site, at

pytestmark = SESSION_LOOP

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PAGES = ["board", "calendar", "clients", "client", "import", "reports", "journal",
         "branches", "services", "staff", "users", "webhooks"]
SERIOUS = ("serious", "critical")


async def violations(page: Any) -> list[str]:
    """axe's serious and critical findings on what the page shows now, one line each."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(AXE)
    result = await page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in result if v["impact"] in SERIOUS]


async def settle(page: Any) -> None:
    """The page has drawn its data: the view has content and no request is in flight."""
    await page.wait_for_selector("#view > *")
    await page.wait_for_load_state("networkidle")


async def test_the_login_page_has_no_serious_violation(page: Any) -> None:
    await page.goto("/")
    await page.wait_for_selector("#login:not([hidden])")
    assert await violations(page) == []


@pytest.mark.parametrize("width", [1280, 390])
async def test_every_page_has_no_serious_violation(page: Any, site: Site, width: int) -> None:
    booked = await site.manual(at("10:00"), phone="+79161234567", name="Ольга Петрова")
    await site.manual(at("12:00"), phone="+79161234568", name="Ирина Волкова", status="new")
    await site.h.user("anna", "manager", (site.branch_id,))
    await page.set_viewport_size({"width": width, "height": 900})
    await sign_in(page)
    found: dict[str, list[str]] = {}
    for name in PAGES:
        route = f"#/client/{booked['client']['id']}" if name == "client" else f"#/{name}"
        await page.evaluate("r => { location.hash = r; }", route)
        await settle(page)
        found[name] = await violations(page)
        text = await page.inner_text("#view")
        leaks = [w for w in ("null", "undefined", "NaN", "[object Object]") if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]
        if leaks:
            found[name].append(f"a value leaked as text: {leaks}")
    assert {name: v for name, v in found.items() if v} == {}
