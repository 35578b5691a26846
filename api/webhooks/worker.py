"""The webhook delivery worker: journal events after each endpoint's own position → signed POSTs.

One task per endpoint (``Endpoint``), each reading the journal from its
durable position (``storage/webhook_store.py``) in pages, strictly in
``seq`` order, and delivering what its endpoint wants one event at a time:
POST (``sender.py``), and on anything but a 2xx, again after an exponential
backoff with jitter, until a 2xx or until ``give_up_after_s`` (24 h) since
the first attempt — then the event is recorded as given up and the queue
moves on. Each attempt is recorded and the one that ends an event moves the
position, in the same transaction — written by a writer task beside the
queue, so the next POST does not wait for the disk (many attempts per
transaction when they come fast; at most ``MAX_UNSAVED`` waiting). So: at least once, in order per
endpoint, and a restart resumes after the last event saved as ended (the
attempt count and the 24 h go on from the records; events ended but not yet
saved at a crash are sent again).

Endpoints are independent: a failing event blocks only its own endpoint,
and a receiver that hangs costs its own task ``timeout_s`` per attempt. The
journal's commit listener only *wakes* the tasks; nothing here is awaited by
an actor, the board's sockets or the bot. Memory is bounded: a page of
records per endpoint (the bodies are built one at a time).

A body is the realtime socket frame of the event (``api.manager.hub.event_frame``)
with the appointment as committed when it is sent (as a socket's replay
does). Only events this process's committed state already holds are read
(``upto``), so a frame never misses an appointment another process just
booked. The supervisor (``Deliveries``) follows the ``webhooks`` stream:
it starts a task for each registration and cancels it when the
registration is deleted. With several processes it runs in the elected
leader only (``storage/leader.py``); a new term starts from the positions
as stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import orjson

from actors.core.clock import Clock
from actors.core.webhooks import Webhook, WebhookTestRequested
from actors.streams import WEBHOOKS, branch_id_of
from actors.webhooks import Webhooks
from api.shapes import utc_iso
from api.webhooks.sender import Answer, Sender, backoff_s
from storage.journal import Journal, JournalError, Recorded
from storage.leader import Leadership, run_while_leader
from storage.webhook_store import DELIVERED, FAILED, GAVE_UP, Attempt, WebhookStore

log = logging.getLogger(__name__)
T = TypeVar("T")
TEST_EVENT = "webhook.test"
MAX_UNSAVED = 1000  # attempts an endpoint may have made and not saved yet (the database is slow or away)

# rec → the frame's JSON for an appointment event of that branch (None: nothing to send).
AppointmentFrame = Callable[[Recorded, str], str | None]


@dataclass(frozen=True, slots=True)
class Policy:
    timeout_s: float = 10.0  # one attempt, start to end
    backoff_s: float = 1.0  # the first retry's delay (doubling, with jitter)
    backoff_max_s: float = 3600.0
    give_up_after_s: float = 86400.0  # since the first attempt of an event
    allow_private: bool = False  # ZAPIS_WEBHOOK_ALLOW_PRIVATE
    page: int = 200
    poll_s: float = 2.0  # other processes' commits and registrations


@dataclass(slots=True)
class Stats:
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0


def test_frame(rec: Recorded) -> str:
    return orjson.dumps({"type": TEST_EVENT, "seq": rec.seq, "at": utc_iso(rec.at.timestamp()),
                         "webhook_id": rec.data["webhook_id"]}).decode()


async def _retrying(step: Callable[[], Awaitable[T]], what: str, *, max_delay_s: float = 30.0) -> T:
    """Until the database answers (cancellable)."""
    delay = 0.2
    while True:
        try:
            return await step()
        except JournalError as err:
            log.warning("webhooks: cannot %s (%s); retrying in %.1f s", what, err, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay_s)


class Endpoint:
    """One endpoint's ordered queue, read from the journal."""

    def __init__(self, hook: Webhook, position: int, journal: Journal, store: WebhookStore,
                 frame: AppointmentFrame, upto: Callable[[], int], clock: Clock, policy: Policy,
                 stats: Stats) -> None:
        self.hook = hook
        self.position = position  # every event up to here is ended (delivered, given up or not wanted)
        self._journal, self._store, self._frame, self._upto = journal, store, frame, upto
        self._clock, self._policy, self._stats = clock, policy, stats
        self.wake = asyncio.Event()
        self._sender = Sender(hook.url, hook.secret, timeout_s=policy.timeout_s,
                              allow_private=policy.allow_private)
        # Attempts and positions not saved yet, written in order by ``_writer`` (bounded).
        self._unsaved: list[Attempt] = []
        self._unsaved_position: int | None = None
        self._dirty = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._writing = False

    @property
    def saved(self) -> bool:
        """Nothing waits to be written (tests, the bench)."""
        return not self._unsaved and self._unsaved_position is None and not self._writing

    async def run(self) -> None:
        writer = asyncio.create_task(self._writer(), name=f"zapis-webhook-{self.hook.id}-writer")
        try:
            await self._loop()
        finally:
            try:  # a clean stop saves what it has (a crash would send those events again)
                async with asyncio.timeout(2.0):
                    while not self.saved and not writer.done():
                        self._dirty.set()
                        await asyncio.sleep(0.01)
            except (TimeoutError, asyncio.CancelledError):
                pass
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
            await self._sender.close()

    async def _note(self, attempt: Attempt | None, position: int | None) -> None:
        """Queue an attempt and/or a new position for the writer; waits while too much is unsaved."""
        if len(self._unsaved) >= MAX_UNSAVED:
            self._drained.clear()
            await self._drained.wait()
        if attempt is not None:
            self._unsaved.append(attempt)
        if position is not None:
            self._unsaved_position = max(self._unsaved_position or 0, position)
        self._dirty.set()

    async def _writer(self) -> None:
        """Save what ``_note`` queued, in order, many at a time: the next POST need not wait for it."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            attempts, position = self._unsaved, self._unsaved_position
            self._unsaved, self._unsaved_position = [], None
            if not attempts and position is None:
                continue
            self._writing = True
            try:
                await _retrying(lambda: self._store.save(self.hook.id, attempts, position), "record attempts")
            finally:
                self._writing = False
            self._drained.set()

    async def _loop(self) -> None:
        saved = self.position
        check_previous = True  # the first event after a (re)start may have attempts already
        while True:
            self.wake.clear()
            upto = self._upto()
            page: list[Recorded] = []
            if upto > self.position:
                page = await _retrying(self._read, "read the journal")
            for rec in page:
                if rec.seq > upto:
                    break
                body = self._body(rec)
                if body is not None:
                    await self._deliver(rec, body.encode(), check_previous)
                    check_previous, saved = False, rec.seq
                self.position = rec.seq
            if self.position > saved:  # events it did not want: remember them too
                await self._note(None, self.position)
                saved = self.position
            if not page:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._policy.poll_s):
                        await self.wake.wait()

    async def _read(self) -> list[Recorded]:
        return [rec async for rec in self._journal.read_all(self.position, limit=self._policy.page)]

    def _body(self, rec: Recorded) -> str | None:
        if rec.stream == WEBHOOKS:
            if rec.type == WebhookTestRequested.TYPE and rec.data.get("webhook_id") == self.hook.id:
                return test_frame(rec)
            return None
        branch_id = branch_id_of(rec.stream)
        if branch_id is None or not self.hook.wants(rec.type, branch_id):
            return None
        try:
            return self._frame(rec, branch_id)
        except Exception:  # noqa: BLE001 - one unrenderable event must not stop the queue
            log.exception("webhooks: cannot build the frame of event %d (%s); skipped", rec.seq, rec.type)
            return None

    async def _deliver(self, rec: Recorded, body: bytes, check_previous: bool) -> None:
        """POST until a 2xx or the give-up time; every attempt recorded."""
        event = TEST_EVENT if rec.stream == WEBHOOKS else rec.type
        attempt, first_at = 0, None
        if check_previous:
            earlier = await _retrying(lambda: self._store.attempts(self.hook.id, limit=1, seq=rec.seq),
                                      "read earlier attempts")
            if earlier:
                attempt, first_at = earlier[0].attempt, earlier[0].first_at
        while True:
            attempt += 1
            at = self._clock.now()
            first_at = at if first_at is None else first_at
            answer: Answer = await self._sender.post(event, rec.seq, body)
            gave_up = not answer.ok and self._clock.now() - first_at >= self._policy.give_up_after_s
            outcome = DELIVERED if answer.ok else GAVE_UP if gave_up else FAILED
            record = Attempt(self.hook.id, rec.seq, event, attempt, answer.status, answer.error,
                             answer.duration_ms, at, first_at, outcome)
            await self._note(record, rec.seq if answer.ok or gave_up else None)
            if answer.ok:
                self._stats.delivered += 1
                return
            if gave_up:
                self._stats.gave_up += 1
                log.warning("webhooks: gave up on event %d for %s after %d attempts (%s)",
                            rec.seq, self.hook.id, attempt, answer.error)
                return
            self._stats.failed += 1
            await asyncio.sleep(backoff_s(attempt, self._policy.backoff_s, self._policy.backoff_max_s))


class Deliveries:
    """The supervisor: one ``Endpoint`` task per registration, in the leader process only."""

    def __init__(self, journal: Journal, webhooks: Webhooks, store: WebhookStore, frame: AppointmentFrame,
                 upto: Callable[[], int], clock: Clock, policy: Policy, *,
                 leadership: Leadership | None = None) -> None:
        self._journal, self._webhooks, self._store, self._frame = journal, webhooks, store, frame
        self._upto, self._clock, self.policy = upto, clock, policy
        self.leadership = leadership  # None: always run
        self.stats = Stats()
        self.endpoints: dict[str, tuple[Endpoint, asyncio.Task[None]]] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.seen_version = 0  # the registrations' version the endpoints were last set up for

    def on_commit(self, records: Sequence[Recorded]) -> None:
        """The runtime's commit listener (after the committed states hold ``records``): wake, never wait."""
        for endpoint, _ in self.endpoints.values():
            endpoint.wake.set()
        if any(rec.stream == WEBHOOKS for rec in records):
            self._changed.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._lead(), name="zapis-webhooks")

    async def stop(self) -> None:
        """Cancel: an attempt in flight is made again after the restart (at least once)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _lead(self) -> None:
        if self.leadership is None:
            await self._run()
        else:
            await run_while_leader(self.leadership, self._run, "webhooks")

    async def _run(self) -> None:
        await _retrying(self._store.open, "open the delivery store")
        positions = await _retrying(self._store.positions, "read the positions")
        try:
            while True:
                self._changed.clear()
                state = await _retrying(self._webhooks.state, "read the registrations")
                for webhook_id in [w for w in self.endpoints if w not in state.hooks]:
                    _, task = self.endpoints.pop(webhook_id)
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
                    positions.setdefault(webhook_id, 0)
                for webhook_id in [w for w in positions if w in state.deleted]:  # a deleted one's rows go too
                    with contextlib.suppress(JournalError):
                        await self._store.forget(webhook_id)
                        del positions[webhook_id]
                for webhook_id, hook in state.hooks.items():
                    if webhook_id not in self.endpoints:
                        position = max(positions.get(webhook_id, 0), hook.created_seq)
                        self._begin(hook, position)
                self.seen_version = state.version
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.policy.poll_s):
                        await self._changed.wait()
        finally:
            tasks = [task for _, task in self.endpoints.values()]
            self.endpoints.clear()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _begin(self, hook: Webhook, position: int) -> None:
        endpoint = Endpoint(hook, position, self._journal, self._store, self._frame, self._upto, self._clock,
                            self.policy, self.stats)
        task = asyncio.create_task(self._keep(endpoint), name=f"zapis-webhook-{hook.id}")
        self.endpoints[hook.id] = (endpoint, task)

    async def _keep(self, endpoint: Endpoint) -> None:
        """Run an endpoint's queue; a bug in it restarts it from its stored position, not the others."""
        while True:
            try:
                await endpoint.run()
            except Exception:  # noqa: BLE001
                log.exception("webhooks: the queue of %s failed; restarting it", endpoint.hook.id)
                await asyncio.sleep(1.0)
                positions = await _retrying(self._store.positions, "read the positions")
                endpoint = Endpoint(endpoint.hook, max(positions.get(endpoint.hook.id, 0), endpoint.hook.created_seq),
                                    self._journal, self._store, self._frame, self._upto, self._clock, self.policy,
                                    self.stats)
                self.endpoints[endpoint.hook.id] = (endpoint, self.endpoints[endpoint.hook.id][1])

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every endpoint has ended every event committed so far (tests, the bench)."""
        async with asyncio.timeout(timeout):
            while True:
                upto = self._upto()
                state = await self._webhooks.state()
                if self.seen_version >= state.version and all(
                        w in self.endpoints and self.endpoints[w][0].position >= upto and self.endpoints[w][0].saved
                        for w in state.hooks):
                    return
                for endpoint, _ in self.endpoints.values():
                    endpoint.wake.set()
                self._changed.set()
                await asyncio.sleep(0.01)
