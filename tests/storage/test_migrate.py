"""``python run.py migrate --to postgresql://…`` (SPEC §9.4): SQLite → an empty PostgreSQL database.

The main case is a person's: the demo salon on SQLite with bookings, holds,
an import and idempotency keys, moved by the real command into a scratch
database; the real app started on it answers the board, the clients and the
journal exactly as before, replays the keys, and appends after the migrated
seqs. Refusals (a non-empty target, bad URLs, a bad source) exit 2 with one
clear line and change nothing; failures during the copy are rolled back.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from quart.datastructures import FileStorage

from actors.core.model import Status
from actors.demo import ensure_demo
from storage.journal import NewEvent
from storage.migrate import MigrationFailed, migrate
from storage.postgres import PostgresJournal, notify_channel
from storage.sqlite import SqliteJournal
from storage.webhook_store import DELIVERED, FAILED, GAVE_UP, Attempt, SqliteWebhookStore
from storage.webhook_store_pg import PostgresWebhookStore
from tests.client.kit import MONDAY, TOKEN, at, register, tma
from tests.harness import T0, Harness
from tests.reliability.databases import throwaway_database, with_database

ROOT = Path(__file__).resolve().parents[2]
CLIENTS_CSV = (
    "ФИО;Телефон;Почта\n"
    "Иванова Анна;+7 (999) 123-45-67;anna@example.com\n"
    "Петров Пётр;89991234568;\n"
    "Сидоров Иван;9991234569;sid@example.com\n"
).encode("cp1251")
NEXT_WEEK = MONDAY + timedelta(days=8)  # past the demo's week: free times for the client


@pytest.fixture
async def target(pg_url: str) -> AsyncIterator[str]:
    """A new, empty database (the server uses its ``public`` schema); dropped afterwards."""
    async with throwaway_database(pg_url, "zapis_migrate") as url:
        yield url


def sqlite_harness(data_dir: Path, **kw: Any) -> Harness:
    return Harness(lambda: SqliteJournal(data_dir / "zapis.sqlite3"), data_dir,
                   overrides={"telegram_bot_token": TOKEN}, **kw)


async def run_migrate(data_dir: Path, *args: str, database_url: str = "") -> tuple[int, str, str]:
    """The real command in its own process: (exit code, stdout, stderr)."""
    env = {**os.environ, "ZAPIS_DATA_DIR": str(data_dir), "ZAPIS_DATABASE_URL": database_url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "run.py"), "migrate", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def target_facts(url: str) -> tuple[int, int, int | None]:
    """(events, last seq, snapshot seq) of the target's journal."""
    conn = await asyncpg.connect(url)
    try:
        count, last = await conn.fetchrow("SELECT count(*), coalesce(max(seq), 0) FROM events")
        return count, last, await conn.fetchval("SELECT seq FROM snapshots")
    finally:
        await conn.close()


async def demo_salon(h: Harness) -> dict[str, Any]:
    """The demo week, an import, a client's hold and booking with keys; returns what the client API answered."""
    client = await h.start()
    await ensure_demo(h.z.scheduler, "demo-password", h.z.passwords.hash, now=h.clock.now())
    headers = await h.admin_headers()
    upload = {"file": FileStorage(io.BytesIO(CLIENTS_CSV), filename="clients.csv")}
    r = await client.post("/api/v1/system/import", files=upload, headers=headers)
    assert r.status_code == 200 and (await r.get_json())["created"] == 3, await r.get_data(as_text=True)
    branch = h.z.scheduler.open_branches()[0]
    staff = h.z.scheduler.staff(branch.id)[0]
    service = next(s for s in h.z.scheduler.services() if s.id in staff.service_ids)
    await register(client, h, 1001)
    body = {"branch_id": branch.id, "service_id": service.id, "staff_id": staff.id}
    keyed = {**tma(h, 1001), "Idempotency-Key": "k-hold"}
    hold = await client.post("/api/v1/slots/hold", json={**body, "start": at("12:00", NEXT_WEEK)}, headers=keyed)
    assert hold.status_code == 201, await hold.get_data(as_text=True)
    keyed = {**tma(h, 1001), "Idempotency-Key": "k-book"}
    book = await client.post("/api/v1/appointments", json={**body, "start": at("15:00", NEXT_WEEK)}, headers=keyed)
    assert book.status_code == 201, await book.get_data(as_text=True)
    return {"headers": headers, "body": body, "hold": await hold.get_json(), "book": await book.get_json()}


