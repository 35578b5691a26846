"""``GET /clients`` (SPEC's matching rules, paging), ``GET /clients/{id}``, ``GET /system/journal``."""

from __future__ import annotations

from typing import Any

from tests.dashboard.conftest import Env
from tests.dashboard.helpers import bearer, manual
from tests.seed import seed_salon

PEOPLE = (("Анна Петрова", "+79990001111"), ("анна Сидорова", "+79990002222"),
          ("Борис", "+79161234567"), ("Вера", "+79990003333"))


async def _clients(env: Env, headers: dict[str, str] | None = None, **query: Any) -> Any:
    r = await env.client.get("/api/v1/clients", headers=headers or env.salon.headers, query_string=query)
    assert r.status_code == 200, await r.get_data(as_text=True)
    return await r.get_json()


async def _seed_people(env: Env) -> dict[str, dict[str, Any]]:
    out = {}
    for i, (name, phone) in enumerate(PEOPLE):
        r = await manual(env.client, env.salon, f"2026-03-0{3 + i}T12:00:00+03:00", phone=phone, name=name)
        assert r.status_code == 201
        out[name] = (await r.get_json())["client"]
    return out


async def test_search_by_phone_digits_and_name(env: Env) -> None:
    people = await _seed_people(env)
    names = lambda page: [c["name"] for c in page["items"]]  # noqa: E731
    assert names(await _clients(env, q="8 916 123-45-67")) == ["Борис"]  # a phone: exact E.164
    assert names(await _clients(env, q="+79161234568")) == []
    assert names(await _clients(env, q="0002")) == ["анна Сидорова"]  # 4+ digits: inside phones
    assert names(await _clients(env, q="9990")) == ["Анна Петрова", "анна Сидорова", "Вера"]
    assert names(await _clients(env, q="АННА")) == ["Анна Петрова", "анна Сидорова"]  # any case
    assert names(await _clients(env, q="123")) == []  # 3 digits: a name substring, none matches
    everyone = await _clients(env)
    assert names(everyone) == ["Анна Петрова", "анна Сидорова", "Борис", "Вера"]
    assert everyone["items"][2] == {**people["Борис"], "email": "", "birthday": None, "notes": "",
                                    "source": "manual", "created_at": "2026-03-02T06:00:00.000Z"}
    assert everyone["next_cursor"] is None


async def test_paging_with_a_cursor(env: Env) -> None:
    await _seed_people(env)
    seen: list[str] = []
    page = await _clients(env, limit=3)
    seen += [c["name"] for c in page["items"]]
    page = await _clients(env, limit=3, cursor=page["next_cursor"])
    seen += [c["name"] for c in page["items"]]
    assert page["next_cursor"] is None
    assert seen == ["Анна Петрова", "анна Сидорова", "Борис", "Вера"]
    r = await env.client.get("/api/v1/clients", headers=env.salon.headers, query_string={"cursor": "%%%"})
    assert r.status_code == 400
    r = await env.client.get("/api/v1/clients", headers=env.salon.headers, query_string={"limit": 0})
    assert r.status_code == 400
    assert (await env.client.get("/api/v1/clients")).status_code == 401


async def test_client_card_shows_only_the_managers_branches(env: Env) -> None:
    a = env.salon
    b = await seed_salon(env.h, env.client)
    in_a = await (await manual(env.client, a, "2026-03-02T12:00:00+03:00")).get_json()
    in_b = await (await manual(env.client, b, "2026-03-03T12:00:00+03:00")).get_json()
    assert in_a["client"]["id"] == in_b["client"]["id"]
    cid = in_a["client"]["id"]
    r = await env.client.get(f"/api/v1/clients/{cid}", headers=a.headers)
    both = await r.get_json()
    assert [x["id"] for x in both["appointments"]] == [in_b["id"], in_a["id"]]  # newest start first
    assert both["client"]["phone"] == "+79991112233"
    anna = bearer(await env.h.user("anna", "manager", (a.branch_id,)))
    mine = await (await env.client.get(f"/api/v1/clients/{cid}", headers=anna)).get_json()
    assert mine["appointments"] == [in_a]
    assert (await env.client.get("/api/v1/clients/nope", headers=anna)).status_code == 404


async def test_journal_is_admin_only_pages_and_never_shows_users(env: Env) -> None:
    await manual(env.client, env.salon, "2026-03-02T12:00:00+03:00")
    anna = bearer(await env.h.user("anna", "manager", (env.salon.branch_id,)))
    url = "/api/v1/system/journal"
    assert (await env.client.get(url)).status_code == 401
    assert (await env.client.get(url, headers=anna)).status_code == 403
    r = await env.client.get(url, headers=env.salon.headers, query_string={"limit": 1000})
    text = await r.get_data(as_text=True)
    assert r.status_code == 200 and "password_hash" not in text and "argon2" not in text
    page = await r.get_json()
    assert page["next_after_seq"] is None
    assert all(e["stream"] != "users" for e in page["events"])
    last = page["events"][-1]
    assert (last["type"], last["actor"], last["stream"]) == (
        "appointment.created", "user:admin", f"branch:{env.salon.branch_id}")
    assert set(last) == {"seq", "stream", "version", "type", "at", "actor", "data", "text"}
    collected, after = [], 0
    while True:
        r = await env.client.get(url, headers=env.salon.headers, query_string={"after_seq": after, "limit": 2})
        part = await r.get_json()
        collected += part["events"]
        if part["next_after_seq"] is None:
            break
        after = part["next_after_seq"]
    assert collected == page["events"]
    only = await (await env.client.get(url, headers=env.salon.headers,
                                       query_string={"stream": "catalogue"})).get_json()
    assert {e["type"] for e in only["events"]} == {"service.added"}
    r = await env.client.get(url, headers=env.salon.headers, query_string={"stream": "users"})
    assert r.status_code == 403
    r = await env.client.get(url, headers=env.salon.headers, query_string={"after_seq": -1})
    assert r.status_code == 400
