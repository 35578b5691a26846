"""Start-up benchmark: process start → first ``GET /readyz`` 200 on a big journal.

    python bench/startup.py                                  # 1,000,000 events, 100 branches, both backends
    python bench/startup.py --events 200000 --branches 20 --backend sqlite --runs 1

1. **Generate** a realistic history with the pure core: a catalogue of
   services, per branch a ``BranchOpened`` and its staff, clients registering
   over time, and then weeks of appointment life — holds, bookings (bot and
   manual), confirmations, visits (in progress → done, or no-show),
   reschedules, released holds and cancellations. Every event is what
   ``decide`` answered on the state ``evolve`` built so far, so the history
   is valid by construction (no overlapping occupying appointments, stream
   versions consistent).
2. **Write** it with big ``journal.append`` calls: one simulated day of every
   branch goes in as one group commit.
3. **Replay** it in-process (``load_states`` without snapshot) for events/s,
   and check the folded states: equal to the generator's, and no staff
   member's occupying appointments overlap.
4. **Start** ``python run.py`` (Hypercorn, ``ZAPIS_BOT_MODE=off``) and time
   process start → first ``/readyz`` 200: without a snapshot (row deleted) and
   with the snapshot that the previous clean stop (SIGTERM) saved. Also an
   empty journal, for the fixed cost of starting Python and importing.

SQLite lives in a temporary directory. PostgreSQL gets a throwaway database
``zapis_bench_<random>`` on the server of ``ZAPIS_BENCH_DATABASE_URL`` (else
``ZAPIS_TEST_DATABASE_URL``, else ``postgresql://postgres@127.0.0.1:5432/test``),
dropped at the end: ``run.py`` has no setting for a PostgreSQL schema.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import http.client
import math
import os
import platform
import random
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/startup.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

import asyncpg
from argon2 import PasswordHasher

from actors.core.branch_decide import decide
from actors.core.branch_state import BranchState
from actors.core.catalogue import CatalogueState, add_service
from actors.core.users import create_user
from actors.core.clients import ClientsState, find_or_create_by_phone, register
from actors.core.errors import DomainError
from actors.core.messages import (
    AddStaff,
    BookSlot,
    CancelAsClient,
    ChangeStatus,
    Command,
    Event,
    HoldSlot,
    OpenBranch,
    ReleaseHold,
    Reschedule,
    event_data,
)
from actors.core.model import (
    FINAL,
    OCCUPYING,
    Appointment,
    Branch,
    Interval,
    Service,
    Staff,
    Status,
)
from actors.runtime import collector_paused, load_states
from actors.core.schedule import local_date, local_instant, working_spans
from actors.snapshot import State, encode_state
from actors.streams import CATALOGUE, CLIENTS, USERS, branch_stream, evolver, fresh
from storage.journal import Journal, NewEvent
from storage.postgres import PostgresJournal
from storage.sqlite import SqliteJournal

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
FIRST_DAY = date(2025, 2, 3)  # a Monday; the history runs forward from here
STAFF_PER_BRANCH = 10
HORIZON_DAYS = 14  # clients book 1..14 days ahead
TIMEZONES = ("Europe/Moscow", "Europe/Moscow", "Europe/Moscow", "Asia/Yekaterinburg",
             "Europe/Samara", "Asia/Novosibirsk", "Europe/Kaliningrad")
# (name, minutes, buffer minutes, price)
SERVICES = (
    ("Стрижка мужская", 45, 0, "1500.00"), ("Стрижка женская", 60, 15, "2500.00"),
    ("Стрижка детская", 30, 0, "900.00"), ("Стрижка машинкой", 30, 0, "800.00"),
    ("Борода и усы", 30, 0, "900.00"), ("Королевское бритьё", 45, 15, "1800.00"),
    ("Окрашивание в один тон", 120, 15, "5200.00"), ("Мелирование", 150, 15, "6500.00"),
    ("Тонирование", 60, 10, "3000.00"), ("Укладка", 45, 0, "1400.00"),
    ("Вечерняя причёска", 90, 0, "3500.00"), ("Кератиновое выпрямление", 180, 15, "8000.00"),
    ("Маникюр классический", 60, 10, "1600.00"), ("Маникюр с покрытием", 90, 10, "2400.00"),
    ("Педикюр", 90, 15, "2800.00"), ("Снятие покрытия", 30, 0, "500.00"),
    ("Наращивание ресниц", 120, 10, "3200.00"), ("Коррекция бровей", 30, 0, "700.00"),
    ("Окрашивание бровей", 30, 0, "600.00"), ("Макияж дневной", 60, 0, "2500.00"),
    ("Массаж спины", 45, 15, "2000.00"), ("Массаж общий", 90, 15, "3800.00"),
    ("Чистка лица", 75, 15, "3300.00"), ("Пилинг", 45, 15, "2700.00"),
)
SCHEDULES: tuple[dict[str, tuple[Interval, ...]], ...] = (
    {d: ((540, 780), (840, 1200)) for d in ("mon", "tue", "wed", "thu", "fri")},  # 09-13, 14-20
    {d: ((600, 840), (900, 1260)) for d in ("wed", "thu", "fri", "sat", "sun")},  # 10-14, 15-21
    {d: ((540, 900), (930, 1200)) for d in ("mon", "tue", "thu", "fri", "sat")},  # 09-15, 15:30-20
    {d: ((720, 1260),) for d in ("tue", "wed", "fri", "sat", "sun")},  # 12-21
)
FIRST_NAMES = ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Ирина", "Татьяна", "Светлана",
               "Юлия", "Екатерина", "Алексей", "Дмитрий", "Сергей", "Андрей", "Иван", "Максим",
               "Павел", "Никита", "Артём", "Михаил")
LAST_INITIALS = "АБВГДЕЖЗИКЛМНОПРСТУФХЧШЭЮЯ"
STREETS = ("Ленина", "Мира", "Гагарина", "Садовая", "Пушкина", "Советская", "Лесная", "Набережная")


# ============================================================== generation


class _BudgetSpent(Exception):
    """The requested number of events has been generated."""


@dataclass(slots=True)
class Append:
    """One ``journal.append`` call of the history."""

    stream: str
    expected_version: int
    events: list[NewEvent]


@dataclass(slots=True)
class History:
    """The generated journal, day by day, and the states it folds into."""

    days: list[list[Append]]
    states: dict[str, State]
    events: int
    appointments: int
    clients: int
    rejected: Counter[str]
    last_day: date

    def appends(self) -> Iterator[Append]:
        for day in self.days:
            yield from day


@dataclass(slots=True)
class _Branch:
    """A simulated branch: its state plus the generator's own bookkeeping."""

    id: str
    stream: str
    tz: ZoneInfo
    state: BranchState
    manager: str
    now: float = 0.0
    step: int = 900
    free: dict[tuple[str, date], list[list[int]]] = field(default_factory=dict)  # [cursor, end, origin]
    by_day: dict[date, list[str]] = field(default_factory=dict)  # appointments starting that local day


