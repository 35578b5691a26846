"""Group commit: one writer task that commits many appends per transaction.

Every ``append`` becomes a ``PendingAppend`` in a FIFO; the writer takes as
many as are waiting (up to ``max_batch_events``), hands them to the
backend's ``CommitBatch`` function, which commits them in ONE transaction,
then tells the listeners and answers the appenders. One writer per process
is also what makes ``seq`` visible in order (SPEC §1): positions are
assigned inside the transaction that holds the backend's write lock.

The backend-agnostic parts live here: preparing events in the caller's task
(validation, JSON encoding, so one bad payload fails only its own append),
``plan_batch`` (version checks and seq/version assignment, including earlier
appends to the same stream in the same batch), and the writer loop.

Following other processes (``follow``, PostgreSQL only): the writer keeps
``delivered``, the last seq its listeners were given, and is the only task
that delivers, so listeners see every record once, in seq order. A batch
whose first seq is beyond ``delivered + 1`` (another process committed in
between) first reads that range from the journal and delivers it; a commit
hint, a poll or a caller's ``catch_up`` makes the writer read and deliver
whatever is after ``delivered`` between two batches.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import orjson

from storage.journal import (
    CommitListener,
    ConcurrencyConflict,
    JournalError,
    JournalInDoubt,
    JournalUnavailable,
    NewEvent,
    Recorded,
)

log = logging.getLogger(__name__)

# A NUL escape that is not itself an escaped backslash followed by "u0000".
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """A ``NewEvent`` checked and encoded: ``payload`` is its data as JSON."""

    type: str
    at: datetime  # UTC
    actor: str
    payload: bytes
    data: dict[str, Any]  # decoded back from payload: what readers will see


@dataclass(slots=True)
class PendingAppend:
    """One append waiting for the writer."""

    stream: str
    expected_version: int
    events: list[PreparedEvent]
    future: asyncio.Future[list[Recorded]]


Outcome = list[Recorded] | ConcurrencyConflict


@dataclass(frozen=True, slots=True)
class PlannedBatch:
    """What one transaction commits: per-append outcomes and the rows to insert."""

    outcomes: list[Outcome]
    rows: list[tuple[Recorded, bytes]]  # accepted events in seq order, with payload


# Commits the batch in one transaction and returns one outcome per append, in
# order. Raises JournalUnavailable when the database fails, InDoubtCommit when
# it failed during COMMIT (the batch may be durable).
CommitBatch = Callable[[Sequence[PendingAppend]], Awaitable[list[Outcome]]]
# Committed records with ``after < seq <= upto`` (no upper bound for None), at
# most ``limit``, in seq order. Raises JournalUnavailable.
ReadRange = Callable[[int, int | None, int], Awaitable[list[Recorded]]]
# Whether an in-doubt batch's first row (its probe) is in the journal.
# Raises JournalUnavailable while the database cannot be asked.
ConfirmCommit = Callable[[Recorded], Awaitable[bool]]


class InDoubtCommit(JournalInDoubt):
    """A backend lost the connection during COMMIT; carries what the batch would have been."""

    def __init__(self, message: str, *, outcomes: list[Outcome], probe: Recorded) -> None:
        super().__init__(message)
        self.outcomes = outcomes
        self.probe = probe


@dataclass(slots=True)
class WriterStats:
    """Counters of one writer; ``batches`` counts committed transactions."""

    batches: int = 0
    appends: int = 0
    events: int = 0
    conflicts: int = 0
    failed_batches: int = 0
    in_doubt: int = 0  # batches whose COMMIT lost its connection (resolved either way)
    foreign: int = 0  # other processes' records delivered to the listeners
    catch_ups: int = 0  # journal reads for other processes' records (gaps, hints, polls, requests)
    # Told (seconds the commit took, the records it committed) after each batch this writer
    # commits: the metrics' hook (api/metrics.py). Must be cheap and never raise.
    on_batch: Callable[[float, list[Recorded]], None] | None = field(default=None, repr=False, compare=False)


def _no_nul(value: str, what: str) -> str:
    if "\x00" in value:
        raise ValueError(f"{what} must not contain NUL characters")
    return value


def prepare(events: Sequence[NewEvent]) -> list[PreparedEvent]:
    """Validate and encode events; raises ValueError for anything no backend can store.

    NUL characters are refused everywhere because PostgreSQL's text and
    jsonb cannot hold them, and both backends must accept the same events.
    """
    prepared = []
    for event in events:
        if event.at.tzinfo is None or event.at.utcoffset() is None:
            raise ValueError(f"event {event.type!r} has a naive 'at'; pass an aware UTC time")
        try:
            payload = orjson.dumps(event.data)
        except TypeError as exc:
            raise ValueError(f"event {event.type!r} data is not JSON-serialisable: {exc}") from exc
        if b"\\u0000" in payload and _NUL_ESCAPE.search(payload):
            raise ValueError(f"event {event.type!r} data must not contain NUL characters")
        prepared.append(
            PreparedEvent(
                type=_no_nul(event.type, "event type"),
                at=event.at.astimezone(timezone.utc),
                actor=_no_nul(event.actor, "actor"),
                payload=payload,
                data=orjson.loads(payload),
            )
        )
    return prepared


def plan_batch(
    appends: Sequence[PendingAppend], last_seq: int, versions: Mapping[str, int]
) -> PlannedBatch:
    """Check versions and assign seq/version, given the database's current state.

    ``versions`` holds the committed version of every stream in the batch
    (missing means 0). Appends are taken in order, so a later append to a
    stream must expect the version an earlier accepted one leaves behind.
    """
    current = dict(versions)
    seq = last_seq
    outcomes: list[Outcome] = []
    rows: list[tuple[Recorded, bytes]] = []
    for pending in appends:
        actual = current.get(pending.stream, 0)
        if actual != pending.expected_version:
            outcomes.append(ConcurrencyConflict(pending.stream, pending.expected_version, actual))
            continue
        recorded = []
        for event in pending.events:
            seq += 1
            actual += 1
            rec = Recorded(seq, pending.stream, actual, event.type, event.at, event.actor, event.data, True)
            recorded.append(rec)
            rows.append((rec, event.payload))
        current[pending.stream] = actual
        outcomes.append(recorded)
    return PlannedBatch(outcomes, rows)


@dataclass(slots=True)
class GroupWriter:
    """The single writer task of one journal instance."""

    commit: CommitBatch
    max_batch_events: int = 1000
    confirm: ConfirmCommit | None = None  # None: an in-doubt batch is simply failed
    doubt_timeout_s: float = 10.0  # appenders of an in-doubt batch wait this long for the truth
    read_range: ReadRange | None = None  # None: this backend cannot follow other processes
    chunk: int = 5000  # records per catch-up read
    stats: WriterStats = field(default_factory=WriterStats)
    delivered: int | None = None  # following: the last seq the listeners were given
    _seen: int = 0  # the journal's last seq as the latest write transaction saw it
    _catch_up_wanted: bool = False
    _catch_up_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    _listeners: list[CommitListener] = field(default_factory=list)
    _pending: deque[PendingAppend] = field(default_factory=deque)
    _wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _closing: bool = False

    def add_listener(self, listener: CommitListener) -> None:
        self._listeners.append(listener)

    # ------------------------------------------------------------ following

    def follow(self, after_seq: int) -> None:
        """Deliver every committed record after ``after_seq`` from now on, own and foreign."""
        if self.read_range is None:
            raise RuntimeError("this journal cannot follow other processes")
        self.delivered = after_seq
        self.request_catch_up()

    def saw(self, last_seq: int) -> None:
        """The backend's write transaction found the journal at ``last_seq`` (under the lock)."""
        self._seen = last_seq

    def request_catch_up(self) -> None:
        """Ask the writer to read and deliver other processes' records soon (never waits)."""
        if self.delivered is not None:
            self._catch_up_wanted = True
            self._wakeup.set()

    async def catch_up(self) -> int:
        """Deliver everything committed so far; returns the last seq delivered.

        Without ``follow`` there is nothing to catch up: the listeners only
        hear this process's commits, so this returns at once.
        """
        if self.delivered is None:
            return 0
        if self._task is None or self._task.done() or self._closing:
            raise JournalUnavailable("the journal is not open")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._catch_up_waiters.append(future)
        self._wakeup.set()
        return await future

    async def _catch_up_now(self) -> None:
        self._catch_up_wanted = False
        waiters, self._catch_up_waiters = self._catch_up_waiters, []
        try:
            await self._deliver_range(None)
        except Exception as exc:  # noqa: BLE001 - the waiters get the failure, the writer goes on
            if not isinstance(exc, JournalError):
                log.exception("catching up with other processes failed")
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(_unavailable(exc))
            return
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(self.delivered or 0)

    async def _deliver_range(self, upto: int | None) -> None:
        """Read and deliver the records after ``delivered`` (up to ``upto``), in chunks."""
        assert self.read_range is not None
        while self.delivered is not None and (upto is None or self.delivered < upto):
            self.stats.catch_ups += 1
            chunk = await self.read_range(self.delivered, upto, self.chunk)
            chunk = [rec for rec in chunk if rec.seq > self.delivered]
            if chunk:
                self.stats.foreign += len(chunk)
                self._notify(chunk)
                self.delivered = chunk[-1].seq
            if len(chunk) < self.chunk:
                return

    async def _fill_gap(self, upto: int) -> bool:
        """Deliver the foreign records before an own batch; False if they cannot be read now."""
        delay = 0.05
        for attempt in range(3):
            try:
                await self._deliver_range(upto)
                return self.delivered == upto
            except JournalError:
                if attempt == 2:
                    break
                await asyncio.sleep(delay)
                delay *= 2
        return False

    async def _deliver_following(self, committed: list[Recorded]) -> None:
        """Hand a committed batch to the listeners, after the foreign records before it."""
        assert self.delivered is not None
        if not committed:
            if self._seen > self.delivered:  # every append conflicted: the winners' records first
                try:
                    await self._deliver_range(self._seen)
                except JournalError:
                    self._catch_up_wanted = True  # the appenders' retries will ask again
            return
        first = committed[0].seq
        if first > self.delivered + 1 and not await self._fill_gap(first - 1):
            # The batch is durable but the records before it cannot be read: its
            # records are delivered later, read back from the journal, in order.
            log.warning("cannot read seq %d..%d before an own batch; delivering it later",
                        self.delivered + 1, first - 1)
            self._catch_up_wanted = True
            return
        if first <= self.delivered:  # a catch-up already delivered it (read back): never twice
            committed = [rec for rec in committed if rec.seq > self.delivered]
        self._notify(committed)
        if committed:
            self.delivered = committed[-1].seq

    # ------------------------------------------------------------ writing

    def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="journal-writer")

    def submit(
        self, stream: str, expected_version: int, events: Sequence[NewEvent]
    ) -> asyncio.Future[list[Recorded]]:
        """Queue an append (validated here, in the caller's task) and return its future."""
        if self._task is None or self._task.done() or self._closing:
            raise JournalUnavailable("the journal is not open")
        if expected_version < 0:
            raise ValueError(f"expected_version must be >= 0, got {expected_version}")
        _no_nul(stream, "stream")
        future: asyncio.Future[list[Recorded]] = asyncio.get_running_loop().create_future()
        self._pending.append(PendingAppend(stream, expected_version, prepare(events), future))
        self._wakeup.set()
        return future

    async def close(self) -> None:
        """Commit everything already submitted, then stop the task."""
        task, self._task = self._task, None
        self._closing = True
        if task is not None:
            self._wakeup.set()
            await task

    def _take_batch(self) -> list[PendingAppend]:
        batch = [self._pending.popleft()]
        size = len(batch[0].events)
        while self._pending and size + len(self._pending[0].events) <= self.max_batch_events:
            pending = self._pending.popleft()
            size += len(pending.events)
            batch.append(pending)
        return batch

    async def _run(self) -> None:
        try:
            while True:
                if self._catch_up_wanted or self._catch_up_waiters:
                    await self._catch_up_now()
                    continue
                if not self._pending:
                    if self._closing:
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                # An appender cancelled before its turn is dropped: it was never
                # acknowledged, and not writing it removes the doubt.
                batch = [p for p in self._take_batch() if not p.future.cancelled()]
                try:
                    await self._commit(batch)
                except Exception as exc:  # noqa: BLE001 - a bug here must not hang appenders
                    log.exception("journal writer failed after a commit")
                    for pending in batch:
                        _fail(pending, _unavailable(exc))
        finally:
            # Only reached with work left if the task was cancelled: nobody hangs.
            while self._pending:
                _fail(self._pending.popleft(), JournalUnavailable("the journal writer stopped"))
            for waiter in self._catch_up_waiters:
                if not waiter.done():
                    waiter.set_exception(JournalUnavailable("the journal writer stopped"))
            self._catch_up_waiters.clear()

    async def _commit(self, batch: list[PendingAppend]) -> None:
        if not batch:
            return
        started = time.perf_counter()
        try:
            outcomes = await self.commit(batch)
        except asyncio.CancelledError:
            for pending in batch:
                _fail(pending, JournalUnavailable("the journal writer stopped"))
            raise
        except InDoubtCommit as exc:
            self.stats.in_doubt += 1
            resolved = await self._resolve(batch, exc)
            if resolved is None:
                return
            outcomes = resolved
        except Exception as exc:  # noqa: BLE001 - every failure must reach the appenders
            self.stats.failed_batches += 1
            if not isinstance(exc, JournalError):
                log.exception("journal batch failed unexpectedly")
            for pending in batch:
                _fail(pending, _unavailable(exc))
            return
        self.stats.batches += 1
        committed = [rec for outcome in outcomes if isinstance(outcome, list) for rec in outcome]
        if self.stats.on_batch is not None:
            self.stats.on_batch(time.perf_counter() - started, committed)
        if self.delivered is None:
            self._notify(committed)
        else:
            try:
                await self._deliver_following(committed)
            except Exception:  # noqa: BLE001 - durable all the same: answer the appenders
                log.exception("delivering a commit to the listeners failed")
            finally:  # even if the writer is cancelled meanwhile: the batch is durable
                self._answer(batch, outcomes)
            return
        self._answer(batch, outcomes)

    def _answer(self, batch: list[PendingAppend], outcomes: list[Outcome]) -> None:
        for pending, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, ConcurrencyConflict):
                self.stats.conflicts += 1
                _fail(pending, outcome)
            else:
                self.stats.appends += 1
                self.stats.events += len(outcome)
                if not pending.future.done():  # the caller may have been cancelled
                    pending.future.set_result(outcome)

    async def _resolve(self, batch: list[PendingAppend], doubt: InDoubtCommit) -> list[Outcome] | None:
        """Find out whether an in-doubt batch was committed: its outcomes if so, else None.

        Nothing else may commit before the answer is known (``seq`` order, and
        the listeners must see the batch first if it is durable), so appends
        submitted meanwhile are failed at once while the database cannot be
        asked. The batch's appenders wait up to ``doubt_timeout_s``; after that
        they get ``JournalInDoubt``, and the writer keeps asking: if the batch
        turns out durable, the listeners still get it, in order.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.doubt_timeout_s
        delay = 0.02
        if self.confirm is None:
            self.stats.failed_batches += 1
            for pending in batch:
                _fail(pending, _in_doubt(doubt))
            return None
        while True:
            try:
                committed = await self.confirm(doubt.probe)
            except JournalUnavailable:
                pass
            else:
                if committed:
                    return doubt.outcomes
                self.stats.failed_batches += 1
                for pending in batch:
                    _fail(pending, JournalUnavailable("the database went away before the commit; nothing was saved"))
                return None
            while self._pending:  # not attempted: the database is unreachable right now
                _fail(self._pending.popleft(), JournalUnavailable("the database is unavailable"))
            if loop.time() >= deadline:
                for pending in batch:
                    _fail(pending, _in_doubt(doubt))
                if self._closing:
                    self.stats.failed_batches += 1
                    return None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _notify(self, committed: list[Recorded]) -> None:
        if not committed:
            return
        for listener in self._listeners:
            try:
                listener(committed)
            except Exception:  # noqa: BLE001 - a listener must not stop the journal
                log.exception("journal commit listener %r raised", listener)


def _unavailable(exc: BaseException) -> JournalUnavailable:
    """A fresh exception per appender, so tracebacks are not shared between tasks."""
    fresh = JournalUnavailable(str(exc) or type(exc).__name__)
    fresh.__cause__ = exc.__cause__ if isinstance(exc, JournalUnavailable) else exc
    return fresh


def _in_doubt(doubt: InDoubtCommit) -> JournalInDoubt:
    fresh = JournalInDoubt(f"{doubt}; the outcome is unknown")
    fresh.__cause__ = doubt.__cause__
    return fresh


def _fail(pending: PendingAppend, exc: BaseException) -> None:
    if not pending.future.done():
        pending.future.set_exception(exc)
