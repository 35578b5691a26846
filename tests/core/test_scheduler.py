"""The application layer on its own (no HTTP): every command and query, on both journals.

``Scheduler`` over a real ``Runtime`` and journal with a manual clock —
what the handlers, the hub and the bot call. Idempotency across branches and
the manual booking's "one operation, one outcome" are tested here directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from actors.core.clock import ManualClock
from actors.core.errors import (
    HoldExpired,
    IdempotencyKeyReused,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotUnavailable,
)
from actors.core.ids import derived_ids
from actors.core.import_plan import ImportRow
from actors.core.model import WEEKDAYS, Branch, Service, Staff, Status
from actors.runtime import Runtime
from actors.scheduler import Scheduler, SlotBooking
from storage.journal import Journal
from tests.core.builders import at

TZ = "Europe/Moscow"
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # Monday 09:00 in Moscow
MONDAY = date(2026, 3, 2)
ADMIN = "user:admin"


@dataclass
class World:
    scheduler: Scheduler
    runtime: Runtime
    journal: Journal
    clock: ManualClock
    branch: str
    other: str
    cut: str
    staff: list[str]


@pytest.fixture
async def world(journal_factory: Callable[[], Journal]) -> AsyncIterator[World]:
    journal, clock = journal_factory(), ManualClock(T0)
    await journal.open()
    runtime = Runtime(journal, clock)
    await runtime.start()
    s = Scheduler(runtime, clock, hold_ttl_s=300)
    ids = derived_ids("world")
    branch = await s.open_branch(Branch(ids(), "Салон", TZ, min_notice_min=0), ADMIN)
    other = await s.open_branch(Branch(ids(), "Другой", TZ, min_notice_min=0), ADMIN)
    cut = await s.add_service(Service(ids(), "Стрижка", "1000.00", "RUB", 60, 0, (branch.id, other.id)), ADMIN)
    hours = {d: ((9 * 60, 18 * 60),) for d in WEEKDAYS}
    staff = [(await s.add_staff(Staff(ids(), b.id, name, (cut.id,), hours), ADMIN)).id
             for b, name in ((branch, "Анна"), (other, "Ольга"))]
    try:
        yield World(s, runtime, journal, clock, branch.id, other.id, cut.id, staff)
    finally:
        await runtime.stop()
        await journal.close()


async def client(w: World, telegram_id: int) -> str:
    registered = await w.scheduler.register_client(telegram_id, f"+7999000{telegram_id:04d}", "Клиент")
    return registered.client.id


async def test_hold_then_book_the_hold(world: World) -> None:
    s, c = world.scheduler, await client(world, 1)
    free = s.free_slots(c, world.branch, world.cut, MONDAY, MONDAY)
    assert free.timezone == TZ and free.slots[0].start == at("2026-03-02 09:00", TZ)
    hold = await s.hold(c, world.branch, world.cut, at("2026-03-02 10:00", TZ))
    other = await client(world, 2)
    assert at("2026-03-02 10:00", TZ) not in {x.start for x in s.free_slots(other, world.branch, world.cut,
                                                                             MONDAY, MONDAY).slots}
    appt = await s.book_hold(c, hold.id)
    assert appt.start == hold.start and appt.status is Status.NEW and appt.client_id == c
    assert s.find_appointment(appt.id) == appt
    assert s.appointments_of(c) == [appt]
    with pytest.raises(HoldExpired):
        await s.book_hold(c, hold.id)  # used


async def test_a_released_or_expired_hold_cannot_be_booked(world: World) -> None:
    s, c = world.scheduler, await client(world, 1)
    hold = await s.hold(c, world.branch, world.cut, at("2026-03-02 11:00", TZ))
    await s.release_hold(c, hold.id)
    with pytest.raises(NotFound):
        await s.release_hold(c, "no-such-hold")
    hold = await s.hold(c, world.branch, world.cut, at("2026-03-02 11:00", TZ))
    world.clock.advance(301)
    with pytest.raises(HoldExpired):
        await s.book_hold(c, hold.id)


async def test_idempotency_is_per_client_across_branches(world: World) -> None:
    s, c = world.scheduler, await client(world, 1)
    slot = SlotBooking(world.branch, world.cut, at("2026-03-02 12:00", TZ))
    first = await s.book_slot(c, slot, key="k1")
    assert await s.book_slot(c, slot, key="k1") == first  # the same answer again, nothing new
    with pytest.raises(IdempotencyKeyReused):  # same key, another body
        await s.book_slot(c, SlotBooking(world.branch, world.cut, at("2026-03-02 13:00", TZ)), key="k1")
    with pytest.raises(IdempotencyKeyReused):  # same key in another branch
        await s.book_slot(c, SlotBooking(world.other, world.cut, at("2026-03-02 12:00", TZ)), key="k1")
    other = await client(world, 2)  # another client's key is another key
    assert (await s.book_slot(other, SlotBooking(world.other, world.cut, at("2026-03-02 12:00", TZ)),
                              key="k1")).client_id == other
    assert len(s.appointments_of(c)) == 1 and len(s.keys) == 0


async def test_concurrent_duplicates_book_once(world: World) -> None:
    s, c = world.scheduler, await client(world, 1)
    slot = SlotBooking(world.branch, world.cut, at("2026-03-02 14:00", TZ))
    answers = await asyncio.gather(*(s.book_slot(c, slot, key="same") for _ in range(10)))
    assert len({a.id for a in answers}) == 1
    assert len(s.appointments_of(c)) == 1


async def test_a_taken_slot_is_409_for_the_second_client(world: World) -> None:
    s = world.scheduler
    slot = SlotBooking(world.branch, world.cut, at("2026-03-02 15:00", TZ))
    await s.book_slot(await client(world, 1), slot)
    with pytest.raises(SlotUnavailable):
        await s.book_slot(await client(world, 2), slot)


async def test_cancel_only_own_appointment_and_status_changes(world: World) -> None:
    s, c, other = world.scheduler, await client(world, 1), await client(world, 2)
    appt = await s.book_slot(c, SlotBooking(world.branch, world.cut, at("2026-03-03 10:00", TZ)))
    with pytest.raises(NotFound):
        await s.cancel_as_client(other, appt.id)
    confirmed = await s.change_status(appt.id, Status.CONFIRMED, appt.version, ADMIN)
    assert confirmed.status is Status.CONFIRMED and confirmed.version == appt.version + 1
    moved = await s.reschedule(appt.id, at("2026-03-03 12:00", TZ), None, confirmed.version, ADMIN)
    assert moved.start == at("2026-03-03 12:00", TZ)
    cancelled = await s.cancel_as_client(c, appt.id)
    assert cancelled.status is Status.CANCELLED
    with pytest.raises(InvalidTransition):
        await s.cancel_as_client(c, appt.id)
    with pytest.raises(NotFound):
        s.find_appointment("nope")


async def test_manual_booking_is_one_operation(world: World) -> None:
    s = world.scheduler
    start = at("2026-03-02 16:00", TZ)
    appt = await s.manual_booking(branch_id=world.branch, service_id=world.cut, start=start, staff_id=None,
                                  phone="+79991112233", name="Анна", who=ADMIN)
    assert appt.status is Status.CONFIRMED and appt.source == "manual"
    known = s.client_by_phone("+79991112233")
    assert known is not None and known.id == appt.client_id and known.name == "Анна"
    clients_before = len(list(s.clients()))
    with pytest.raises(SlotUnavailable):  # taken: no client profile is created for the stranger
        await s.manual_booking(branch_id=world.branch, service_id=world.cut, start=start, staff_id=None,
                               phone="+79994445566", name="Ольга", who=ADMIN)
    assert len(list(s.clients())) == clients_before and s.client_by_phone("+79994445566") is None
    again = await s.manual_booking(branch_id=world.branch, service_id=world.cut, start=start + 3600,
                                   staff_id=None, phone="+79991112233", name="Другое имя", who=ADMIN)
    assert again.client_id == known.id  # one profile per number
    with pytest.raises(InvalidInput):
        await s.manual_booking(branch_id=world.branch, service_id=world.cut, start=start + 7200, staff_id=None,
                               phone="+79991112233", name="Анна", status=Status.CANCELLED, who=ADMIN)


async def test_service_must_be_offered_in_the_branch(world: World) -> None:
    s = world.scheduler
    only_here = await s.add_service(Service("solo", "Только здесь", "1.00", "RUB", 30, 0, (world.branch,)), ADMIN)
    assert s.offered(world.branch, only_here.id) == only_here
    with pytest.raises(NotFound):
        s.offered(world.other, only_here.id)
    with pytest.raises(NotFound):
        s.free_slots(await client(world, 1), world.other, only_here.id, MONDAY, MONDAY)
    with pytest.raises(InvalidInput):
        s.free_slots(await client(world, 1), world.branch, world.cut, MONDAY, date(2026, 4, 30))


async def test_manager_slots_ignore_notice_but_not_holds(world: World) -> None:
    s, c = world.scheduler, await client(world, 1)
    hold = await s.hold(c, world.branch, world.cut, at("2026-03-02 10:00", TZ))
    free = s.manager_slots(world.branch, world.cut, MONDAY, MONDAY)
    assert [x.name for x in free.staff] == ["Анна"]
    assert hold.start not in {x.start for x in free.slots}
    assert all(x.start >= world.clock.now() for x in free.slots)


async def test_board_and_report_read_committed_state(world: World) -> None:
    s, c = world.scheduler, await client(world, 1)
    appt = await s.book_slot(c, SlotBooking(world.branch, world.cut, at("2026-03-02 17:00", TZ)))
    board = s.board([world.branch], MONDAY, MONDAY)
    assert [a.id for cut in board.cuts for a in cut.cards] == [appt.id]
    assert board.seq == await world.journal.last_seq()
    card = board.cards(appt)
    assert card.client is not None and card.client.id == c and card.timezone == TZ
    report = s.report([world.branch], MONDAY, MONDAY, lambda _: True)
    assert report["new_requests"] == 1


async def test_import_ids_are_derived_from_the_command(world: World) -> None:
    s = world.scheduler
    rows = [ImportRow(row=2, name="Ирина", phone="+79990001111"), ImportRow(row=3, name="Пётр", phone="+79990002222")]
    dry = await s.import_clients(rows, True, ADMIN)
    assert len(dry.created) == 2 and s.client_by_phone("+79990001111") is None
    plan = await s.import_clients(rows, False, ADMIN)
    stored = [s.client_by_phone(p) for p in ("+79990001111", "+79990002222")]
    assert [c.id for c in plan.created] == [c.id for c in stored if c is not None]
    # The ids come from the command, not from randomness inside decide: the same
    # command decided twice (dry, then for real) would create the same ids.
    assert [c.id for c in dry.created] != [c.id for c in plan.created]  # two commands, two seeds
    next_id = derived_ids("any command id")
    assert next_id() != next_id()  # a counter, not a constant
    assert derived_ids("x")() == derived_ids("x")()  # deterministic


async def test_state_survives_a_restart(world: World) -> None:
    s, c = world.scheduler, await client(world, 1)
    appt = await s.book_slot(c, SlotBooking(world.branch, world.cut, at("2026-03-04 10:00", TZ)), key="r")
    await world.runtime.stop()
    runtime = Runtime(world.journal, world.clock)
    await runtime.start()
    world.runtime = runtime
    again = Scheduler(runtime, world.clock, hold_ttl_s=300)
    assert again.find_appointment(appt.id) == appt
    assert await again.book_slot(c, SlotBooking(world.branch, world.cut, at("2026-03-04 10:00", TZ)), key="r") == appt
