"""The realtime fan-out hub: committed appointment events → every open dashboard socket.

The runtime calls ``Hub.on_commit`` after each committed batch, in strict
``seq`` order, once the committed states hold it and before the appenders
are answered. The hub turns each appointment event into ONE serialised frame
of the appointment as committed (``Scheduler.appointment_in``) and offers it to the
bounded backlog of every subscriber that may see the event's branch, without
ever waiting: nothing here awaits a socket, so a browser on a bad network
can never slow the journal or a branch actor down. A subscriber whose
backlog is full is dropped on the spot (backlog freed, close code 4008);
its socket task closes the socket and the browser resumes from the journal
with ``after_seq``.

Only appointment events are sent (``appointment.*``): holds, catalogue,
staff and client events are not board cards, and a hold says nothing a
manager can act on (it expires in minutes and becomes an
``appointment.created`` if the client confirms).

Gap-free resume: ``subscribe`` is synchronous and records ``since``, the
last seq the hub has published; every event after it reaches the backlog.
``replay(after_seq, since)`` reads the journal for the events before it.
So replay + backlog = every event after ``after_seq`` exactly once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from actors.core.model import Appointment
from actors.runtime import Runtime
from actors.scheduler import Scheduler
from actors.streams import USERS, branch_id_of
from api.manager.waitlist import WAITLIST_FRAMES, waitlist_frame
from api.shapes import utc_iso
from storage.journal import Journal, Recorded

ACCOUNT_CHANGED = "user.updated"
APPOINTMENT_EVENTS = frozenset({
    "appointment.created", "appointment.status_changed",
    "appointment.rescheduled", "appointment.cancelled",
    "appointment.visit_confirmed", "appointment.feedback",  # «Приду» and a rating (SPEC §9.3)
})
# Close codes (WebSocket private range 4000–4999), documented in docs/realtime.md.
BAD_FRAME, UNAUTHORIZED, FORBIDDEN, TOO_SLOW = 4400, 4401, 4403, 4008
GOING_AWAY = 1001
REPLAY_CHUNK = 500

# appointment → SPEC's JSON shape (``api.shapes.appointment_json`` bound to the scheduler).
AppointmentView = Callable[[Appointment], dict[str, Any]]


@dataclass(slots=True)
class HubStats:
    published: int = 0  # frames built
    delivered: int = 0  # frames queued (one per subscriber)
    dropped: int = 0  # subscribers closed for falling behind


class Subscriber:
    """One socket's view of the hub: a bounded backlog of frames, and why it ended.

    Fed by the hub with ``offer`` (never waits), read by the socket's pump
    with ``next``. Lean on purpose, a thousand live in one process: a deque,
    one future while the pump waits, one future saying the hub dropped it.
    """

    __slots__ = ("branches", "login", "since", "ended", "close_code", "close_reason", "_frames", "_limit",
                 "_waiter")

    def __init__(self, branches: frozenset[str] | None, since: int, limit: int, login: str = "") -> None:
        self.branches = branches  # None: every branch
        self.login = login  # whose session this socket is: a change of that account closes it
        self.since = since  # every event after this seq reaches the backlog
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self.close_reason = ""
        self._frames: deque[str] = deque()
        self._limit = limit
        self._waiter: asyncio.Future[None] | None = None

    def sees(self, branch_id: str) -> bool:
        return self.branches is None or branch_id in self.branches

    @property
    def backlog(self) -> int:
        return len(self._frames)

    def offer(self, frame: str) -> bool:
        """Queue ``frame`` without waiting; False if the backlog is full."""
        if len(self._frames) >= self._limit:
            return False
        self._frames.append(frame)
        _settle(self._waiter)
        return True

    def end(self, code: int, reason: str) -> None:
        """Stop feeding this socket and free its backlog; the socket task closes it."""
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
        self._frames.clear()
        _settle(self.ended)
        _settle(self._waiter)

    async def next(self, timeout: float) -> str | None:
        """The next frame, or None if none came within ``timeout`` s (or the hub dropped us)."""
        if not self._frames and self.close_code is None:
            loop = asyncio.get_running_loop()
            waiter = self._waiter = loop.create_future()
            timer = loop.call_later(timeout, _settle, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self._waiter = None
        return self._frames.popleft() if self._frames else None


def event_frame(rec: Recorded, branch_id: str, appointment: dict[str, Any]) -> str:
    """The socket frame of an appointment event; a webhook's body is the same (api/webhooks/)."""
    return orjson.dumps({
        "type": rec.type, "seq": rec.seq, "branch_id": branch_id, "at": utc_iso(rec.at.timestamp()),
        "appointment": appointment,
    }).decode()


