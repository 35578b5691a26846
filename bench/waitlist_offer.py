"""From a cancellation's commit to the waitlist offer's Telegram send, with 1,000 entries waiting.

    python bench/waitlist_offer.py [--entries 1000] [--cancels 150] [--postgres URL]

One process, as ``run.py`` wires it (``run.build``): the app with the bot in
polling mode against the fake Bot API server of the tests
(``tests/bot/fake_telegram.py``), the leader's notifier, the real clock, a
SQLite journal in a temporary directory (or PostgreSQL). A branch with 10
masters working 09:00–18:00; one client books ``--cancels`` visits the day
after tomorrow and the next; ``--entries`` clients (each with a Telegram
chat) join the waitlist for those days, any master, any time. Then, one at a
time, a visit is cancelled (``POST /appointments/{id}/cancel``): the branch
offers the hour to the oldest waiting client in the same turn, and the
notifier sends «Освободилось время …». Measured per cancellation: from the
moment the runtime's commit listener sees ``appointment.cancelled`` to the
moment the fake Telegram server receives the ``sendMessage`` for that client
(both ``time.monotonic``, one process). Also: the cancel request's own
latency (the offer search over the entries is in it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.telegram.initdata import sign_init_data  # noqa: E402
from run import build  # noqa: E402
from settings import Settings  # noqa: E402
from storage.journal import Journal, Recorded  # noqa: E402
from storage.sqlite import SqliteJournal  # noqa: E402
from tests.bot.fake_telegram import FakeTelegram  # noqa: E402
from tests.harness import free_port  # noqa: E402

TOKEN = "123456:BENCH-waitlist-offer-token"
TZ = ZoneInfo("Europe/Moscow")
EVERY_DAY = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
X_CHAT = 1


def tma(tg_id: int) -> dict[str, str]:
    return {"Authorization": "tma " + sign_init_data(TOKEN, {"id": tg_id, "first_name": "B"}, int(time.time()))}


async def call(client: Any, method: str, path: str, *, headers: dict[str, str], body: Any = None,
               status: int = 200) -> Any:
    r = await getattr(client, method)(f"/api/v1{path}", headers=headers, json=body)
    assert r.status_code == status, (path, await r.get_data(as_text=True))
    return await r.get_json() if status != 204 else None


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(entries: int, cancels: int, journal: Journal, data_dir: Path) -> None:
    fake = FakeTelegram(TOKEN, free_port())
    await fake.start()
    settings = Settings(data_dir=data_dir, jwt_secret="bench-secret-0123456789abcdef-0123456789",
                        telegram_bot_token=TOKEN, bot_mode="polling", telegram_api_url=fake.url,
                        api_base_url="http://127.0.0.1:9", snapshot_every=0, bookings_per_minute=1_000_000)
    app = build(settings, journal=journal)
    async with app.test_app():
        z = app.extensions["zapis"]
        client = app.test_client()
        from actors.core.messages import CreateUser
        await z.runtime.users.ask(CreateUser("admin", "admin", ("*",), z.passwords.hash("bench-password")))
        admin = {"Authorization": f"Bearer {z.tokens.issue(z.scheduler.user('admin'))}"}
        branch = (await call(client, "post", "/admin/branches", headers=admin, status=201,
                             body={"name": "Bench", "timezone": "Europe/Moscow", "cancel_notice_min": 0}))["id"]
        service = (await call(client, "post", "/admin/services", headers=admin, status=201, body={
            "name": "Стрижка", "price": "1500.00", "duration_min": 60, "branch_ids": [branch]}))["id"]
        masters = [(await call(client, "post", "/admin/staff", headers=admin, status=201, body={
            "branch_id": branch, "name": f"Мастер {i + 1}", "service_ids": [service], "schedule": EVERY_DAY}))["id"]
            for i in range(10)]
        today = datetime.now(TZ).date()
        first, last = today + timedelta(days=2), today + timedelta(days=5)
        await call(client, "post", "/clients/auth", headers=tma(X_CHAT), body={"phone": "+79990000001"},
                   status=201)
        visits = []
        for i in range(cancels):
            day = first + timedelta(days=i // 90)
            hour, master = 9 + (i // 10) % 9, masters[i % 10]
            start = datetime.combine(day, datetime.min.time(), TZ).replace(hour=hour).isoformat()
            made = await call(client, "post", "/appointments", headers=tma(X_CHAT), status=201, body={
                "branch_id": branch, "service_id": service, "start": start, "staff_id": master})
            visits.append(made["id"])
        t = time.perf_counter()
        for n in range(entries):
            chat = 1000 + n
            await call(client, "post", "/clients/auth", headers=tma(chat), body={"phone": f"+7998{chat:07d}"},
                       status=201)
            await call(client, "post", "/waitlist", headers=tma(chat), status=201, body={
                "branch_id": branch, "service_ids": [service], "date_from": first.isoformat(),
                "date_to": last.isoformat()})
        print(f"set-up: {cancels} visits, {entries} clients joined in {time.perf_counter() - t:.1f} s", flush=True)

        committed: dict[str, float] = {}

        def on_commit(records: Any) -> None:
            now = time.monotonic()
            for rec in records:
                if isinstance(rec, Recorded) and rec.type == "appointment.cancelled":
                    committed[str(rec.data["appointment_id"])] = now

        z.runtime.add_listener(on_commit)
        await z.bot.notifier.settle()
        latencies, requests = [], []
        for appointment_id in visits:
            sent_before = len(fake.attempts())
            t0 = time.monotonic()
            await call(client, "post", f"/appointments/{appointment_id}/cancel", headers=tma(X_CHAT))
            requests.append(time.monotonic() - t0)
            if not entries:  # the baseline: a cancellation with nobody waiting
                continue
            try:
                await fake.wait_for(lambda: any("Освободилось время" in str(c.params.get("text"))
                                                for c in fake.attempts()[sent_before:]), timeout=10)
            except TimeoutError:
                types = [r.type async for r in z.journal.read_all(0)][-8:]
                raise SystemExit(f"no offer sent; the journal ends with {types}; sent {fake.attempts()[-3:]}")
            sent = next(c for c in fake.attempts()[sent_before:] if "Освободилось время" in str(c.params.get("text")))
            latencies.append(sent.at - committed[appointment_id])
        ms = [x * 1000 for x in latencies] or [0.0]
        req = [x * 1000 for x in requests]
        offered = sum(1 for c in fake.attempts() if "Освободилось время" in str(c.params.get("text")))
        print(f"entries {entries}, cancellations {len(visits)}, offers sent {offered}")
        print(f"commit -> Telegram send: p50 {statistics.median(ms):.1f} ms, p99 {pct(ms, 99):.1f} ms, "
              f"max {max(ms):.1f} ms")
        print(f"cancel request (with the offer decided in its turn): p50 {statistics.median(req):.1f} ms, "
              f"p99 {pct(req, 99):.1f} ms")
    await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--cancels", type=int, default=150)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a fresh schema is made); default SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            import uuid

            from storage.postgres import PostgresJournal
            journal: Journal = PostgresJournal(args.postgres, schema=f"bench_{uuid.uuid4().hex[:8]}")
        else:
            journal = SqliteJournal(Path(tmp) / "journal.sqlite3")
        asyncio.run(run(args.entries, args.cancels, journal, Path(tmp)))


if __name__ == "__main__":
    main()
