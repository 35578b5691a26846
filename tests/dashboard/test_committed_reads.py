"""Readers see committed state only: an appointment whose append is in doubt is nowhere.

The branch's journal append is held (``GatedJournal.hold_next_append``) while
a manager's booking waits for it. Meanwhile the board, the client card, the
client's own list, the report and the dashboard socket must not show the
appointment — it may still be rolled back — and none of those reads may
wait for the busy actor. Once the append commits, it shows everywhere; if it
fails instead, it never shows anywhere.
"""

from __future__ import annotations

import asyncio
from typing import Any

from storage.journal import JournalUnavailable
from tests.client.kit import MONDAY, at
from tests.dashboard.conftest import Env
from tests.dashboard.helpers import TIMEOUT, Feed, bearer, feed, manual

PHONE = "+79995550101"
READ_BUDGET_S = 2.0  # a read during the held append answers well within this


async def _reads(env: Env) -> dict[str, Any]:
    """Everything a manager (and the client) can see of the salon, each read bounded in time."""
    c, h = env.client, env.salon.headers
    day = MONDAY.isoformat()

    async def get(path: str, **query: Any) -> Any:
        r = await asyncio.wait_for(c.get(path, headers=h, query_string=query), READ_BUDGET_S)
        assert r.status_code == 200, await r.get_data(as_text=True)
        return await r.get_json()

    board = await get("/api/v1/dashboard/board", date_from=day, date_to=day)
    cards = [card for col in board["columns"] for card in col["cards"]]
    found = (await get("/api/v1/clients", q=PHONE))["items"]
    client_card = await get(f"/api/v1/clients/{found[0]['id']}") if found else None
    report = await get("/api/v1/system/reports", date_from=day, date_to=day)
    slots = await get("/api/v1/dashboard/slots", branch_id=env.salon.branch_id,
                      service_id=env.salon.services["cut"], date_from=day, date_to=day)
    return {"board_seq": board["seq"], "cards": {card["start"] for card in cards},
            "client_appointments": len(client_card["appointments"]) if client_card else 0,
            "new_requests": report["new_requests"],
            "free": {(s["start"], s["staff_id"]) for s in slots["slots"]}}


async def _no_event_before_two_pings(f: Feed) -> None:
    """The socket keeps beating (it is not stuck) and sends no appointment frame."""
    pings = 0
    while pings < 2:
        frame = await f.frame(TIMEOUT)
        assert frame["type"] == "ping", f"a frame of an uncommitted append reached the socket: {frame}"
        pings += 1


async def test_an_append_in_doubt_is_invisible_until_it_commits(env: Env) -> None:
    start = at("15:00")
    before = await _reads(env)
    assert start not in before["cards"]
    token = env.salon.headers["Authorization"].removeprefix("Bearer ")
    async with env.h.serve() as base, feed(base, token) as f:
        gate = env.journal.hold_next_append = asyncio.Event()
        booking = asyncio.create_task(manual(env.client, env.salon, start, phone=PHONE))
        await asyncio.wait_for(env.journal.append_held.wait(), TIMEOUT)

        during = await _reads(env)
        assert during["cards"] == before["cards"]  # the board does not show it
        assert during["board_seq"] == before["board_seq"] + 1  # only the new client profile committed
        assert during["client_appointments"] == 0  # nor does the client's card
        assert during["new_requests"] == before["new_requests"]  # nor the report
        assert during["free"] == before["free"]  # the committed calendar is unchanged
        await _no_event_before_two_pings(f)  # nor the socket
        assert not booking.done()

        gate.set()
        r = await asyncio.wait_for(booking, TIMEOUT)
        assert r.status_code == 201, await r.get_data(as_text=True)
        appt = await r.get_json()
        event = await f.event()
        assert event["type"] == "appointment.created" and event["appointment"]["id"] == appt["id"]

    after = await _reads(env)
    assert start in after["cards"]
    assert after["client_appointments"] == 1
    assert after["new_requests"] == before["new_requests"] + 1
    taken = before["free"] - after["free"]  # the booked hour and the starts that would overlap it
    assert (start, appt["staff"]["id"]) in taken and {staff for _, staff in taken} == {appt["staff"]["id"]}
    r = await env.client.get(f"/api/v1/clients/{appt['client']['id']}", headers=bearer(token))
    assert [a["id"] for a in (await r.get_json())["appointments"]] == [appt["id"]]


async def test_an_append_that_fails_never_shows_anywhere(env: Env) -> None:
    start = at("16:00")
    before = await _reads(env)
    token = env.salon.headers["Authorization"].removeprefix("Bearer ")
    async with env.h.serve() as base, feed(base, token) as f:
        gate = env.journal.hold_next_append = asyncio.Event()
        env.journal.fail_held = JournalUnavailable("the database went away")
        booking = asyncio.create_task(manual(env.client, env.salon, start, phone=PHONE))
        await asyncio.wait_for(env.journal.append_held.wait(), TIMEOUT)
        assert (await _reads(env))["cards"] == before["cards"]
        gate.set()
        r = await asyncio.wait_for(booking, TIMEOUT)
        assert r.status_code == 503
        await _no_event_before_two_pings(f)
    after = await _reads(env)
    assert after["cards"] == before["cards"] and after["free"] == before["free"]
    assert after["new_requests"] == before["new_requests"] and after["client_appointments"] == 0