class Generator:
    """Builds a ``History`` of exactly ``total`` events by running ``decide``/``evolve``."""

    def __init__(self, total: int, branches: int, seed: int = 1) -> None:
        self.total = total
        self.n_branches = branches
        self.rng = random.Random(seed)
        self.left = total
        self.states: dict[str, State] = {}
        self.versions: dict[str, int] = {}
        self.pending: dict[str, list[NewEvent]] = {}
        self.days: list[list[Append]] = []
        self.rejected: Counter[str] = Counter()
        self.branches: list[_Branch] = []
        self.clients: list[tuple[str, str]] = []  # (client id, phone)
        self.appointments = 0

    # ---------------------------------------------------------- plumbing

    def _id(self) -> str:
        return base64.urlsafe_b64encode(self.rng.getrandbits(72).to_bytes(9, "big")).decode()

    def _state(self, stream: str) -> Any:
        state = self.states.get(stream)
        if state is None:
            state = self.states[stream] = fresh(stream)
            self.versions[stream] = 0
            self.pending[stream] = []
        return state

    def _emit(self, stream: str, events: list[Event], now: float, actor: str) -> None:
        if len(events) > self.left:
            raise _BudgetSpent
        state, evolve = self._state(stream), evolver(stream)
        at = datetime.fromtimestamp(now, UTC)
        out = self.pending[stream]
        for event in events:
            evolve(state, event)
            out.append(NewEvent(event.TYPE, event_data(event), at, actor))
        self.left -= len(events)

    def _decide(self, b: _Branch, command: Command, now: float, actor: str) -> bool:
        """Run ``command`` on branch ``b`` at ``now``; False if the core refused it."""
        if self.left <= 0:
            raise _BudgetSpent
        b.now = max(b.now + 1, now)
        try:
            events = decide(b.state, command, b.now)
        except DomainError as err:
            self.rejected[f"{type(command).__name__}: {type(err).__name__}"] += 1
            return False
        self._emit(b.stream, events, b.now, actor)
        return True

    def _flush_day(self) -> None:
        day: list[Append] = []
        for stream in sorted(self.pending, key=lambda s: (s not in (USERS, CATALOGUE), s != CLIENTS, s)):
            events = self.pending[stream]
            if events:
                day.append(Append(stream, self.versions[stream], events))
                self.versions[stream] += len(events)
                self.pending[stream] = []
        if day:
            self.days.append(day)

    # ---------------------------------------------------------- the world

    def run(self) -> History:
        day = FIRST_DAY
        try:
            self._setup()
            self._flush_day()
            while True:
                for b in self.branches:
                    self._day(b, day)
                self._flush_day()
                day += timedelta(days=1)
        except _BudgetSpent:
            self._flush_day()
        assert self.left == 0, self.left
        return History(self.days, self.states, self.total, self.appointments, len(self.clients),
                       self.rejected, day)

    def _setup(self) -> None:
        rng = self.rng
        ids = [self._id() for _ in range(self.n_branches)]
        t0 = local_instant(FIRST_DAY - timedelta(days=7), 10 * 60, ZoneInfo("Europe/Moscow"))
        catalogue: CatalogueState = self._state(CATALOGUE)
        for i, (name, minutes, buffer, price) in enumerate(SERVICES):
            svc = Service(self._id(), name, price, "RUB", minutes, buffer, tuple(ids))
            self._emit(CATALOGUE, add_service(catalogue, svc), t0 + i, "user:admin")
        services = list(catalogue.services)
        for n, bid in enumerate(ids):
            tz_name = TIMEZONES[n % len(TIMEZONES)]
            b = _Branch(bid, branch_stream(bid), ZoneInfo(tz_name), self._state(branch_stream(bid)),
                        f"user:manager{n + 1}")
            self.branches.append(b)
            now = t0 + 3600 + n * 60
            branch = Branch(bid, f"Салон №{n + 1}", tz_name,
                            f"ул. {rng.choice(STREETS)}, {rng.randint(1, 120)}",
                            slot_step_min=15, horizon_days=30, min_notice_min=60, cancel_notice_min=120)
            self._decide(b, OpenBranch(branch), now, "user:admin")
            for k in range(STAFF_PER_BRANCH):
                schedule = SCHEDULES[(n + k) % len(SCHEDULES)]
                off = [FIRST_DAY + timedelta(days=rng.randint(0, 90)) for _ in range(3)]
                exceptions: dict[str, tuple[Interval, ...]] = {d.isoformat(): () for d in off}
                short = FIRST_DAY + timedelta(days=rng.randint(0, 90))
                exceptions.setdefault(short.isoformat(), ((600, 900),))
                staff = Staff(self._id(), bid, f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}.",
                              tuple(sorted(rng.sample(services, 8))), schedule, exceptions)
                self._decide(b, AddStaff(staff), now + 10 + k, "user:admin")
        # Accounts: an admin and one manager per branch (one argon2 hash of a random
        # password for all of them: nobody signs in during the benchmark).
        users = self._state(USERS)
        password_hash = PasswordHasher().hash(secrets.token_urlsafe(16))
        accounts = [("admin", "admin", ("*",))] + [
            (f"manager{n + 1}", "manager", (bid,)) for n, bid in enumerate(ids)]
        for i, (login, role, scope) in enumerate(accounts):
            self._emit(USERS, create_user(users, login, role, scope, password_hash), t0 - 600 + i,
                       "cli:create-user")

    def _client(self, now: float, manual: bool) -> str:
        """An existing client, or a new one registering (bot) or booked by phone (manual)."""
        rng = self.rng
        if self.clients and rng.random() > 0.3:
            return rng.choice(self.clients)[0]
        if self.left <= 0:
            raise _BudgetSpent
        clients: ClientsState = self._state(CLIENTS)
        i = len(self.clients)
        phone = f"+79{(i * 7919 + 12345) % 10**9:09d}"
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}."
        new_id = self._id()
        if manual:
            reg = find_or_create_by_phone(clients, new_id=new_id, phone=phone, name=name, now=now)
        else:
            reg = register(clients, new_id=new_id, telegram_id=100_000_000 + i * 37, phone=phone,
                           name=name, now=now)
        self._emit(CLIENTS, reg.events, now, f"client:{reg.client_id}")
        self.clients.append((reg.client_id, phone))
        return reg.client_id

    def _slot(self, b: _Branch, staff: Staff, day: date, duration: int, block: int) -> int | None:
        """The next free grid start of ``staff`` on ``day`` for ``duration`` (block incl. buffer)."""
        spans = b.free.get((staff.id, day))
        if spans is None:
            spans = b.free[(staff.id, day)] = [[s, e, s] for s, e in working_spans(staff, day, b.tz)]
        for span in spans:
            cursor, end, origin = span
            t = origin + -(-(cursor - origin) // b.step) * b.step
            if t + duration <= end:
                span[0] = t + block
                return t
        return None

    def _future(self, b: _Branch, today: date, lo: int, hi: int) -> Appointment | None:
        """A random live (not final) appointment starting ``lo..hi`` days after ``today``."""
        for _ in range(4):
            ids = b.by_day.get(today + timedelta(days=self.rng.randint(lo, hi)))
            if ids:
                appt = b.state.appointments[self.rng.choice(ids)]
                if appt.status not in FINAL:
                    return appt
        return None

    def _day(self, b: _Branch, day: date) -> None:
        """One local day of branch ``b``: bookings, changes and today's visits, in time order."""
        rng, tz = self.rng, b.tz
        opening = local_instant(day, 8 * 60, tz)
        actions: list[tuple[float, int, Callable[[float], None]]] = []

        def at(when: float, fn: Callable[[float], None]) -> None:
            actions.append((when, len(actions), fn))

        # The day before: the manager confirms tomorrow's new bookings; today's visits.
        for appt_id in b.by_day.get(day + timedelta(days=1), []):
            at(opening + rng.randint(0, 1800), partial(self._confirm, b, appt_id))
        for appt_id in b.by_day.get(day, []):
            appt = b.state.appointments[appt_id]
            if local_date(appt.start, tz) != day:
                continue  # rescheduled to another day
            at(appt.start - rng.randint(0, 300), partial(self._arrive, b, appt_id))
            at(appt.end + rng.randint(0, 600), partial(self._finish, b, appt_id))
        for _ in range(rng.randint(24, 38)):
            at(opening + rng.randint(0, 13 * 3600), partial(self._book, b, day))
        for _ in range(rng.randint(0, 3)):
            at(opening + rng.randint(0, 13 * 3600), partial(self._reschedule, b, day))
        for _ in range(rng.randint(0, 2)):
            at(opening + rng.randint(0, 13 * 3600), partial(self._cancel, b, day))
        actions.sort(key=lambda a: (a[0], a[1]))
        for when, _, fn in actions:
            fn(when)

    # ---------------------------------------------------------- actions

    def _book(self, b: _Branch, today: date, now: float) -> None:
        rng = self.rng
        manual = rng.random() < 0.12
        staff = rng.choice([s for s in b.state.staff.values() if s.active])
        catalogue = self.states[CATALOGUE]
        assert isinstance(catalogue, CatalogueState)
        svc = catalogue.services[rng.choice(staff.service_ids)]
        duration, block = svc.duration_min * 60, (svc.duration_min + svc.buffer_min) * 60
        first = rng.randint(1, HORIZON_DAYS)
        start = None
        for ahead in range(first, HORIZON_DAYS + 1):
            start = self._slot(b, staff, today + timedelta(days=ahead), duration, block)
            if start is not None:
                break
        if start is None:
            return  # this master is fully booked: the client gives up
        client_id = self._client(now, manual)
        appt_id = self._id()
        if manual:
            cmd = BookSlot(appt_id, client_id, source="manual", status=Status.CONFIRMED,
                           service=svc, start=start, staff_id=staff.id, by_manager=True,
                           comment=rng.choice(("", "", "по телефону", "постоянный клиент")))
            booked = self._decide(b, cmd, now, b.manager)
        else:
            hold_id = self._id()
            if not self._decide(b, HoldSlot(hold_id, client_id, svc, start, staff.id, 300), now,
                                f"client:{client_id}"):
                return
            fate = rng.random()
            if fate < 0.06:  # changed their mind
                self._decide(b, ReleaseHold(hold_id, client_id), now + rng.randint(20, 200),
                             f"client:{client_id}")
                return
            if fate < 0.09:  # walked away: the hold expires by itself
                return
            cmd = BookSlot(appt_id, client_id, hold_id=hold_id,
                           comment=rng.choice(("", "", "", "без укладки", "позвоните заранее")))
            booked = self._decide(b, cmd, now + rng.randint(15, 120), f"client:{client_id}")
        if booked:
            self.appointments += 1
            b.by_day.setdefault(local_date(start, b.tz), []).append(appt_id)

    def _confirm(self, b: _Branch, appt_id: str, now: float) -> None:
        if b.state.appointments[appt_id].status is Status.NEW:
            self._decide(b, ChangeStatus(appt_id, Status.CONFIRMED), now, b.manager)

    def _arrive(self, b: _Branch, appt_id: str, now: float) -> None:
        appt = b.state.appointments[appt_id]
        if appt.status in FINAL or local_date(appt.start, b.tz) != local_date(int(now), b.tz):
            return
        if self.rng.random() < 0.04:
            self._decide(b, ChangeStatus(appt_id, Status.NO_SHOW, appt.version), now + 1200, b.manager)
        else:
            self._decide(b, ChangeStatus(appt_id, Status.IN_PROGRESS, appt.version), now, b.manager)

    def _finish(self, b: _Branch, appt_id: str, now: float) -> None:
        appt = b.state.appointments[appt_id]
        if appt.status is Status.IN_PROGRESS:
            self._decide(b, ChangeStatus(appt_id, Status.DONE, appt.version), now, b.manager)

    def _reschedule(self, b: _Branch, today: date, now: float) -> None:
        appt = self._future(b, today, 1, HORIZON_DAYS)
        if appt is None:
            return
        staff = b.state.staff[appt.staff_id]
        duration, block = appt.end - appt.start, appt.block_end - appt.start
        new_day = local_date(appt.start, b.tz) + timedelta(days=self.rng.randint(1, 5))
        start = self._slot(b, staff, new_day, duration, block)
        if start is None:
            return
        if self._decide(b, Reschedule(appt.id, start, version=appt.version), now, b.manager):
            b.by_day.setdefault(new_day, []).append(appt.id)

    def _cancel(self, b: _Branch, today: date, now: float) -> None:
        appt = self._future(b, today, 1, HORIZON_DAYS)
        if appt is None or appt.status not in (Status.NEW, Status.CONFIRMED):
            return
        if self.rng.random() < 0.7:
            self._decide(b, CancelAsClient(appt.id, appt.client_id), now, f"client:{appt.client_id}")
        else:
            self._decide(b, ChangeStatus(appt.id, Status.CANCELLED, appt.version), now, b.manager)


# ============================================================== journal


def _canonical(states: dict[str, State]) -> dict[str, Any]:
    return {name: encode_state(s) for name, s in states.items()}


def check_states(loaded: dict[str, State], expected: dict[str, State]) -> int:
    """Assert the replayed states equal the generator's and are valid; returns appointments."""
    if _canonical(loaded) != _canonical(expected):
        differ = sorted(k for k in loaded.keys() | expected.keys()
                        if k not in loaded or k not in expected
                        or encode_state(loaded[k]) != encode_state(expected[k]))
        raise AssertionError(f"replayed state differs from the generator's in {differ[:5]}")
    appointments = 0
    for name, state in loaded.items():
        if not isinstance(state, BranchState):
            continue
        appointments += len(state.appointments)
        per_staff: dict[str, list[tuple[int, int]]] = {}
        for appt in state.appointments.values():
            if appt.status in OCCUPYING:
                per_staff.setdefault(appt.staff_id, []).append((appt.start, appt.block_end))
        for staff_id, spans in per_staff.items():
            spans.sort()
            for (_, end), (start, _) in pairwise(spans):
                assert end <= start, f"{name}: overlapping appointments of {staff_id}"
            busy = [(s, e) for s, e, _ in state.busy.get(staff_id, [])]
            assert busy == spans, f"{name}: busy index of {staff_id} is wrong"
    return appointments


async def write_history(journal: Journal, history: History) -> float:
    """Append the history day by day (every branch's day in one group commit); returns seconds."""
    started = time.perf_counter()
    for day in history.days:
        await asyncio.gather(*(journal.append(a.stream, a.expected_version, a.events) for a in day))
    return time.perf_counter() - started


async def fill(make: Callable[..., Journal], history: History) -> dict[str, float]:
    """Write ``history``, then replay it in-process with and without the snapshot path."""
    journal = make(max_batch_events=1_000_000)  # this loader's own writer: a day per commit
    await journal.open()
    try:
        seconds = await write_history(journal, history)
    finally:
        await journal.close()
    out = {"write_s": seconds, "write_rate": history.events / seconds}
    journal = make()
    await journal.open()
    try:
        started, cpu = time.perf_counter(), time.process_time()
        with collector_paused():
            states, last = await load_states(journal, use_snapshot=False)
        out["replay_s"] = time.perf_counter() - started
        out["replay_cpu_s"] = time.process_time() - cpu
        out["replay_rate"] = last / out["replay_s"]
        assert last == history.events, (last, history.events)
        for stream, state in states.items():
            assert state.version == await journal.stream_version(stream), stream
        out["appointments"] = check_states(states, history.states)
    finally:
        await journal.close()
    return out


async def snapshot_facts(make: Callable[..., Journal], history: History) -> dict[str, float]:
    """Size of the snapshot the server saved, the in-process time to load state from it,
    and a check that this state is the generator's."""
    journal = make()
    await journal.open()
    try:
        snap = await journal.load_snapshot()
        assert snap is not None and snap.seq == history.events, "the server did not save a snapshot"
        started = time.perf_counter()
        with collector_paused():
            states, _ = await load_states(journal)
        seconds = time.perf_counter() - started
        check_states(states, history.states)
        return {"snapshot_bytes": len(snap.blob), "snapshot_load_s": seconds}
    finally:
        await journal.close()


async def drop_snapshot(make: Callable[..., Journal]) -> None:
    """Delete the snapshot row, so the next start replays the whole journal."""
    journal = make()
    if isinstance(journal, SqliteJournal):
        with sqlite3.connect(journal.path) as conn:
            conn.execute("DELETE FROM snapshots")
        return
    assert isinstance(journal, PostgresJournal)
    await journal.open()
    try:
        async with journal._connection("bench") as conn:  # bench-only access
            await conn.execute("DELETE FROM snapshots")
    finally:
        await journal.close()


# ============================================================== the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(slots=True)
class Started:
    ready_s: float  # wall time, process start → first /readyz 200
    cpu_s: float  # the server's CPU time (user + system) at that moment; nan where unknown
    stop_s: float  # SIGTERM → exit, including the final snapshot


def serve_once(env: dict[str, str], log: Path, timeout_s: float) -> Started:
    """Start ``python run.py``; time until ``/readyz`` answers 200; stop it with SIGTERM."""
    port = free_port()
    env = {**env, "ZAPIS_PORT": str(port)}
    with open(log, "ab") as out:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "run.py"], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
        try:
            ready = _wait_ready(proc, port, started + timeout_s) - started
            cpu = _cpu_seconds(proc.pid)
            stopping = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=timeout_s)
            stop = time.perf_counter() - stopping
            if code != 0:
                raise RuntimeError(f"run.py exited with {code} after SIGTERM; see {log}")
            return Started(ready, cpu, stop)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux ``/proc``), else nan."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _wait_ready(proc: subprocess.Popen[bytes], port: int, deadline: float) -> float:
    while True:
        now = time.perf_counter()
        if proc.poll() is not None:
            raise RuntimeError(f"run.py exited with {proc.returncode} before it was ready")
        if now > deadline:
            raise TimeoutError("run.py was not ready in time")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/readyz")
            if conn.getresponse().status == 200:
                return time.perf_counter()
        except OSError:
            pass  # not listening yet
        finally:
            conn.close()
        time.sleep(0.01)