def _settle(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


class Hub:
    def __init__(self, journal: Journal, runtime: Runtime, scheduler: Scheduler, view: AppointmentView, *,
                 queue_max: int) -> None:
        self._journal = journal
        self._runtime = runtime
        self._scheduler = scheduler
        self._view = view
        self._queue_max = queue_max
        self.seq = 0  # the last journal position published
        self.stats = HubStats()
        self._everything: set[Subscriber] = set()
        self._by_branch: dict[str, set[Subscriber]] = {}
        self._sessions: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()  # set while no socket task is running
        self._idle.set()
        self._closing = False
        runtime.add_listener(self.on_commit)

    def start(self) -> None:
        """Called once the runtime has loaded: the hub starts where the journal was."""
        self.seq = max(self.seq, self._runtime.loaded_seq)
        self._closing = False

    # ------------------------------------------------------------ subscribers

    def subscribe(self, branches: frozenset[str] | None, login: str = "") -> Subscriber:
        """A new subscriber that receives every matching event after ``self.seq``."""
        sub = Subscriber(branches, self.seq, self._queue_max, login)
        if self._closing:
            sub.end(GOING_AWAY, "the server is restarting")
        elif branches is None:
            self._everything.add(sub)
        else:
            for branch_id in branches:
                self._by_branch.setdefault(branch_id, set()).add(sub)
        return sub

    @contextlib.contextmanager
    def session(self, branches: frozenset[str] | None, login: str = "") -> Iterator[Subscriber]:
        """Subscribe for the current (socket) task; ``shutdown`` waits for these tasks."""
        task = asyncio.current_task()
        sub = self.subscribe(branches, login)
        if task is not None:
            self._sessions.add(task)
            self._idle.clear()
        try:
            yield sub
        finally:
            self.unsubscribe(sub)
            if task is not None:
                self._sessions.discard(task)
            if not self._sessions:
                self._idle.set()

    @property
    def sessions(self) -> int:
        """Socket tasks still running (a dropped socket's task lives until it is closed)."""
        return len(self._sessions)

    async def wait_idle(self) -> None:
        """Until no socket task runs."""
        await self._idle.wait()

    def unsubscribe(self, sub: Subscriber) -> None:
        self._everything.discard(sub)
        for branch_id in sub.branches or ():
            subs = self._by_branch.get(branch_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_branch[branch_id]

    def drop(self, sub: Subscriber, code: int, reason: str) -> None:
        self.unsubscribe(sub)
        sub.end(code, reason)

    @property
    def subscribers(self) -> int:
        return len(self._everything | {s for subs in self._by_branch.values() for s in subs})

    def queued(self) -> int:
        """Frames waiting in all backlogs (bounded by subscribers × queue_max)."""
        subs = self._everything | {s for subs in self._by_branch.values() for s in subs}
        return sum(s.backlog for s in subs)

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Close every socket (1001) and wait for their tasks: Hypercorn would wait for them."""
        self._closing = True
        for sub in self._everything | {s for subs in self._by_branch.values() for s in subs}:
            self.drop(sub, GOING_AWAY, "the server is restarting")
        if self._sessions - {asyncio.current_task()}:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), timeout)

    # ------------------------------------------------------------ publishing

    def on_commit(self, records: Sequence[Recorded]) -> None:
        """The runtime's commit listener: must not block or raise."""
        for rec in records:
            branch_id = branch_id_of(rec.stream)
            if rec.type in APPOINTMENT_EVENTS and branch_id is not None:
                self._publish(rec, branch_id)
            elif rec.type in WAITLIST_FRAMES and branch_id is not None:  # the board's waitlist panel
                self._publish_waitlist(rec, branch_id)
            elif rec.type == ACCOUNT_CHANGED and rec.stream == USERS:
                self._sign_out(str(rec.data["login"]))
        if records:
            self.seq = max(self.seq, records[-1].seq)

    def _publish(self, rec: Recorded, branch_id: str) -> None:
        targets = [*self._everything, *self._by_branch.get(branch_id, ())]
        if not targets:
            return
        appt = self._scheduler.appointment_in(branch_id, rec.data["appointment_id"])
        if appt is None:
            return
        self._deliver(self._frame(rec, branch_id, appt), targets)

    def _publish_waitlist(self, rec: Recorded, branch_id: str) -> None:
        targets = [*self._everything, *self._by_branch.get(branch_id, ())]
        frame = self._waitlist_frame(rec, branch_id) if targets else None
        if frame is not None:
            self._deliver(frame, targets)

    def _deliver(self, frame: str, targets: list[Subscriber]) -> None:
        """One frame to each subscriber; one too far behind is dropped (it resumes with after_seq)."""
        self.stats.published += 1
        for sub in targets:
            if sub.offer(frame):
                self.stats.delivered += 1
            else:
                self.stats.dropped += 1
                self.drop(sub, TOO_SLOW, "too far behind; reconnect with after_seq")

    def _waitlist_frame(self, rec: Recorded, branch_id: str) -> str | None:
        frame = waitlist_frame(self._scheduler, rec.type, rec.seq, rec.at.timestamp(), branch_id,
                               str(rec.data["entry_id"]))
        return orjson.dumps(frame).decode() if frame is not None else None

    def _sign_out(self, login: str) -> None:
        """The account changed (password, role, branches, disabled): its sockets close with 4401."""
        for sub in self._everything | {s for subs in self._by_branch.values() for s in subs}:
            if sub.login == login:
                self.drop(sub, UNAUTHORIZED, "signed out: the account was changed; sign in again")

    def _frame(self, rec: Recorded, branch_id: str, appt: Appointment) -> str:
        return event_frame(rec, branch_id, self._view(appt))

    def ping(self) -> str:
        """A heartbeat frame; every event up to its ``seq`` has been sent before it."""
        return orjson.dumps({"type": "ping", "seq": self.seq}).decode()

    # ------------------------------------------------------------ replay

    async def replay(self, after_seq: int, upto: int, sees: Callable[[str], bool]) -> AsyncIterator[str]:
        """Frames of the appointment events with ``after_seq < seq <= upto``, from the journal.

        A replayed card is the appointment as committed now, which is at or
        after the event's own change; ``version`` orders cards (see
        docs/realtime.md).
        """
        chunk: list[Recorded] = []
        reader = self._journal.read_all(after_seq)
        async with contextlib.aclosing(reader):  # type: ignore[type-var]
            async for rec in reader:
                if rec.seq > upto:
                    break
                branch_id = branch_id_of(rec.stream)
                if rec.type in WAITLIST_FRAMES and branch_id is not None and sees(branch_id):
                    if chunk:  # (in seq order with the appointment frames around it)
                        for frame in await self._frames(chunk):
                            yield frame
                        chunk = []
                    waiting = self._waitlist_frame(rec, branch_id)
                    if waiting is not None:
                        yield waiting
                    continue
                if rec.type not in APPOINTMENT_EVENTS or branch_id is None or not sees(branch_id):
                    continue
                chunk.append(rec)
                if len(chunk) >= REPLAY_CHUNK:
                    for frame in await self._frames(chunk):
                        yield frame
                    chunk = []
        for frame in await self._frames(chunk):
            yield frame

    async def _frames(self, records: list[Recorded]) -> list[str]:
        out = []
        for rec in records:
            branch_id = branch_id_of(rec.stream)
            appt = self._scheduler.appointment_in(branch_id, rec.data["appointment_id"]) if branch_id else None
            if appt is not None and branch_id is not None:
                out.append(self._frame(rec, branch_id, appt))
        return out
