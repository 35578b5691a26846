"""The actor shell while its database is down: reads keep working, recovery needs no command.

A journal whose appends and reads both fail stands for PostgreSQL being
down. After a failed append the actor's state may hold the failed turn's
events (it cannot re-read the journal yet): reads through the mailbox must
still be answered from memory (not 503), and once the database is back the
actor must drop those events by itself, without waiting for a command.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from actors.actor import Read, StreamActor
from actors.core.branch_state import BranchState
from actors.core.clock import ManualClock
from actors.deciders import decide_branch
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


class DownJournal(SqliteJournal):
    """``down = True``: every append and stream read raises ``JournalUnavailable``."""

    down = False

    async def append(self, stream: str, expected_version: int, events: Sequence[NewEvent]) -> list[Recorded]:
        if self.down:
            raise JournalUnavailable("database is down")
        return await super().append(stream, expected_version, events)

    async def read_stream(self, stream: str, from_version: int = 1) -> list[Recorded]:
        if self.down:
            raise JournalUnavailable("database is down")
        return await super().read_stream(stream, from_version)


@pytest.fixture
async def journal(tmp_path: Path) -> AsyncIterator[DownJournal]:
    j = DownJournal(tmp_path / "j.sqlite3")
    await j.open()
    yield j
    await j.close()


@pytest.fixture
async def actor(journal: DownJournal) -> AsyncIterator[StreamActor[BranchState]]:
    a: StreamActor[BranchState] = StreamActor(
        "branch:b1", BranchState(), journal=journal, clock=ManualClock(NOW), decide=decide_branch,
        evolve=evolver("branch:b1"), fresh=lambda: fresh("branch:b1"))  # type: ignore[arg-type,return-value]
    a.start()
    await a.ask(OpenBranch(Branch("b1", "B", TZ, min_notice_min=0)))
    await a.ask(AddStaff(Staff("s1", "b1", "S", (CUT.id,), {d: ((540, 1080),) for d in WEEKDAYS})))
    yield a
    await a.stop()


async def _fail_a_booking(journal: DownJournal, actor: StreamActor[BranchState]) -> None:
    journal.down = True
    with pytest.raises(JournalUnavailable):
        await actor.ask(BookSlot("a1", "c1", service=CUT, start=SLOT))


async def test_reads_through_the_mailbox_keep_working_while_the_database_is_down(
    journal: DownJournal, actor: StreamActor[BranchState]
) -> None:
    await _fail_a_booking(journal, actor)
    staff = await asyncio.wait_for(actor.ask(Read(lambda st: sorted(st.staff))), 5)
    assert staff == ["s1"]
    with pytest.raises(JournalUnavailable):  # a command still cannot be decided on a doubtful state
        await actor.ask(BookSlot("a2", "c2", service=CUT, start=SLOT + 7200))


async def test_the_actor_resyncs_by_itself_when_the_database_returns(
    journal: DownJournal, actor: StreamActor[BranchState]
) -> None:
    await _fail_a_booking(journal, actor)
    journal.down = False  # back; nobody sends a command
    async with asyncio.timeout(5):
        while "a1" in actor.committed.appointments:
            await asyncio.sleep(0.01)
    assert actor.version == 2  # opened, staff: the undurable booking is gone


async def test_a_snapshot_never_captures_the_undurable_events_of_a_stale_actor(
    journal: DownJournal, tmp_path: Path
) -> None:
    from actors.runtime import Runtime, load_states

    runtime = Runtime(journal, ManualClock(NOW), snapshot_every=0)
    await runtime.start()
    try:
        await runtime.open_branch(Branch("b1", "B", TZ, min_notice_min=0), "test")
        actor = runtime.branch("b1")
        await actor.ask(AddStaff(Staff("s1", "b1", "S", (CUT.id,), {d: ((540, 1080),) for d in WEEKDAYS})))
        await _fail_a_booking(journal, actor)  # a1 lives in memory only, until the actor re-reads
        journal.down = False  # back, and a snapshot is due before the actor has healed itself
        with contextlib.suppress(Exception):
            await runtime.snapshot()
        runtime.snapshot_on_stop = False
    finally:
        await runtime.stop()
    states, _ = await load_states(journal)
    branch = states["branch:b1"]
    assert isinstance(branch, BranchState)
    assert "a1" not in branch.appointments
