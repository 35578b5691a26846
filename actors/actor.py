"""The actor shell: a mailbox of envelopes, one message at a time, ask/tell.

``StreamActor`` owns one journal stream. Each turn it takes every message
waiting in its mailbox, decides and applies them one after another against
its *working* state (so each sees the effect of the previous), appends all
their events in ONE journal append, and only when that is durable answers
the callers. A busy branch therefore costs one durable commit per mailbox
drain, not per booking, and still never runs two commands at once.

Readers never see the working state. The actor keeps a second, *committed*
state that only ever receives events the journal has committed: the
runtime's commit listener applies each committed record to it (in ``seq``
order, before anyone is answered or any socket frame is built), and the turn
catches it up after a successful append in case no listener ran. So a read
during a slow or failing append shows the calendar without the pending
appointment, and a rolled-back turn was never visible.

If the append fails (or the journal refuses the events outright, e.g. a NUL
character no backend can store), both states are rebuilt from the journal
and every caller of that turn gets the error — the actor itself never dies:
a command is never answered "yes" unless its events are durable. While the
database cannot even be read, the actor is *stale*: reads are still answered
from the committed state; commands are refused until a rebuild succeeds, and
a rebuild is retried every ``heal_every_s`` by the actor itself, so it
recovers when the database returns even if no command arrives.

Several processes (docs/SCALING.md): another process may append to the same
stream. Its records reach ``commit`` through the runtime (read back from the
journal, in seq order) and only ever change the committed state; the working
state is rebuilt from the committed one before the next turn decides. An
append that lost the race fails with ``ConcurrencyConflict``: the turn
catches the stream up (the winner's records are usually delivered already),
decides its commands again against the new state and appends again, at most
``max_attempts`` (30) times, each at once: a pause between attempts only
lets the winning process's next turn in first (bench/cluster.py, one branch
booked flat out by two processes: a 1–32 ms jittered pause gave 27–63 ×
503 per run and p99 0.7–2.1 s; deciding again at once, 0 × 503 and p99
0.1–0.15 s), and a long turn that loses to a run of short ones (an import
racing sign-ups on another process) needs as many attempts as the run has
turns — so a slot taken elsewhere is answered 409, an
``Idempotency-Key`` used elsewhere gets the first answer, and only a stream
that keeps losing gets the conflict (503).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from actors.core.clock import Clock
from actors.core.errors import ActorStopped, DomainError
from actors.core.messages import Event, event_data, event_from
from storage.journal import ConcurrencyConflict, Journal, JournalError, NewEvent, Recorded

log = logging.getLogger(__name__)

class StreamState(Protocol):
    """What the shell needs of a stream's state: its version, and an independent copy."""

    version: int

    def copy(self) -> Any: ...


S = TypeVar("S", bound=StreamState)
T = TypeVar("T")


class Lifecycle(Enum):
    NEW = "new"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


@dataclass(slots=True)
class Envelope:
    message: Any
    actor: str  # who asked, for the journal
    reply: asyncio.Future[Any] | None


@dataclass(frozen=True, slots=True)
class Decision:
    """What a message means: events to append, and how to answer once they are durable."""

    events: list[Event]
    answer: Callable[[], Any]  # called right after the events are applied
    # Further events decided against the state right after ``events`` (the waitlist's offers),
    # appended in the same turn; a failure here is logged and leaves the command standing.
    then: Callable[[], list[Event]] | None = None


@dataclass(frozen=True, slots=True)
class Read:
    """Run ``fn(committed state)`` in the mailbox, after every command sent before it is durable.

    Only what must line up with the mailbox needs this (a snapshot's capture);
    plain reads use ``StreamActor.committed`` directly.
    """

    fn: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Absorb:
    """Fold events another process journaled into both states (``fold(records, state)`` → state)."""

    fold: Callable[[Any], Any]


_STOP = object()
_HEAL = object()  # a message the actor sends itself: "try to rebuild the stale state now"

