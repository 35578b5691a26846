"""The running system: every stream's actor, loaded from snapshot + journal.

Start-up reads the latest snapshot (if its schema matches), then folds the
journal after it; each stream's actor starts from the result. Snapshots are
taken in the background every ``snapshot_every`` committed events and on a
clean stop. A snapshot is consistent without stopping anyone: it records the
journal position H first, then captures each stream *inside its mailbox*, so
every stream's state holds at least all its events up to H; load skips the
events a stream already has by version.

Several processes on one PostgreSQL (docs/SCALING.md): once loaded, the
runtime asks a journal that can (``storage.journal.Follower``) to deliver
every committed record after the loaded position, other processes' too,
strictly in seq order. They take the same commit listener as this process's
own records: into the committed states (a branch opened elsewhere gets its
actor here), the directory, and then the runtime's listeners (the hub's
sockets). ``catch_up`` reads whatever other processes committed so far; the
application layer calls it before answering 404 for an id it does not know.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from actors.actor import Absorb, Read, StreamActor
from actors.core.branch_state import BranchState
from actors.core.catalogue import CatalogueState
from actors.core.users import UsersState
from actors.core.clients import ClientsState
from actors.core.clock import Clock
from actors.directory import Directory
from actors.deciders import decide_branch, decide_catalogue, decide_clients, decide_users
from actors.core.errors import NotFound
from actors.core.ids import new_id
from actors.core.messages import OpenBranch, event_from
from actors.core.model import Branch
from actors.snapshot import SCHEMA, State, encode_state, pack, pack_encoded, unpack
from actors.streams import (
    CATALOGUE,
    CLIENTS,
    USERS,
    branch_id_of,
    branch_stream,
    evolver,
    fold,
    fresh,
)
from storage.journal import Follower, Journal, Recorded, Snapshot

log = logging.getLogger(__name__)

BranchActor = StreamActor[BranchState]
CommittedListener = Callable[[Sequence[Recorded]], None]


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
        self.committed_seq = 0  # the last journal position the committed states hold
        self._since_snapshot = 0
        self._snapshotting: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one branch creation at a time
        self._by_stream: dict[str, StreamActor[Any]] = {}
        self._listeners: list[CommittedListener] = []
        self.directory = Directory(lambda: [(bid, a.committed) for bid, a in self.branches.items()])
        self.snapshot_on_stop = True  # tests turn it off to stop like a crash would
        # A journal other processes may share (PostgreSQL): followed from start() on.
        self.follower: Follower | None = journal if isinstance(journal, Follower) else None
        self.foreign = 0  # records of other processes applied
        self._stopping = False
        # Registered before anyone else's listener: committed states are current
        # before a socket frame is built from them.
        journal.add_listener(self._on_commit)

    def add_listener(self, listener: CommittedListener) -> None:
        """Call ``listener`` with each committed batch, after the committed states hold it."""
        self._listeners.append(listener)

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        with collector_paused(freeze=True):  # this state lives as long as the process
            states, self.loaded_seq = await load_states(self.journal)
        self.committed_seq = max(self.committed_seq, self.loaded_seq)
        self.clients = self._actor(CLIENTS, states.pop(CLIENTS, None), decide_clients)
        self.catalogue = self._actor(CATALOGUE, states.pop(CATALOGUE, None), decide_catalogue)
        self.users = self._actor(USERS, states.pop(USERS, None), decide_users)
        for stream, state in states.items():
            if (branch_id := branch_id_of(stream)) is not None:
                self.branches[branch_id] = self._actor(stream, state, decide_branch)
        if self.follower is not None:  # from here on, other processes' commits arrive in seq order
            self.follower.follow(self.loaded_seq)

    async def catch_up(self) -> None:
        """Apply whatever other processes committed so far (one process: nothing to do).

        Raises ``JournalUnavailable`` when the journal cannot be read.
        """
        if self.follower is not None:
            await self.follower.catch_up()

    def all_actors(self) -> list[StreamActor[Any]]:
        return [*self.branches.values(), self.clients, self.catalogue, self.users]

    async def stop(self) -> None:
        self._stopping = True  # no new actor for a branch opened elsewhere from now on
        actors = self.all_actors()
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
            clock=self.clock, decide=decider, evolve=evolver(stream), fresh=lambda: fresh(stream),
            on_rebuild=self._rebuilt(stream), catch_up=self.catch_up if self.follower is not None else None)
        self._by_stream[stream] = actor
        actor.start()
        return actor

    def _rebuilt(self, stream: str) -> Callable[[Any], None] | None:
        branch_id = branch_id_of(stream)
        if branch_id is None:
            return None
        return lambda state: self.directory.reindex(branch_id, state)

    # ------------------------------------------------------------ lookups

    def branch(self, branch_id: str, *, include_closed: bool = False) -> BranchActor:
        actor = self.branches.get(branch_id)
        b = actor.committed.branch if actor else None
        if actor is None or b is None or (not b.active and not include_closed):
            raise NotFound("branch.not_found")
        return actor

    async def open_branch(self, branch: Branch, actor: str) -> Branch:
        """Start a new branch's actor and journal its first event."""
        async with self._lock:
            stream = branch_stream(branch.id)
            ba = self._actor(stream, None, decide_branch)
            try:
                result: Branch = await ba.ask(OpenBranch(branch), actor)
            except Exception:
                await ba.stop()
                self._by_stream.pop(stream, None)
                raise
            self.branches[branch.id] = ba
            return result

    async def refresh_users(self) -> None:
        """Pick up accounts another process (``run.py create-user``) journaled since start-up."""
        if self.follower is not None:  # in seq order, with everything else other processes wrote
            await self.catch_up()
            return
        records = await self.journal.read_stream(USERS, self.users.version + 1)
        if records:
            await self.users.ask(Absorb(lambda state: fold(records, {USERS: state})[USERS]))

    @staticmethod
    def new_id() -> str:
        return new_id()

    # ------------------------------------------------------------ snapshots

    def _on_commit(self, records: Sequence[Recorded]) -> None:
        """The journal's commit listener: committed states first, then our listeners."""
        for rec in records:
            actor = self._by_stream.get(rec.stream)
            branch_id = branch_id_of(rec.stream)
            if not rec.local:
                self.foreign += 1
                if actor is None and branch_id is not None and not self._stopping:  # opened elsewhere
                    actor = self.branches[branch_id] = self._actor(rec.stream, None, decide_branch)
            if actor is None:
                continue
            event = actor.commit(rec)
            if branch_id is None:
                continue
            if event is not None:
                self.directory.note(branch_id, event)
            elif not rec.local:  # the state had it already (re-read after a lost race): index it anyway
                self.directory.note(branch_id, event_from(rec.type, rec.data))
        if records:
            self.committed_seq = max(self.committed_seq, records[-1].seq)
        for listener in self._listeners:
            try:
                listener(records)
            except Exception:  # noqa: BLE001 - one listener must not starve the others
                log.exception("commit listener %r raised", listener)
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
        # Following other processes, the journal may hold records not applied here
        # yet: the snapshot covers only what the committed states surely hold.
        seq = self.committed_seq if self.follower is not None else await self.journal.last_seq()
        actors = self.all_actors()
        if capture_live:  # encoded inside each mailbox: a consistent copy
            encoded = await asyncio.gather(*(a.ask(Read(_encode_unless_stale(a))) for a in actors))
            if any(e is None for e in encoded):
                raise SnapshotSkipped("an actor is rebuilding its state after a failed append")
            blob = pack_encoded({a.stream: e for a, e in zip(actors, encoded)})
        else:
            if any(a.stale for a in actors):
                raise SnapshotSkipped("an actor is rebuilding its state after a failed append")
            blob = pack({a.stream: a.committed for a in actors})
        await self.journal.save_snapshot(Snapshot(seq=seq, schema=SCHEMA, blob=blob))
        return seq

    async def snapshot(self) -> int:
        """Save a snapshot now; returns the journal position it covers."""
        return await self._save_snapshot(capture_live=True)

    def states(self) -> dict[str, State]:
        """Every stream's committed state (tests and the replay check compare these)."""
        return {a.stream: a.committed for a in self.all_actors()}


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
