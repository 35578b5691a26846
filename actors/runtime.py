"""The running system: every stream's actor, loaded from snapshot + journal.

Start-up reads the latest snapshot (if its schema matches), then folds the
journal after it; each stream's actor starts from the result. Snapshots are
taken in the background every ``snapshot_every`` committed events and on a
clean stop. A snapshot is consistent without stopping anyone: it records the
journal position H first, then captures each stream *inside its mailbox*, so
every stream's state holds at least all its events up to H; load skips the
events a stream already has by version.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from actors.actor import Read, StreamActor
from actors.branch_state import BranchState
from actors.catalogue_core import CatalogueState, UsersState
from actors.clients_core import ClientsState
from actors.clock import Clock
from actors.deciders import decide_branch, decide_catalogue, decide_clients, decide_users
from actors.errors import NotFound
from actors.ids import new_id
from actors.messages import OpenBranch
from actors.model import Appointment, Branch
from actors.snapshot import SCHEMA, State, encode_state, pack, pack_encoded, unpack
from actors.streams import (
    BRANCH_PREFIX,
    CATALOGUE,
    CLIENTS,
    USERS,
    branch_stream,
    evolver,
    fold,
    fresh,
)
from storage.journal import Journal, Recorded, Snapshot

log = logging.getLogger(__name__)

BranchActor = StreamActor[BranchState]


class Runtime:
    def __init__(self, journal: Journal, clock: Clock, *, snapshot_every: int = 10_000) -> None:
        self.journal = journal
        self.clock = clock
        self.snapshot_every = snapshot_every
        self.branches: dict[str, BranchActor] = {}
        self.clients: StreamActor[ClientsState]
        self.catalogue: StreamActor[CatalogueState]
        self.users: StreamActor[UsersState]
        self.loaded_seq = 0
        self._since_snapshot = 0
        self._snapshotting: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one branch creation at a time
        self.snapshot_on_stop = True  # tests turn it off to stop like a crash would

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        with collector_paused(freeze=True):  # this state lives as long as the process
            states, self.loaded_seq = await load_states(self.journal)
        self.clients = self._actor(CLIENTS, states.pop(CLIENTS, None), decide_clients)
        self.catalogue = self._actor(CATALOGUE, states.pop(CATALOGUE, None), decide_catalogue)
        self.users = self._actor(USERS, states.pop(USERS, None), decide_users)
        for stream, state in states.items():
            if stream.startswith(BRANCH_PREFIX):
                self.branches[stream[len(BRANCH_PREFIX):]] = self._actor(stream, state, decide_branch)
        self.journal.add_listener(self._on_commit)

    async def stop(self) -> None:
        actors = [*self.branches.values(), self.clients, self.catalogue, self.users]
        await asyncio.gather(*(a.stop() for a in actors))
        if self._snapshotting is not None:
            await asyncio.gather(self._snapshotting, return_exceptions=True)
        if self.snapshot_on_stop:
            try:
                await self._save_snapshot(capture_live=False)
            except SnapshotSkipped as skipped:
                log.warning("final snapshot skipped: %s", skipped)
            except Exception:  # noqa: BLE001 - a failed snapshot only slows the next start
                log.exception("final snapshot failed")

    def _actor(self, stream: str, state: Any, decider: Any) -> StreamActor[Any]:
        actor: StreamActor[Any] = StreamActor(
            stream, state if state is not None else fresh(stream), journal=self.journal,
            clock=self.clock, decide=decider, evolve=evolver(stream), fresh=lambda: fresh(stream))
        actor.start()
        return actor

    # ------------------------------------------------------------ lookups

    def branch(self, branch_id: str, *, include_closed: bool = False) -> BranchActor:
        actor = self.branches.get(branch_id)
        b = actor.state.branch if actor else None
        if actor is None or b is None or (not b.active and not include_closed):
            raise NotFound("branch not found")
        return actor

    def open_branches(self) -> list[Branch]:
        out = [a.state.branch for a in self.branches.values() if a.state.branch and a.state.branch.active]
        return sorted(out, key=lambda b: (b.name, b.id))

    def find_appointment(self, appointment_id: str) -> tuple[BranchActor, Appointment]:
        for actor in self.branches.values():
            appt = actor.state.appointments.get(appointment_id)
            if appt is not None:
                return actor, appt
        raise NotFound("appointment not found")

    async def open_branch(self, branch: Branch, actor: str) -> Branch:
        """Start a new branch's actor and journal its first event."""
        async with self._lock:
            stream = branch_stream(branch.id)
            ba = self._actor(stream, None, decide_branch)
            try:
                result: Branch = await ba.ask(OpenBranch(branch), actor)
            except Exception:
                await ba.stop()
                raise
            self.branches[branch.id] = ba
            return result

    async def refresh_users(self) -> None:
        """Pick up accounts another process (``run.py create-user``) journaled since start-up."""
        records = await self.journal.read_stream(USERS, self.users.version + 1)
        if records:
            await self.users.ask(Read(lambda state: fold(records, {USERS: state})))

    @staticmethod
    def new_id() -> str:
        return new_id()

    # ------------------------------------------------------------ snapshots

    def _on_commit(self, records: Sequence[Recorded]) -> None:
        self._since_snapshot += len(records)
        if self.snapshot_every and self._since_snapshot >= self.snapshot_every and (
            self._snapshotting is None or self._snapshotting.done()
        ):
            self._since_snapshot = 0
            self._snapshotting = asyncio.create_task(self._background_snapshot())

    async def _background_snapshot(self) -> None:
        try:
            await self._save_snapshot(capture_live=True)
        except SnapshotSkipped as skipped:
            log.warning("background snapshot skipped: %s", skipped)
        except Exception:  # noqa: BLE001
            log.exception("background snapshot failed")

    async def _save_snapshot(self, *, capture_live: bool) -> int:
        seq = await self.journal.last_seq()
        actors = [*self.branches.values(), self.clients, self.catalogue, self.users]
        if capture_live:  # encoded inside each mailbox: a consistent copy
            encoded = await asyncio.gather(*(a.ask(Read(_encode_unless_stale(a))) for a in actors))
            if any(e is None for e in encoded):
                raise SnapshotSkipped("an actor is rebuilding its state after a failed append")
            blob = pack_encoded({a.stream: e for a, e in zip(actors, encoded)})
        else:
            if any(a.stale for a in actors):
                raise SnapshotSkipped("an actor is rebuilding its state after a failed append")
            blob = pack({a.stream: a.state for a in actors})
        await self.journal.save_snapshot(Snapshot(seq=seq, schema=SCHEMA, blob=blob))
        return seq

    async def snapshot(self) -> int:
        """Save a snapshot now; returns the journal position it covers."""
        return await self._save_snapshot(capture_live=True)

    def states(self) -> dict[str, State]:
        actors = [*self.branches.values(), self.clients, self.catalogue, self.users]
        return {a.stream: a.state for a in actors}