Decider = Callable[[S, Any, float], Decision]
Evolver = Callable[[S, Event], S]


class StreamActor(Generic[S]):
    def __init__(
        self,
        stream: str,
        state: S,
        *,
        journal: Journal,
        clock: Clock,
        decide: Decider[S],
        evolve: Evolver[S],
        fresh: Callable[[], S],
        on_rebuild: Callable[[S], None] | None = None,
        max_batch: int = 256,
        heal_every_s: float = 0.5,
        catch_up: Callable[[], Awaitable[Any]] | None = None,
        max_attempts: int = 30,
    ) -> None:
        self.stream = stream
        self._working = state  # decide/evolve run here; may hold a turn's undurable events
        self._committed: S = state.copy()  # only committed events; what every reader sees
        self._on_rebuild = on_rebuild  # told of a committed state rebuilt from the journal
        self._in_flight: tuple[int, list[Event]] | None = None  # (expected version, events) being appended
        self._journal = journal
        self._clock = clock
        self._decide = decide
        self._evolve = evolve
        self._fresh = fresh
        self._max_batch = max_batch
        self._mailbox: asyncio.Queue[Envelope | object] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._stale = False  # the state may hold events the journal lacks
        self._heal_every_s = heal_every_s
        self._heal: asyncio.TimerHandle | None = None
        self._catch_up = catch_up  # delivers other processes' records to ``commit`` (None: one process)
        self._max_attempts = max_attempts
        self._behind = False  # the committed state holds another process's events the working one lacks
        self.retries = 0  # turns decided again after a lost race
        self.lifecycle = Lifecycle.NEW

    @property
    def stale(self) -> bool:
        """The state may hold events the journal lacks (a failed append not yet re-read)."""
        return self._stale

    @property
    def committed(self) -> S:
        """The state with every committed event and nothing else. Read it, never change it,
        and do not hold it across an ``await`` expecting it to stand still."""
        return self._committed

    @property
    def version(self) -> int:
        """The committed stream version."""
        return self._committed.version

    @property
    def backlog(self) -> int:
        """Messages waiting in the mailbox (``/metrics``)."""
        return self._mailbox.qsize()

    def commit(self, rec: Recorded) -> Event | None:
        """Apply one committed record of this stream to the committed state (the runtime's
        commit listener calls this in ``seq`` order); the event applied, or None if known."""
        if rec.version != self.version + 1:
            return None  # already applied (or a gap: the next append's conflict resyncs)
        event = None
        if rec.local and self._in_flight is not None:  # our own turn: reuse its decoded events
            expected, events = self._in_flight
            if 0 <= rec.version - expected - 1 < len(events):
                event = events[rec.version - expected - 1]
        if event is None:  # another process's (or anyone else's): the working state must follow
            event = event_from(rec.type, rec.data)
            self._behind = True
        self._committed = self._evolve(self._committed, event)
        return event

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"actor:{self.stream}")
        self.lifecycle = Lifecycle.RUNNING

    async def ask(self, message: Any, actor: str = "system") -> Any:
        """Send ``message`` and wait for its answer (or its DomainError/JournalError)."""
        if self.lifecycle is not Lifecycle.RUNNING:
            raise ActorStopped("server.stopping")
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._mailbox.put_nowait(Envelope(message, actor, reply))
        return await reply

    async def request(self, message: Any, returns: type[T], actor: str = "system") -> T:
        """``ask`` with the answer's type checked: a typed call site, no unpacking by position."""
        answer = await self.ask(message, actor)
        if not isinstance(answer, returns):
            raise TypeError(f"{type(message).__name__} answered {type(answer).__name__}, not {returns.__name__}")
        return answer

    def tell(self, message: Any, actor: str = "system") -> None:
        if self.lifecycle is not Lifecycle.RUNNING:
            raise ActorStopped("server.stopping")
        self._mailbox.put_nowait(Envelope(message, actor, None))

    async def stop(self) -> None:
        """Answer everything already in the mailbox, then stop."""
        if self.lifecycle is not Lifecycle.RUNNING:
            return
        self.lifecycle = Lifecycle.STOPPING
        if self._heal is not None:
            self._heal.cancel()
        self._mailbox.put_nowait(_STOP)
        if self._task is not None:
            await self._task
        self.lifecycle = Lifecycle.STOPPED

    async def _run(self) -> None:
        while True:
            batch: list[Envelope] = []
            item = await self._mailbox.get()
            while item is not _STOP:
                batch.append(item)  # type: ignore[arg-type]
                if len(batch) >= self._max_batch or self._mailbox.empty():
                    break
                item = self._mailbox.get_nowait()
            if batch:
                await self._turn(batch)
            if item is _STOP:
                self._fail_rest()
                return

    def _fail_rest(self) -> None:
        while not self._mailbox.empty():
            item = self._mailbox.get_nowait()
            if isinstance(item, Envelope) and item.reply and not item.reply.done():
                item.reply.set_exception(ActorStopped("server.stopping"))

    async def _turn(self, batch: list[Envelope]) -> None:
        if self._stale and not await self._stale_turn(batch):
            return
        batch = [env for env in batch if env.message is not _HEAL]
        reads = [env for env in batch if isinstance(env.message, Read)]
        todo = [env for env in batch if not isinstance(env.message, Read)]
        absorbed: list[tuple[Envelope, bool, Any]] = []  # absorbed on the first attempt only
        for attempt in range(1, self._max_attempts + 1):
            if self._behind:
                self._working = self._committed.copy()
                self._behind = False
            now = self._clock.now()
            expected = self._working.version
            events, pending, outcomes = self._decide_all(todo, now)
            absorbed += [o for o in outcomes if isinstance(o[0].message, Absorb)]
            outcomes = [o for o in outcomes if not isinstance(o[0].message, Absorb)]
            todo = [env for env, _, _ in outcomes]
            if not pending:
                break
            self._in_flight = (expected, events)
            try:
                await self._journal.append(self.stream, expected, pending)
            except ConcurrencyConflict as err:
                self._in_flight = None
                if attempt < self._max_attempts and await self._caught_up(err):
                    self.retries += 1
                    continue
                await self._failed(err, absorbed + outcomes, reads)
                return
            except Exception as err:  # noqa: BLE001 - a journal error, or events it refuses: never die
                self._in_flight = None
                await self._failed(err, absorbed + outcomes, reads)
                return
            self._in_flight = None
            for event in events[self.version - expected:]:  # no listener ran (a test journal)
                self._committed = self._evolve(self._committed, event)
            break
        for env, ok, value in absorbed + outcomes:
            _settle(env, ok, value)
        self._answer_reads(reads)

    def _decide_all(self, batch: list[Envelope], now: float) -> tuple[
            list[Event], list[NewEvent], list[tuple[Envelope, bool, Any]]]:
        """Decide and apply each message against the working state, in order."""
        at = datetime.fromtimestamp(now, UTC)
        events: list[Event] = []
        pending: list[NewEvent] = []
        outcomes: list[tuple[Envelope, bool, Any]] = []  # (envelope, ok, answer or error)
        for env in batch:
            message = env.message
            try:
                if isinstance(message, Absorb):
                    self._absorb(message)
                    outcomes.append((env, True, None))
                    continue
                decision = self._decide(self._working, message, now)
                for batch_events in (decision.events, self._then(decision)):  # ``then`` once they apply
                    for event in batch_events:
                        self._working = self._evolve(self._working, event)
                        events.append(event)
                        pending.append(NewEvent(event.TYPE, event_data(event), at, env.actor))
                outcomes.append((env, True, decision.answer()))
            except DomainError as err:
                outcomes.append((env, False, err))
            except Exception as err:  # a bug: answer it, keep the actor alive
                log.exception("actor %s failed on %r", self.stream, type(message).__name__)
                outcomes.append((env, False, err))
        return events, pending, outcomes

    def _then(self, decision: Decision) -> Iterator[Event]:
        """``decision.then()``, lazily (a generator: it runs once ``decision.events`` are applied)."""
        if decision.then is None:
            return
        try:
            follow = decision.then()
        except Exception:  # a bug in a reaction must not undo the command it follows
            log.exception("actor %s: a follow-up decision failed; the command stands", self.stream)
            return
        yield from follow

    async def _caught_up(self, conflict: ConcurrencyConflict) -> bool:
        """After a lost race: bring both states to the stream's new version; False if impossible now."""
        if self._committed.version < conflict.actual and self._catch_up is not None:
            try:
                await self._catch_up()  # the winner's records, in seq order, through ``commit``
            except JournalError:
                return False
        if self._committed.version >= conflict.actual and self._catch_up is not None:
            self._working = self._committed.copy()
            self._behind = False
            return True
        try:  # one process, or the records did not arrive: re-read the stream itself
            await self._resync()
        except JournalError:
            return False
        return True

    async def _failed(self, err: Exception, outcomes: list[tuple[Envelope, bool, Any]],
                      reads: list[Envelope]) -> None:
        if isinstance(err, JournalError):
            log.warning("append to %s failed (%s); rebuilding from the journal", self.stream, err)
        else:
            log.exception("append to %s refused the events; rebuilding from the journal", self.stream,
                          exc_info=err)
        self._stale = True
        try:
            await self._resync()
        except JournalError:
            self._schedule_heal()  # still down: retried by itself and before any command
        for env, _, _ in outcomes:
            _settle(env, False, err)
        self._answer_reads(reads)

    def _absorb(self, message: Absorb) -> None:
        self._working = message.fold(self._working)
        self._committed = message.fold(self._committed)

    def _answer_reads(self, reads: list[Envelope]) -> None:
        for env in reads:
            try:
                _settle(env, True, env.message.fn(self._committed))
            except Exception as err:  # noqa: BLE001 - the reader's bug is the reader's answer
                _settle(env, False, err)

    async def _stale_turn(self, batch: list[Envelope]) -> bool:
        """Rebuild before deciding anything; True when the batch may now run normally.

        A batch of reads (and heal ticks) never waits for the database: reads
        are answered from memory and only a heal tick tries the rebuild. With
        a command in the batch the rebuild is tried; if it fails, the commands
        get the error and the reads are still answered.
        """
        commands = [env for env in batch if env.message is not _HEAL and not isinstance(env.message, Read)]
        if commands or any(env.message is _HEAL for env in batch):
            try:
                await self._resync()
                return True
            except JournalError as err:
                for env in commands:
                    _settle(env, False, err)
                self._schedule_heal()
        self._answer_reads([env for env in batch if isinstance(env.message, Read)])
        return False

    def _schedule_heal(self) -> None:
        if self._heal is None or self._heal.cancelled() or self._heal_due_passed():
            self._heal = asyncio.get_running_loop().call_later(self._heal_every_s, self._heal_tick)

    def _heal_due_passed(self) -> bool:
        return self._heal is not None and self._heal.when() <= asyncio.get_running_loop().time()

    def _heal_tick(self) -> None:
        if self._stale and self.lifecycle is Lifecycle.RUNNING:
            self._mailbox.put_nowait(Envelope(_HEAL, "system", None))

    async def _resync(self) -> None:
        """Rebuild the state from the journal after a failed (or unknown) append.

        Reads keep seeing the committed state meanwhile; the working state's
        speculative events are dropped once the journal answers.
        """
        records = await self._journal.read_stream(self.stream)
        state = self._fresh()
        for rec in records:
            state = self._evolve(state, event_from(rec.type, rec.data))
        self._committed = state
        self._working = state.copy()
        self._stale = False
        self._behind = False
        if self._on_rebuild is not None:
            self._on_rebuild(state)


def _settle(env: Envelope, ok: bool, value: Any) -> None:
    if env.reply is None or env.reply.done():
        return
    if ok:
        env.reply.set_result(value)
    else:
        env.reply.set_exception(value)

