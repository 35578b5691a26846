"""``GET /dashboard/board``: columns, window, staff grid, seq, scope and time travel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.dashboard.conftest import Env
from tests.dashboard.helpers import bearer, feed, manual
from tests.seed import seed_salon

BOARD = "/api/v1/dashboard/board"
TITLES = [("new", "Новые"), ("confirmed", "Подтверждены"), ("in_progress", "В работе"),
          ("done", "Выполнено"), ("cancelled", "Отменены"), ("no_show", "Не пришёл")]


def _cards(board: dict[str, Any]) -> dict[str, list[str]]:
    return {c["status"]: [a["id"] for a in c["cards"]] for c in board["columns"]}


async def _board(env: Env, headers: dict[str, str] | None = None, **query: Any) -> Any:
    return await env.client.get(BOARD, headers=headers or env.salon.headers, query_string=query)


async def test_six_columns_in_order_cards_in_their_column_staff_and_seq(env: Env) -> None:
    c, s = env.client, env.salon
    a = await (await manual(c, s, "2026-03-02T12:00:00+03:00")).get_json()
    b = await (await manual(c, s, "2026-03-03T12:00:00+03:00", phone="+79991112234",
                            status="new")).get_json()
    r = await c.patch(f"/api/v1/appointments/{a['id']}/status", headers=s.headers, json={"status": "done"})
    assert r.status_code == 200
    r = await _board(env)
    assert r.status_code == 200
    board = await r.get_json()
    assert [(col["status"], col["title"]) for col in board["columns"]] == TITLES
    assert _cards(board)["done"] == [a["id"]] and _cards(board)["new"] == [b["id"]]
    assert board["seq"] == await env.journal.last_seq()
    assert board["as_of"] is None
    assert board["branches"] == [{"id": s.branch_id, "name": "Salon", "timezone": "Europe/Moscow",
                                  "date_from": "2026-03-02", "date_to": "2026-03-09"}]
    assert sorted(m["id"] for m in board["staff"]) == sorted(s.staff)
    row = board["staff"][0]
    assert len(row["hours"]) == 8
    assert row["hours"][0] == {"date": "2026-03-02", "intervals": [["09:00", "18:00"]]}
    card = board["columns"][3]["cards"][0]
    assert card["status"] == "done" and card["version"] == 2 and card["client"]["phone"] == "+79991112233"


async def test_window_defaults_to_today_plus_7_in_the_branch_zone_and_can_be_chosen(env: Env) -> None:
    c, s = env.client, env.salon
    inside = await (await manual(c, s, "2026-03-09T17:00:00+03:00")).get_json()
    outside = await (await manual(c, s, "2026-03-10T09:00:00+03:00", phone="+79991112234")).get_json()
    assert _cards(await (await _board(env)).get_json())["confirmed"] == [inside["id"]]
    chosen = await (await _board(env, date_from="2026-03-10", date_to="2026-03-10")).get_json()
    assert _cards(chosen)["confirmed"] == [outside["id"]]
    assert len(chosen["staff"][0]["hours"]) == 1
    for query, what in (({"date_from": "2026-03-10", "date_to": "2026-03-09"}, "before"),
                        ({"date_from": "2026-01-01", "date_to": "2026-06-01"}, "at most"),
                        ({"date_from": "2026-02-30"}, "no such date")):
        r = await env.client.get(BOARD, headers=env.salon.headers, query_string=query)
        assert r.status_code == 400, query
        body = await r.get_json()
        assert body["code"] == "validation_error" and what in body["detail"]


async def test_scope_manager_sees_own_branches_403_elsewhere_admin_sees_all(env: Env) -> None:
    a = env.salon
    b = await seed_salon(env.h, env.client)
    in_a = await (await manual(env.client, a, "2026-03-02T12:00:00+03:00")).get_json()
    in_b = await (await manual(env.client, b, "2026-03-02T12:00:00+03:00")).get_json()
    anna = bearer(await env.h.user("anna", "manager", (a.branch_id,)))
    mine = await (await _board(env, anna)).get_json()
    assert _cards(mine)["confirmed"] == [in_a["id"]]
    assert {m["branch_id"] for m in mine["staff"]} == {a.branch_id}
    r = await env.client.get(BOARD, headers=anna, query_string=[("branch_id", a.branch_id),
                                                                  ("branch_id", b.branch_id)])
    assert r.status_code == 403 and (await r.get_json())["code"] == "forbidden"
    both = await (await env.client.get(BOARD, headers=a.headers, query_string=[
        ("branch_id", a.branch_id), ("branch_id", b.branch_id)])).get_json()
    assert sorted(_cards(both)["confirmed"]) == sorted([in_a["id"], in_b["id"]])
    assert len(both["branches"]) == 2
    r = await _board(env, branch_id="no-such-branch")
    assert r.status_code == 404
    assert (await env.client.get(BOARD)).status_code == 401


async def test_as_of_shows_the_old_column_and_is_admin_only(env: Env) -> None:
    c, s = env.client, env.salon
    appt = await (await manual(c, s, "2026-03-02T15:00:00+03:00")).get_json()
    before = datetime.fromtimestamp(env.h.clock.now(), UTC)
    env.h.clock.advance(600)
    r = await c.patch(f"/api/v1/appointments/{appt['id']}/status", headers=s.headers,
                      json={"status": "in_progress"})
    assert r.status_code == 200
    now = await (await _board(env)).get_json()
    assert _cards(now)["in_progress"] == [appt["id"]]
    then = await (await _board(env, as_of=before.isoformat())).get_json()
    assert _cards(then)["confirmed"] == [appt["id"]] and _cards(then)["in_progress"] == []
    assert then["as_of"] == "2026-03-02T06:00:00.000Z"
    assert then["seq"] < now["seq"]
    assert then["columns"][1]["cards"][0]["version"] == 1
    earlier = await (await _board(env, as_of="2026-03-01T00:00:00+00:00")).get_json()
    assert earlier["branches"] == [] and earlier["seq"] == 0
    anna = bearer(await env.h.user("anna", "manager", (s.branch_id,)))
    r = await _board(env, anna, as_of=before.isoformat())
    assert r.status_code == 403
    r = await _board(env, as_of="yesterday")
    assert r.status_code == 400


async def test_board_seq_is_where_a_socket_subscribes_without_gaps(env: Env) -> None:
    c, s = env.client, env.salon
    await manual(c, s, "2026-03-02T12:00:00+03:00")
    board = await (await _board(env)).get_json()
    later = await (await manual(c, s, "2026-03-02T14:00:00+03:00", phone="+79991112234")).get_json()
    token = s.headers["Authorization"][7:]
    async with env.h.serve() as base, feed(base, token, after_seq=board["seq"]) as f:
        ev = await f.event()
    assert ev["appointment"]["id"] == later["id"]


async def test_the_board_answers_while_a_branch_waits_on_the_database(env: Env) -> None:
    """An append stuck on the database (e.g. a commit being confirmed after a lost
    connection) must not hang board reads queued behind it in the branch's mailbox."""
    import asyncio

    c, s = env.client, env.salon
    a = await (await manual(c, s, "2026-03-02T12:00:00+03:00")).get_json()
    journal, entered, release = env.journal, asyncio.Event(), asyncio.Event()
    real_append = journal.append

    async def stuck_append(*args: Any, **kwargs: Any) -> Any:
        entered.set()
        await release.wait()
        return await real_append(*args, **kwargs)

    journal.append = stuck_append  # type: ignore[method-assign]
    change = asyncio.ensure_future(c.patch(f"/api/v1/appointments/{a['id']}/status", headers=s.headers,
                                           json={"status": "done"}))
    try:
        await asyncio.wait_for(entered.wait(), 5)  # the branch actor is now mid-turn
        r = await asyncio.wait_for(_board(env), 5)  # without the fallback: stuck until release
        assert r.status_code == 200
        assert a["id"] in [card["id"] for col in (await r.get_json())["columns"] for card in col["cards"]]
        assert not change.done()
    finally:
        release.set()
        del journal.append
    assert (await change).status_code == 200