def server_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZAPIS_")}
    env.update(ZAPIS_DATA_DIR=str(data_dir), ZAPIS_JWT_SECRET=secrets.token_urlsafe(32),
               ZAPIS_BOT_MODE="off", ZAPIS_HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    if database_url:
        env["ZAPIS_DATABASE_URL"] = database_url
    return env


# ============================================================== backends


@dataclass(slots=True)
class Result:
    backend: str
    facts: dict[str, float] = field(default_factory=dict)
    cold: list[Started] = field(default_factory=list)  # without a snapshot
    warm: list[Started] = field(default_factory=list)  # with a snapshot


def measure(backend: str, history: History, make: Callable[..., Journal], env: dict[str, str],
            log: Path, runs: int, timeout_s: float) -> Result:
    result = Result(backend)
    print(f"[{backend}] writing {history.events:,} events …", flush=True)
    result.facts.update(asyncio.run(fill(make, history)))
    f = result.facts
    print(f"[{backend}] written in {f['write_s']:.1f} s; in-process replay {f['replay_s']:.2f} s "
          f"= {f['replay_rate']:,.0f} events/s; states check out", flush=True)
    for i in range(runs):
        asyncio.run(drop_snapshot(make))
        result.cold.append(serve_once(env, log, timeout_s))
        print(f"[{backend}] start without snapshot #{i + 1}: ready in {result.cold[-1].ready_s:.2f} s, "
              f"server CPU {result.cold[-1].cpu_s:.2f} s (SIGTERM → exit with final snapshot {result.cold[-1].stop_s:.2f} s)", flush=True)
    result.facts.update(asyncio.run(snapshot_facts(make, history)))
    for i in range(runs):
        result.warm.append(serve_once(env, log, timeout_s))
        print(f"[{backend}] start with snapshot #{i + 1}: ready in {result.warm[-1].ready_s:.2f} s "
              f"(server CPU {result.warm[-1].cpu_s:.2f} s)", flush=True)
    return result


def run_sqlite(history: History, runs: int, timeout_s: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="zapis-startup-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()

        def make(**kw: Any) -> Journal:
            return SqliteJournal(data / "zapis.sqlite3", **kw)

        result = measure("sqlite", history, make, server_env(data, None), Path(tmp) / "server.log",
                         runs, timeout_s)
        result.facts["db_bytes"] = sum(p.stat().st_size for p in data.iterdir())
        return result


def run_postgres(history: History, url: str, runs: int, timeout_s: float) -> Result:
    name = f"zapis_bench_{secrets.token_hex(4)}"
    bench_url = urlsplit(url)._replace(path=f"/{name}").geturl()

    async def admin(sql: str) -> Any:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="zapis-startup-") as tmp:

            def make(**kw: Any) -> Journal:
                return PostgresJournal(bench_url, **kw)

            result = measure("postgres", history, make, server_env(Path(tmp), bench_url),
                             Path(tmp) / "server.log", runs, timeout_s)
            result.facts["db_bytes"] = asyncio.run(admin(f"SELECT pg_database_size('{name}')"))
            return result
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def empty_start(runs: int, timeout_s: float) -> list[Started]:
    """The fixed cost: the server on an empty SQLite journal."""
    with tempfile.TemporaryDirectory(prefix="zapis-startup-") as tmp:
        env = server_env(Path(tmp), None)
        return [serve_once(env, Path(tmp) / "server.log", timeout_s) for _ in range(runs)]


# ============================================================== report


def describe(url: str, backends: list[str]) -> str:
    parts = [f"{os.cpu_count()} CPUs", platform.processor() or platform.machine(),
             f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    if "postgres" in backends:
        async def version() -> str:
            conn = await asyncpg.connect(url)
            try:
                return str(await conn.fetchval("SHOW server_version"))
            finally:
                await conn.close()
        parts.append("PostgreSQL " + asyncio.run(version()).split()[0])
    return ", ".join(parts)


def _mid(values: list[float], unit: str = "s") -> str:
    """Median, with the range when there is more than one value."""
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "–"
    mid = f"{statistics.median(values):.2f} {unit}"
    return mid + (f" ({min(values):.2f}–{max(values):.2f})" if len(values) > 1 else "")


def report(args: argparse.Namespace, history: History, gen_s: float, results: list[Result],
           empty: list[Started], machine: str, load: tuple[float, float]) -> str:
    lines = [
        (f"startup benchmark, {datetime.now(UTC):%Y-%m-%d} — {machine}; "
         f"load average {load[0]:.1f} at start, {load[1]:.1f} at end"),
        (f"journal: {history.events:,} events, {args.branches} branches, "
         f"{history.appointments:,} appointments, {history.clients:,} clients, "
         f"{(history.last_day - FIRST_DAY).days} days; generated by decide/evolve in {gen_s:.0f} s"),
        "",
        ("| backend | ready without snapshot | = events/s | server CPU | ready with snapshot "
         "| server CPU | replay in-process | snapshot | state from snapshot in-process |"),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        f = r.facts
        cold = [s.ready_s for s in r.cold]
        rate = f"{history.events / statistics.median(cold):,.0f}" if cold else "–"
        lines.append(
            f"| {r.backend} | {_mid(cold)} | {rate} | {_mid([s.cpu_s for s in r.cold])} "
            f"| {_mid([s.ready_s for s in r.warm])} | {_mid([s.cpu_s for s in r.warm])} "
            f"| {f['replay_rate']:,.0f} events/s ({f['replay_s']:.1f} s, CPU {f['replay_cpu_s']:.1f} s) "
            f"| {f['snapshot_bytes'] / 2**20:.1f} MiB | {f['snapshot_load_s']:.2f} s |")
    if empty:
        lines.append(f"| empty journal (sqlite) | {_mid([s.ready_s for s in empty])} | "
                     f"| {_mid([s.cpu_s for s in empty])} | | | | | |")
    lines.append("")
    for r in results:
        f = r.facts
        lines.append(f"{r.backend}: written at {f['write_rate']:,.0f} events/s ({f['write_s']:.0f} s), "
                     f"database {f['db_bytes'] / 2**20:.0f} MiB; SIGTERM → exit incl. final snapshot "
                     f"{_mid([s.stop_s for s in r.cold + r.warm])}")
    if history.rejected:
        lines.append(f"commands the core refused while generating: {dict(history.rejected)}")
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--branches", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="server starts per case")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per server start/stop")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.events < 10 * args.branches * (STAFF_PER_BRANCH + 2):
        parser.error("--events is too small for that many branches")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    url = (os.environ.get("ZAPIS_BENCH_DATABASE_URL") or os.environ.get("ZAPIS_TEST_DATABASE_URL")
           or DEFAULT_PG_URL)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    machine = describe(url, backends)
    load_at_start = os.getloadavg()[0]
    print(f"generating {args.events:,} events over {args.branches} branches …", flush=True)
    started = time.perf_counter()
    history = Generator(args.events, args.branches, args.seed).run()
    gen_s = time.perf_counter() - started
    gc.freeze()  # the history is kept to the end: spare every later collection from scanning it
    print(f"generated in {gen_s:.1f} s: {history.appointments:,} appointments, "
          f"{sum(len(d) for d in history.days):,} appends", flush=True)
    results = []
    for backend in backends:
        if backend == "sqlite":
            results.append(run_sqlite(history, args.runs, args.timeout))
        else:
            results.append(run_postgres(history, url, args.runs, args.timeout))
    empty = empty_start(args.runs, args.timeout)
    print()
    print(report(args, history, gen_s, results, empty, machine, (load_at_start, os.getloadavg()[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