async def answers(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    """What a manager and an admin see: the board, every client and card, the journal, the catalogue."""
    async def get(path: str, **query: Any) -> Any:
        r = await client.get(path, headers=headers, query_string=query)
        assert r.status_code == 200, (path, await r.get_data(as_text=True))
        return await r.get_json()

    out: dict[str, Any] = {"board": await get("/api/v1/dashboard/board", date_from=MONDAY.isoformat(),
                                              date_to=(MONDAY + timedelta(days=14)).isoformat())}
    clients, cursor = [], None
    while True:
        page = await get("/api/v1/clients", limit=2, **({"cursor": cursor} if cursor else {}))
        clients += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    out["clients"] = clients
    out["cards"] = [await get(f"/api/v1/clients/{c['id']}") for c in clients]
    journal, after = [], 0
    while True:
        page = await get("/api/v1/system/journal", after_seq=after, limit=25)
        journal += page["events"]
        if (after := page["next_after_seq"]) is None:
            break
    out["journal"] = journal
    for what in ("branches", "services", "staff", "users"):
        out[what] = await get(f"/api/v1/admin/{what}")
    return out


async def test_the_demo_salon_moves_to_postgresql_and_the_server_there_answers_the_same(
        tmp_path: Path, target: str) -> None:
    source = sqlite_harness(tmp_path)
    made = await demo_salon(source)
    await source.stop()  # a clean stop: the snapshot covers everything so far
    client = await source.start()
    appointment = made["book"]["id"]
    await source.z.scheduler.change_status(appointment, Status.CONFIRMED, None, "user:admin")  # after the snapshot
    before = await answers(client, made["headers"])
    last = await source.z.journal.last_seq()
    snapshot = await source.z.journal.load_snapshot()
    assert snapshot is not None and 0 < snapshot.seq < last  # both paths: snapshot and tail
    source.z.runtime.snapshot_on_stop = False
    await source.stop()

    code, out, err = await run_migrate(tmp_path, "--to", target)
    assert code == 0, out + err
    assert f"copied {last:,} events (last seq {last:,})" in out and f"seq {snapshot.seq:,}, +" in out, out
    assert "equal the source's" in out and "demo-password" not in out + err
    assert await target_facts(target) == (last, last, snapshot.seq)

    server = Harness(lambda: PostgresJournal(target), tmp_path / "pg", clock=source.clock,
                     overrides={"telegram_bot_token": TOKEN})
    client = await server.start()
    try:
        assert await answers(client, made["headers"]) == before
        # The keys came along: replays answer the same hold and visit (confirmed since) and write nothing.
        for key, path, start, first in (("k-hold", "/api/v1/slots/hold", "12:00", made["hold"]),
                                        ("k-book", "/api/v1/appointments", "15:00", made["book"])):
            r = await client.post(path, json={**made["body"], "start": at(start, NEXT_WEEK)},
                                  headers={**tma(server, 1001), "Idempotency-Key": key})
            again = await r.get_json()
            assert r.status_code == 201 and again == {**first, **{k: again[k] for k in ("status", "version") if k in first}}
        assert await server.z.journal.last_seq() == last
        # New events follow the migrated positions.
        await server.z.scheduler.change_status(appointment, Status.CANCELLED, None, "user:admin")
        assert await server.z.journal.last_seq() == last + 1
        newest = [rec async for rec in server.z.journal.read_all(last)]
        assert [(r.seq, r.type) for r in newest] == [(last + 1, "appointment.status_changed")]
    finally:
        await server.stop()

    # Again: the target is not empty any more → refused, exit 2, nothing changed.
    facts = await target_facts(target)
    code, out, err = await run_migrate(tmp_path, "--to", target)
    assert code == 2 and "is not empty" in err and f"seq {last + 1}" in err, out + err
    assert "Traceback" not in err and "copied" not in out
    assert await target_facts(target) == facts


async def small_journal(path: Path) -> int:
    """A SQLite journal with a salon's worth of events (no server); returns its last seq."""
    h = sqlite_harness(path.parent)
    await h.start()
    await ensure_demo(h.z.scheduler, "demo-password", h.z.passwords.hash, now=h.clock.now())
    last = await h.z.journal.last_seq()
    await h.stop()
    return last


async def test_refusals_are_one_clear_line_with_exit_code_2(tmp_path: Path, target: str, pg_url: str) -> None:
    await small_journal(tmp_path / "zapis.sqlite3")
    (tmp_path / "newer").mkdir()
    shutil.copy(tmp_path / "zapis.sqlite3", tmp_path / "newer" / "zapis.sqlite3")
    with sqlite3.connect(tmp_path / "newer" / "zapis.sqlite3") as conn:
        conn.execute("CREATE TABLE feeds_of_the_future (token TEXT)")
    (tmp_path / "garbage").mkdir()
    (tmp_path / "garbage" / "zapis.sqlite3").write_bytes(b"not a database at all" * 100)
    missing_db = with_database(pg_url, "zapis_migrate_no_such_database")
    cases = [
        (tmp_path, ("--to", "mysql://root@127.0.0.1/zapis"), "", "must be a postgresql:// URL"),
        (tmp_path, ("--to", "postgresql://postgres@127.0.0.1:1/zapis"), "", "cannot connect to the target"),
        (tmp_path, ("--to", "postgresql://postgres:secret@127.0.0.1:port/zapis"), "", "cannot connect"),
        (tmp_path, ("--to", missing_db), "", "does not exist"),
        (tmp_path / "empty", ("--to", target), "", "no SQLite journal"),
        (tmp_path / "garbage", ("--to", target), "", "is not a zapis journal"),
        (tmp_path / "newer", ("--to", target), "", "tables migrate does not know how to copy: ['feeds_of_the_future']"),
        (tmp_path, ("--to", target), target, "ZAPIS_DATABASE_URL is set"),
    ]
    for data_dir, args, database_url, expected in cases:
        code, out, err = await run_migrate(data_dir, *args, database_url=database_url)
        assert code == 2 and expected in err, (args, out, err)
        assert "Traceback" not in err and "secret" not in out + err, err
    code, out, err = await run_migrate(tmp_path)
    assert code == 2 and "--to" in err  # argparse: the target is required
    conn = await asyncpg.connect(target)
    try:  # the target was never touched: not even the tables
        assert await conn.fetchval("SELECT to_regclass('public.events')") is None
    finally:
        await conn.close()


async def test_a_server_writing_meanwhile_rolls_the_copy_back_and_the_rerun_works(
        tmp_path: Path, target: str) -> None:
    path = tmp_path / "zapis.sqlite3"
    last = await small_journal(path)

    def someone_appends(line: str) -> None:  # called inside the copy, after its read transaction began
        if line.startswith("copying"):
            with sqlite3.connect(path) as conn:
                conn.execute("INSERT INTO events VALUES (?, 'notifier', 1, 'notifier.sent', ?, 'system', '{}')",
                             (last + 1, T0.isoformat()))

    with pytest.raises(MigrationFailed, match=f"grew during the copy .seq {last:,} → {last + 1:,}"):
        await migrate(path, target, say=someone_appends)
    assert (await target_facts(target))[:2] == (0, 0)  # rolled back; the tables may stay, empty
    report = await migrate(path, target, say=lambda _: None)
    assert report.tally.last_seq == last + 1 and report.tally.streams["notifier"] == [1, 1]
    assert await target_facts(target) == (last + 1, last + 1, last)

    # The commit hint works on the migrated database: an append NOTIFYs its seq.
    hints: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(target)
    journal = PostgresJournal(target)
    try:
        await listener.add_listener(notify_channel("public"), lambda *a: hints.put_nowait(a[3]))
        await journal.open()
        await journal.append("notifier", 1, [NewEvent("notifier.sent", {}, T0)])
        assert await asyncio.wait_for(hints.get(), 10) == str(last + 2)
    finally:
        await journal.close()
        await listener.close()


async def test_an_event_postgresql_cannot_store_fails_clearly_and_leaves_the_target_empty(
        tmp_path: Path, target: str) -> None:
    path = tmp_path / "zapis.sqlite3"
    last = await small_journal(path)
    with sqlite3.connect(path) as conn:  # the journal refuses NUL now; a file written by hand may have one
        conn.execute("INSERT INTO events VALUES (?, 'notifier', 1, 'notifier.sent', ?, 'system', ?)",
                     (last + 1, T0.isoformat(), '{"text": "a\\u0000b"}'))
    with pytest.raises(MigrationFailed, match=rf"PostgreSQL refused events 1\.\.{last + 1}: .*Unicode"):
        await migrate(path, target, say=lambda _: None)
    assert (await target_facts(target))[:2] == (0, 0)


async def test_an_event_this_version_cannot_replay_fails_clearly(tmp_path: Path, target: str) -> None:
    path = tmp_path / "zapis.sqlite3"
    last = await small_journal(path)
    with sqlite3.connect(path) as conn:  # a stream no part of this version knows (a newer zapis's?)
        conn.execute("INSERT INTO events VALUES (?, 'mystery', 1, 'mystery.happened', ?, 'system', '{}')",
                     (last + 1, T0.isoformat()))
    with pytest.raises(MigrationFailed, match=rf"cannot replay events 1\.\.{last + 1}: ValueError: unknown stream"):
        await migrate(path, target, say=lambda _: None)
    assert (await target_facts(target))[:2] == (0, 0)


async def test_a_damaged_snapshot_is_caught_and_can_be_left_behind(tmp_path: Path, target: str) -> None:
    h = sqlite_harness(tmp_path)
    await h.start()
    await ensure_demo(h.z.scheduler, "demo-password", h.z.passwords.hash, now=h.clock.now())
    branch = next(iter(h.z.runtime.branches.values()))
    branch.committed.appointments.popitem()  # a snapshot that claims a state the journal does not have
    await h.z.runtime.snapshot()
    h.z.runtime.snapshot_on_stop = False
    await h.stop()
    with pytest.raises(MigrationFailed, match="snapshot .* differs from the full replay .*--without-snapshot"):
        await migrate(tmp_path / "zapis.sqlite3", target, say=lambda _: None)
    assert (await target_facts(target))[:2] == (0, 0)
    code, out, err = await run_migrate(tmp_path, "--to", target, "--without-snapshot")
    assert code == 0 and "snapshot: none" in out, out + err
    events, last, snap = await target_facts(target)
    assert events == last > 0 and snap is None


async def test_webhook_positions_and_attempts_come_along_and_new_attempts_number_after_them(
        tmp_path: Path, target: str) -> None:
    path = tmp_path / "zapis.sqlite3"
    await small_journal(path)
    t = T0.timestamp()
    store = SqliteWebhookStore(path)
    await store.open()
    try:
        await store.save("w1", [Attempt("w1", 5, "appointment.created", 1, 500, "HTTP 500", 12, t, t, FAILED),
                                Attempt("w1", 5, "appointment.created", 2, 200, "", 8, t + 30.5, t, DELIVERED)], 5)
        await store.save("w2", [Attempt("w2", 7, "appointment.status_changed", 1, None, "timed out", 10_000, t, t,
                                        GAVE_UP)], 7)
        await store.save("w3", [], 9)
        expected = await store.positions(), [await store.attempts(w) for w in ("w1", "w2")]
    finally:
        await store.close()
    report = await migrate(path, target, say=lambda _: None)
    assert report.side_rows == {"webhook_positions": 3, "webhook_attempts": 3}
    moved = PostgresWebhookStore(target, "public")
    await moved.open()
    try:
        assert (await moved.positions(), [await moved.attempts(w) for w in ("w1", "w2")]) == expected
        await moved.save("w1", [Attempt("w1", 9, "appointment.created", 1, 200, "", 5, t + 60, t + 60, DELIVERED)], 9)
        newest = await moved.attempts("w1", limit=1)  # newest first, by id: the serial goes on after the copied
        assert newest[0].seq == 9 and (await moved.positions())["w1"] == 9
    finally:
        await moved.close()


def test_the_help_lists_migrate() -> None:
    from run import parse_args

    with pytest.raises(SystemExit):
        parse_args(["migrate"])
    args = parse_args(["migrate", "--to", "postgresql://x@h/db", "--without-snapshot"])
    assert (args.command, args.to, args.without_snapshot) == ("migrate", "postgresql://x@h/db", True)