class SnapshotSkipped(Exception):
    """No snapshot now: an actor's state may hold events the journal lacks.

    A stale actor (its append failed and it could not re-read its stream yet)
    still answers reads from memory, but such a state must never be saved:
    the next start would resurrect events that were answered 503.
    """


def _encode_unless_stale(actor: StreamActor[Any]) -> Any:
    def encode(state: Any) -> Any:
        return None if actor.stale else encode_state(state)

    return encode


async def load_states(journal: Journal, until: datetime | None = None,
                      use_snapshot: bool = True) -> tuple[dict[str, State], int]:
    """Snapshot (if usable) + journal tail → every stream's state, and the last seq seen.

    With ``until``, only events recorded at or before that instant count and
    the snapshot is not used (time travel must not see the future). Callers
    that own the process (start-up, the ``replay`` CLI, benchmarks) wrap it
    in ``collector_paused``; a request (the board's ``as_of``) does not, so
    one admin's time travel never switches the collector off for everyone.
    """
    states: dict[str, State] = {}
    after = 0
    if use_snapshot and until is None:
        snap = await journal.load_snapshot()
        loaded = unpack(snap.blob) if snap is not None else None
        if snap is not None and loaded is None:
            log.warning("snapshot at seq %d is unusable; replaying the whole journal", snap.seq)
        if snap is not None and loaded is not None:
            states, after = loaded, snap.seq
    last = after
    batch: list[Recorded] = []
    async for rec in journal.read_all(after):
        if until is not None and rec.at > until:
            break
        batch.append(rec)
        if len(batch) >= 5000:
            fold(batch, states)
            last = batch[-1].seq
            batch.clear()
    if batch:
        fold(batch, states)
        last = batch[-1].seq
    return states, last


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while a load builds millions of objects.

    States are acyclic (dataclasses, dicts, lists, tuples): reference counting
    frees whatever a load discards, and each collection in between would only
    re-scan the growing heap — about a third of a full replay's CPU time.
    ``freeze`` moves everything alive at the end out of the collector's reach
    (``gc.freeze``), for state kept for the life of the process: otherwise
    the first collections after the load traverse all of it again. Garbage
    is collected first, so that none of it is frozen with the state.
    """
    enabled = gc.isenabled()
    if freeze:
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
