"""The actor shell on a real (SQLite) journal: ask/tell, errors, batching, shutdown, failed appends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from actors.actor import StreamActor
from actors.core.branch_state import BranchState
from actors.core.clock import ManualClock
from actors.deciders import Booked, decide_branch
from actors.core.errors import ActorStopped, NotFound, SlotUnavailable
from actors.core.messages import AddStaff, BookSlot, OpenBranch
from actors.core.model import WEEKDAYS, Branch, Staff
from actors.streams import evolver, fresh
from storage.journal import JournalUnavailable, NewEvent, Recorded
from storage.sqlite import SqliteJournal
from tests.core.builders import at, service

TZ = "Europe/Moscow"
CUT = service("cut", 60, 0)
NOW = at("2026-03-02T08:00", TZ)
SLOT = at("2026-03-03T10:00", TZ)


class FlakyJournal(SqliteJournal):
    """Fails the next ``failures`` appends, as if the database went away mid-commit."""

    failures = 0

    async def append(self, stream: str, expected_version: int, events: Sequence[NewEvent]) -> list[Recorded]:
        if self.failures:
            self.failures -= 1
            raise JournalUnavailable("database is down")
        return await super().append(stream, expected_version, events)


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[FlakyJournal]:
    j = FlakyJournal(tmp_path / "j.sqlite3")
    await j.open()
    yield j
    await j.close()


async def branch_actor(journal: FlakyJournal) -> StreamActor[BranchState]:
    actor: StreamActor[BranchState] = StreamActor(
        "branch:b1", BranchState(), journal=journal, clock=ManualClock(NOW), decide=decide_branch,
        evolve=evolver("branch:b1"), fresh=lambda: fresh("branch:b1"))  # type: ignore[arg-type]
    actor.start()
    await actor.ask(OpenBranch(Branch("b1", "B", TZ, min_notice_min=0)))
    await actor.ask(AddStaff(Staff("s1", "b1", "S", (CUT.id,), {d: ((540, 1080),) for d in WEEKDAYS})))
    return actor


async def test_answers_come_after_the_events_are_durable(journal: FlakyJournal) -> None:
    actor = await branch_actor(journal)
    booked = await actor.ask(BookSlot("a1", "c1", service=CUT, start=SLOT), "client:c1")
    assert booked.created and booked.appointment.id == "a1"
    stored = await journal.read_stream("branch:b1")
    assert [r.type for r in stored][-1] == "appointment.created"
    assert stored[-1].actor == "client:c1"
    await actor.stop()


async def test_domain_errors_reach_the_caller_and_change_nothing(journal: FlakyJournal) -> None:
    actor = await branch_actor(journal)
    await actor.ask(BookSlot("a1", "c1", service=CUT, start=SLOT))
    before = await journal.last_seq()
    with pytest.raises(SlotUnavailable):
        await actor.ask(BookSlot("a2", "c2", service=CUT, start=SLOT))
    with pytest.raises(NotFound):
        await actor.ask(BookSlot("a3", "c2", service=CUT, start=SLOT, staff_id="nobody"))
    assert await journal.last_seq() == before
    await actor.stop()


async def test_concurrent_asks_race_safely_and_share_commits(journal: FlakyJournal) -> None:
    actor = await branch_actor(journal)
    batches = journal.stats.batches
    results = await asyncio.gather(
        *(actor.ask(BookSlot(f"a{i}", f"c{i}", service=CUT, start=SLOT)) for i in range(50)),
        return_exceptions=True)
    assert sum(1 for r in results if isinstance(r, Booked)) == 1
    assert sum(1 for r in results if isinstance(r, SlotUnavailable)) == 49
    assert journal.stats.batches - batches == 1  # the whole mailbox turn was one commit
    await actor.stop()


async def test_a_failed_append_answers_unavailable_and_leaves_no_trace(journal: FlakyJournal) -> None:
    actor = await branch_actor(journal)
    journal.failures = 1
    with pytest.raises(JournalUnavailable):
        await actor.ask(BookSlot("a1", "c1", service=CUT, start=SLOT))
    assert "a1" not in actor.committed.appointments  # the speculative event was dropped
    booked = await actor.ask(BookSlot("a2", "c2", service=CUT, start=SLOT))  # the slot is free again
    assert booked.appointment.id == "a2"
    await actor.stop()


async def test_stop_answers_queued_asks_and_refuses_new_ones(journal: FlakyJournal) -> None:
    actor = await branch_actor(journal)
    queued = [asyncio.ensure_future(actor.ask(BookSlot(f"a{i}", f"c{i}", service=CUT, start=SLOT + i * 3600)))
              for i in range(3)]
    await asyncio.sleep(0)  # let the asks reach the mailbox
    await actor.stop()
    results = await asyncio.gather(*queued, return_exceptions=True)
    assert all(isinstance(r, Booked) for r in results)
    with pytest.raises(ActorStopped):
        await actor.ask(BookSlot("late", "c9", service=CUT, start=SLOT + 5 * 3600))
