"""Two processes on one PostgreSQL: races, read-your-writes, idempotency and realtime across them.

Each test drives both nodes of the ``cluster`` fixture over real HTTP
(Hypercorn): exactly one winner per contested slot whichever process took
each request, never a double booking or a 500, and every socket sees every
event in ``seq`` order whichever process committed it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from storage.group import GroupWriter
from tests.client.kit import MONDAY, at, phone_of, tma
from tests.cluster.conftest import Cluster, Node, one_winner
from tests.dashboard.helpers import feed
from tests.seed import Salon, seed_salon

TIMEOUT = 30.0


async def _salon(c: Cluster, *, staff: int = 2) -> Salon:
    """A salon set up on A; B has applied it (and the admin account) too."""
    salon = await seed_salon(c.a.h, c.a.client, staff=staff)
    await c.settle()
    assert c.b.h.z.scheduler.branch(salon.branch_id).name == "Salon"
    return salon


async def _register(c: Cluster, users: list[int]) -> None:
    async with httpx.AsyncClient(base_url=c.a.url, timeout=TIMEOUT) as http:
        for u in users:
            r = await http.post("/api/v1/clients/auth", json={"phone": phone_of(u)}, headers=tma(c.a.h, u))
            assert r.status_code == 201, r.text
    await c.settle()


def _body(salon: Salon, day: date, hhmm: str, staff: int = 0) -> dict[str, Any]:
    return {"branch_id": salon.branch_id, "service_id": salon.services["cut"], "start": at(hhmm, day),
            "staff_id": salon.staff[staff]}


async def _fire(calls: list[tuple[httpx.AsyncClient, str, dict[str, Any], dict[str, str]]]) -> list[httpx.Response]:
    """Release every request at once."""
    go = asyncio.Event()

    async def one(http: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        await go.wait()
        return await http.post(path, json=body, headers=headers)

    tasks = [asyncio.create_task(one(*call)) for call in calls]
    go.set()
    return await asyncio.wait_for(asyncio.gather(*tasks), TIMEOUT * 2)


def _clients(c: Cluster, n: int) -> list[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=n + 5, max_keepalive_connections=n + 5)
    return [httpx.AsyncClient(base_url=node.url, limits=limits, timeout=TIMEOUT) for node in c.nodes]


def _appointments(node: Node, salon: Salon) -> dict[str, Any]:
    return dict(node.h.z.runtime.branch(salon.branch_id).committed.appointments)


async def _journal_created(node: Node) -> list[Any]:
    return [rec async for rec in node.journal.read_all(0) if rec.type == "appointment.created"]


async def test_fifty_clients_book_one_slot_over_two_processes_one_wins_each_round(cluster: Cluster) -> None:
    c = cluster
    salon = await _salon(c)
    users = [20_000 + i for i in range(50)]
    await _register(c, users)
    https = _clients(c, len(users))
    winners: dict[str, str] = {}
    try:
        for rnd in range(20):
            day = MONDAY + timedelta(days=1 + rnd // 9)
            body = _body(salon, day, f"{9 + rnd % 9:02d}:00")
            responses = await _fire([(https[i % 2], "/api/v1/appointments", body, tma(c.a.h, u))
                                     for i, u in enumerate(users)])
            won = one_winner(responses).json()
            winners[won["id"]] = body["start"]
    finally:
        for http in https:
            await http.aclose()
    await c.settle()
    for node in c.nodes:  # the same appointments in each process's state and in the journal
        assert set(_appointments(node, salon)) == set(winners)
    created = await _journal_created(c.a)
    assert sorted(r.data["appointment_id"] for r in created) == sorted(winners)
    retries = sum(n.h.z.runtime.branch(salon.branch_id).retries for n in c.nodes)
    assert retries > 0  # the processes really raced: some appends lost and were decided again


async def test_hold_on_a_then_book_on_b_a_hundred_times(cluster: Cluster) -> None:
    c = cluster
    salon = await _salon(c)
    users = [30_000 + i for i in range(10)]
    await _register(c, users)
    async with httpx.AsyncClient(base_url=c.a.url, timeout=TIMEOUT) as a, \
            httpx.AsyncClient(base_url=c.b.url, timeout=TIMEOUT) as b:
        for i in range(100):
            u = users[i % len(users)]
            day = MONDAY + timedelta(days=1 + i // 18)
            body = _body(salon, day, f"{9 + (i % 18) // 2:02d}:00", staff=i % 2)
            r = await a.post("/api/v1/slots/hold", json=body, headers=tma(c.a.h, u))
            assert r.status_code == 201, r.text
            hold_id = r.json()["hold_id"]
            r = await b.post("/api/v1/appointments", json={"hold_id": hold_id}, headers=tma(c.b.h, u))
            assert r.status_code == 201, (i, r.text)
            assert r.json()["start"] == r.json()["start"] and r.json()["staff"]["id"] == salon.staff[i % 2]
    await c.settle()
    assert len(_appointments(c.a, salon)) == len(_appointments(c.b, salon)) == 100


async def test_an_idempotency_key_replayed_on_b_gets_as_first_answer(cluster: Cluster) -> None:
    c = cluster
    salon = await _salon(c)
    await _register(c, [40_000, 40_001])
    async with httpx.AsyncClient(base_url=c.a.url, timeout=TIMEOUT) as a, \
            httpx.AsyncClient(base_url=c.b.url, timeout=TIMEOUT) as b:
        for i in range(10):
            key = {"Idempotency-Key": f"key-{i}"}
            body = _body(salon, MONDAY + timedelta(days=1), f"{9 + i % 9:02d}:00", staff=i // 9)
            first = await a.post("/api/v1/appointments", json=body, headers={**tma(c.a.h, 40_000), **key})
            assert first.status_code == 201, first.text
            again = await b.post("/api/v1/appointments", json=body, headers={**tma(c.b.h, 40_000), **key})
            assert again.status_code == 201, again.text
            assert again.json()["id"] == first.json()["id"]
            other = await b.post("/api/v1/appointments", json={**body, "comment": "другое"},
                                 headers={**tma(c.b.h, 40_000), **key})
            assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused", other.text
        # Racing: the same key on both processes at once books once, both get that answer.
        body = _body(salon, MONDAY + timedelta(days=2), "12:00")
        key = {"Idempotency-Key": "raced"}
        responses = await _fire([(http, "/api/v1/appointments", body, {**tma(c.a.h, 40_001), **key})
                                 for http in (a, b, a, b)])
        assert [r.status_code for r in responses] == [201] * 4, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1
    await c.settle()
    assert len(_appointments(c.a, salon)) == len(_appointments(c.b, salon)) == 11


async def test_sockets_on_both_processes_get_every_event_in_seq_order(cluster: Cluster) -> None:
    c = cluster
    salon = await _salon(c, staff=4)
    users = [50_000 + i for i in range(20)]
    await _register(c, users)
    token = await c.a.h.user()
    async with feed(c.a.url, token) as fa, feed(c.b.url, token) as fb:
        # One event committed on A reaches B's socket (through the commit hint: the poll is 30 s).
        async with httpx.AsyncClient(base_url=c.a.url, timeout=TIMEOUT) as a:
            r = await a.post("/api/v1/appointments", json=_body(salon, MONDAY + timedelta(days=1), "09:00"),
                             headers=tma(c.a.h, users[0]))
            assert r.status_code == 201, r.text
        seen_b = await fb.event(TIMEOUT)
        assert seen_b["type"] == "appointment.created" and seen_b["appointment"]["id"] == r.json()["id"]
        assert (await fa.event(TIMEOUT))["seq"] == seen_b["seq"]
        # A burst of 200 bookings, half through each process.
        calls = []
        https = _clients(c, 100)
        try:
            for i in range(200):
                day = MONDAY + timedelta(days=2 + i // 36)
                body = _body(salon, day, f"{9 + (i % 36) // 4:02d}:00", staff=i % 4)
                calls.append((https[i % 2], "/api/v1/appointments", body, tma(c.a.h, users[i % len(users)])))
            responses = await _fire(calls)
        finally:
            for http in https:
                await http.aclose()
        assert [r.status_code for r in responses] == [201] * 200, [r.text for r in responses if r.status_code != 201]
        got_a = [await fa.event(TIMEOUT) for _ in range(200)]
        got_b = [await fb.event(TIMEOUT) for _ in range(200)]
    created = [rec for rec in await _journal_created(c.a) if rec.seq > seen_b["seq"]]
    assert len(created) == 200
    expected = [(rec.seq, rec.data["appointment_id"]) for rec in created]
    for got in (got_a, got_b):  # every event, in seq order, no gap, no repeat
        assert [(f["seq"], f["appointment"]["id"]) for f in got] == expected
    assert c.b.journal.hints > 0


async def test_manual_bookings_race_client_bookings_across_processes(cluster: Cluster) -> None:
    c = cluster
    salon = await _salon(c)
    users = [60_000 + i for i in range(20)]
    await _register(c, users)
    https = _clients(c, 30)
    try:
        for rnd in range(10):
            body = _body(salon, MONDAY + timedelta(days=1 + rnd // 9), f"{9 + rnd % 9:02d}:00")
            manual = {**body, "client": {"phone": f"+7998000{rnd:04d}", "name": "Звонок"}}
            calls = [(https[rnd % 2], "/api/v1/appointments/manual", manual, salon.headers)]
            calls += [(https[i % 2], "/api/v1/appointments", body, tma(c.a.h, u)) for i, u in enumerate(users)]
            calls.append((https[(rnd + 1) % 2], "/api/v1/appointments/manual", manual, salon.headers))
            one_winner(await _fire(calls))
    finally:
        for http in https:
            await http.aclose()
    await c.settle()
    assert len(_appointments(c.a, salon)) == len(_appointments(c.b, salon)) == 10
    assert len(await _journal_created(c.b)) == 10


async def test_one_phone_signing_up_on_both_processes_gives_one_profile(cluster: Cluster) -> None:
    c = cluster
    await _salon(c)
    https = _clients(c, 4)
    try:
        for i in range(20):
            tg = 70_000 + i
            body = {"phone": phone_of(tg), "name": "Ольга"}
            responses = await _fire([(http, "/api/v1/clients/auth", body, tma(c.a.h, tg)) for http in https * 2])
            assert sorted(r.status_code for r in responses) == [200, 200, 200, 201], [r.text for r in responses]
            assert len({r.json()["client"]["id"] for r in responses}) == 1
            # Another Telegram account with that phone is refused on either process.
            r = await https[i % 2].post("/api/v1/clients/auth", json=body, headers=tma(c.a.h, tg + 1000))
            assert r.status_code == 409 and r.json()["code"] == "client_conflict", r.text
    finally:
        for http in https:
            await http.aclose()
    await c.settle()
    registered = [rec async for rec in c.a.journal.read_all(0) if rec.type == "client.registered"]
    assert len(registered) == 20
    for node in c.nodes:
        phones = [cl.phone for cl in node.h.z.scheduler.clients()]
        assert len(phones) == len(set(phones)) == 20


async def test_a_client_who_signed_up_on_a_a_moment_ago_books_on_b_at_once(cluster: Cluster) -> None:
    c = cluster
    salon = await _salon(c)
    async with httpx.AsyncClient(base_url=c.a.url, timeout=TIMEOUT) as a, \
            httpx.AsyncClient(base_url=c.b.url, timeout=TIMEOUT) as b:
        for i in range(20):
            tg = 80_000 + i
            r = await a.post("/api/v1/clients/auth", json={"phone": phone_of(tg)}, headers=tma(c.a.h, tg))
            assert r.status_code == 201, r.text
            body = _body(salon, MONDAY + timedelta(days=1 + i // 18), f"{9 + (i % 18) // 2:02d}:00", staff=i % 2)
            r = await b.post("/api/v1/appointments", json=body, headers=tma(c.b.h, tg))
            assert r.status_code == 201, (i, r.text)
            r = await b.get("/api/v1/appointments/my", headers=tma(c.b.h, tg))
            assert [x["id"] for x in r.json()["items"]] == [r.json()["items"][0]["id"]], r.text


async def test_an_account_and_a_branch_made_on_a_work_on_b_at_once(cluster: Cluster) -> None:
    c = cluster
    salon = await _salon(c)
    async with httpx.AsyncClient(base_url=c.b.url, timeout=TIMEOUT) as b:
        for i in range(5):
            await c.a.h.user(f"manager{i}", "manager", (salon.branch_id,))
            r = await b.post("/api/v1/auth/login", json={"login": f"manager{i}", "password": "password-123"})
            assert r.status_code == 200, (i, r.text)
            r = await c.a.client.post("/api/v1/admin/branches", headers=salon.headers,
                                      json={"name": f"Филиал {i}", "timezone": "Europe/Moscow"})
            assert r.status_code == 201
            branch_id = (await r.get_json())["id"]
            r = await b.patch(f"/api/v1/admin/branches/{branch_id}", headers=salon.headers,
                              json={"address": "ул. Ленина, 1"})
            assert r.status_code == 200, (i, r.text)
    await c.settle()
    for node in c.nodes:
        assert len(node.h.z.scheduler.open_branches()) == 6
        assert node.h.z.scheduler.branch(branch_id).address == "ул. Ленина, 1"


async def test_a_service_made_on_a_is_given_to_a_master_on_b_at_once(
        cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """A body naming an id made on another process a moment ago (not a 404 path: the id is in
    the body) catches up once before it is refused as unknown. No hint is heard, so only the
    catch-up on demand can find the service."""
    c = cluster
    salon = await _salon(c)
    monkeypatch.setattr(GroupWriter, "request_catch_up", lambda self: None)
    async with httpx.AsyncClient(base_url=c.b.url, timeout=TIMEOUT) as b:
        for i in range(5):
            r = await c.a.client.post("/api/v1/admin/services", headers=salon.headers, json={
                "name": f"Услуга {i}", "price": "1000", "duration_min": 30, "branch_ids": [salon.branch_id]})
            assert r.status_code == 201
            service_id = (await r.get_json())["id"]
            r = await b.post("/api/v1/admin/staff", headers=salon.headers, json={
                "branch_id": salon.branch_id, "name": f"Мастер {i}", "service_ids": [service_id],
                "schedule": {"mon": [["09:00", "18:00"]]}})
            assert r.status_code == 201, (i, r.text)
        r = await b.post("/api/v1/admin/staff", headers=salon.headers, json={
            "branch_id": salon.branch_id, "name": "Никто", "service_ids": ["no-such-service"], "schedule": {}})
        assert r.status_code == 400 and r.json()["code"] == "validation_error"


async def test_a_process_that_heard_nothing_decides_against_the_journal_not_its_stale_state(
        cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """No process hears a hint or a poll any more (as if B had been paused): B's next booking
    still cannot double-book, and B catches up by losing the race."""
    c = cluster
    salon = await _salon(c)
    await _register(c, [90_000, 90_001])
    monkeypatch.setattr(GroupWriter, "request_catch_up", lambda self: None)
    token = await c.a.h.user()
    async with feed(c.b.url, token) as fb, \
            httpx.AsyncClient(base_url=c.a.url, timeout=TIMEOUT) as a, \
            httpx.AsyncClient(base_url=c.b.url, timeout=TIMEOUT) as b:
        body = _body(salon, MONDAY + timedelta(days=1), "12:00")
        first = await a.post("/api/v1/appointments", json=body, headers=tma(c.a.h, 90_000))
        assert first.status_code == 201, first.text
        assert first.json()["id"] not in _appointments(c.b, salon)  # B has not heard of it
        second = await b.post("/api/v1/appointments", json=body, headers=tma(c.b.h, 90_001))
        assert second.status_code == 409 and second.json()["code"] == "slot_unavailable", second.text
        assert set(_appointments(c.b, salon)) == {first.json()["id"]}  # caught up by the lost race
        assert c.b.h.z.runtime.branch(salon.branch_id).retries == 1
        event = await fb.event(TIMEOUT)  # and B's sockets got A's event through the same path
        assert (event["type"], event["appointment"]["id"]) == ("appointment.created", first.json()["id"])


async def test_an_import_racing_sign_ups_on_the_other_process_gives_one_profile_per_phone(cluster: Cluster) -> None:
    """An admin imports a client list through A while the same people sign up in Telegram
    through B, 10 rounds of 20 phones: 4 sign up before the import is sent, 12 while it runs
    and 4 after it answered; one profile per phone whoever came first."""
    c = cluster
    await _salon(c)
    headers = await c.a.h.admin_headers()
    async with httpx.AsyncClient(base_url=c.a.url, timeout=TIMEOUT) as on_a, \
            httpx.AsyncClient(base_url=c.b.url, timeout=TIMEOUT,
                              limits=httpx.Limits(max_connections=30)) as on_b:

        async def sign_up(u: int) -> httpx.Response:
            return await on_b.post("/api/v1/clients/auth", json={"phone": phone_of(u)}, headers=tma(c.b.h, u))

        created_by: Counter[str] = Counter()
        for rnd in range(10):
            users = [90_000 + rnd * 100 + i for i in range(20)]
            before, during, after = users[:4], users[4:16], users[16:]
            csv = "Имя;Телефон\n" + "".join(f"Клиент {u};{phone_of(u)}\n" for u in users)
            signed = {u: await sign_up(u) for u in before}
            go = asyncio.Event()

            async def importing() -> httpx.Response:
                await go.wait()
                return await on_a.post("/api/v1/system/import", headers=headers,
                                       files={"file": ("clients.csv", csv.encode(), "text/csv")})

            async def racing(i: int, u: int) -> httpx.Response:
                await go.wait()
                await asyncio.sleep(0.003 * i)  # spread over the import's own time
                return await sign_up(u)

            tasks = [asyncio.create_task(importing())] + [asyncio.create_task(racing(i, u))
                                                          for i, u in enumerate(during)]
            go.set()
            imported, *raced = await asyncio.wait_for(asyncio.gather(*tasks), TIMEOUT * 2)
            signed |= dict(zip(during, raced))
            signed |= {u: await sign_up(u) for u in after}
            assert imported.status_code == 200, imported.text
            result = imported.json()
            assert result["errors"] == [] and result["created"] + result["updated"] == 20, result
            assert result["created"] >= len(after), result  # those came after it
            assert all(r.status_code in (200, 201) for r in signed.values()), [r.text for r in signed.values()]
            assert all(signed[u].status_code == 200 for u in after)  # found the imported profile
            created_by["import"] += result["created"]
            created_by["sign-up"] += sum(r.status_code == 201 for r in signed.values())
            await c.settle()
            for node in c.nodes:
                for u, r in signed.items():
                    same = [cl for cl in node.h.z.scheduler.clients() if cl.phone == phone_of(u)]
                    assert len(same) == 1, (rnd, u, same)  # never two profiles for one phone
                    assert same[0].id == r.json()["client"]["id"] and same[0].telegram_id == u
    print(f"\nprofiles made first by {dict(created_by)}")
