"""The notifier: journal events after its own checkpoint → messages to clients; reminders.

One task reads the journal from its durable position (``bot/ledger.py``) in
pages, in ``seq`` order. The journal's commit listener only *wakes* it (a
hint: ``Event.set``, never blocking the writer or an actor); a poll every
``poll_s`` covers commits made by other processes. For each event that
warrants a message (``bot/notices.py``) it sends (``bot/sender.py``: retries,
``retry_after``) and then journals the mark, before reading on: at least once,
in order, and after a crash only the message in flight can repeat.
Reminders (``bot/reminders.py``) are computed from state every
``reminder_every_s`` on the injected clock, and marked the same way; so is
«Как прошёл визит?» ``feedback_delay_h`` after a visit is done.

With several server processes on one PostgreSQL, only the elected leader
(``storage/leader.py``) runs this loop: each term starts from the ledger as
journaled (so it resumes exactly where the previous leader's marks end) and
is cancelled when the term ends. A mark whose append found another
notifier's marks first (the ledger's expected version) means a second sender
is or was running — a former leader that had not noticed its term was over:
this one re-reads the ledger and goes on after the other's marks, so the
overlap costs at most the message in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol

from actors.core.clock import Clock
from actors.streams import NOTIFIER
from bot import texts
from bot.ledger import Ledger
from bot.notices import Notice, notice_for
from bot.reminders import due_feedback, due_reminders
from bot.state_view import StateView
from storage.journal import Journal, JournalError, Recorded
from storage.leader import Leadership, run_while_leader

log = logging.getLogger(__name__)

class Fenced(Exception):
    """A mark found the ledger advanced by another notifier (a former or second leader)."""


class Deliverer(Protocol):
    async def send(self, notice: Notice) -> str:
        """``"sent"`` or ``"refused: …"``; retries everything else until cancelled (``bot/sender.py``)."""


class Notifier:
    def __init__(self, journal: Journal, view: StateView, sender: Deliverer, clock: Clock, *,
                 reminders_before_h: Sequence[int] = (24, 2), poll_s: float = 5.0,
                 reminder_every_s: float = 60.0, checkpoint_every: int = 1000, page: int = 200,
                 leadership: Leadership | None = None, feedback_delay_h: float = 2.0) -> None:
        self._journal = journal
        self.leadership = leadership  # None: always run (a bot alone, tests)
        self.view = view
        self.sender = sender
        self._clock = clock
        self.ledger = Ledger(journal, clock)
        self.reminders_before_h = tuple(reminders_before_h)
        self.feedback_delay_h = feedback_delay_h
        self.poll_s = poll_s
        self.reminder_every_s = reminder_every_s
        self.checkpoint_every = checkpoint_every
        self.page = page
        self.read_pos = 0  # last seq read (any stream)
        self.handled = 0  # last seq of another stream fully handled
        self.delivered = 0
        self._last_scan = -math.inf
        self._force_scan = False
        self._wake = asyncio.Event()
        self._rounds = asyncio.Condition()
        self._started = 0
        self._finished = 0
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._journal.add_listener(self._on_commit)
        self._task = asyncio.create_task(self._lead(), name="zapis-notifier")

    async def stop(self) -> None:
        """Cancel (a message in flight is sent again after the restart), then checkpoint."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        leading = self.leadership is None or self.leadership.is_leader
        if leading and self.handled > self.ledger.upto and self.ledger.version > 0:
            try:
                await asyncio.wait_for(self.ledger.checkpoint(self.handled), 5)
            except (TimeoutError, JournalError):
                log.warning("notifier: final checkpoint not saved; events after %d are re-read", self.ledger.upto)

    def _on_commit(self, records: Sequence[Recorded]) -> None:
        self._wake.set()

    def wake(self, *, reminders: bool = False) -> None:
        self._force_scan = self._force_scan or reminders
        self._wake.set()

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait for a whole round that began after this call (tests): events read, reminders due sent."""
        async with self._rounds:
            target = self._started + 1
            self.wake(reminders=True)
            await asyncio.wait_for(self._rounds.wait_for(lambda: self._finished >= target), timeout)

    # ------------------------------------------------------------ the loop

    async def _lead(self) -> None:
        if self.leadership is None:
            await self._run()
        else:
            await run_while_leader(self.leadership, self._run, "notifier")

    async def _run(self) -> None:
        await self._retry(self.view.start, "load the state")
        await self._retry(self.ledger.load, "load the ledger")
        self.read_pos = self.handled = self.ledger.upto
        log.info("notifier: resuming after seq %d", self.read_pos)
        while True:
            self._wake.clear()
            async with self._rounds:
                self._started += 1
            await self._round()
            async with self._rounds:
                self._finished += 1
                self._rounds.notify_all()
            # (``asyncio.timeout``, not ``wait_for``: on 3.11 ``wait_for`` can swallow a cancel
            # that races with the wake-up, and stop() would wait forever)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._wake.wait()

    async def _round(self) -> None:
        """Send what the events and reminders due call for; never raises (the loop retries)."""
        try:
            await self._drain()
            await self._remind()
            if self.handled - self.ledger.upto >= self.checkpoint_every:
                await self.ledger.checkpoint(self.handled)
        except Fenced:
            log.warning("notifier: another notifier marked messages meanwhile; resuming after its marks")
            self.read_pos = self.handled = self.ledger.upto
        except JournalError as err:
            log.warning("notifier: journal unavailable (%s); will retry", err)
        except Exception:
            log.exception("notifier round failed; will retry")

    async def _retry(self, step: Callable[[], Awaitable[None]], what: str) -> None:
        delay = 0.5
        while True:
            try:
                await step()
                return
            except JournalError as err:
                log.warning("notifier: cannot %s (%s); retrying in %.1f s", what, err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    async def _drain(self) -> None:
        while True:
            page = [rec async for rec in self._journal.read_all(self.read_pos, limit=self.page)]
            if not page:
                return
            self.view.apply(page)
            for rec in page:
                if rec.stream != NOTIFIER:
                    notice = self._notice(rec)
                    if notice is not None:
                        outcome = await self.sender.send(notice)
                        async with self._fence():
                            await self.ledger.sent(rec.seq, notice.kind, notice.chat_id, outcome)
                        self.delivered += 1
                    self.handled = rec.seq
                self.read_pos = rec.seq

    @contextlib.asynccontextmanager
    async def _fence(self) -> AsyncIterator[None]:
        """Around one mark: ``Fenced`` if the ledger had marks by someone else (it re-read them)."""
        before = self.ledger.version
        yield
        if self.ledger.version != before + 1:
            self.delivered += 1
            raise Fenced(before, self.ledger.version)

    def _notice(self, rec: Recorded) -> Notice | None:
        try:
            texts.NOW.set(self._clock.now())  # «сегодня», «завтра» in what the notice says
            return notice_for(rec, self.view)
        except Exception:
            log.exception("notifier: cannot render event %d (%s); skipped", rec.seq, rec.type)
            return None

    async def _remind(self) -> None:
        now = self._clock.now()
        if not self._force_scan and now - self._last_scan < self.reminder_every_s:
            return
        self._force_scan = False
        self._last_scan = now
        texts.NOW.set(now)
        due_now = due_reminders(self.view, now, self.reminders_before_h, self.ledger.reminded)
        due_now += due_feedback(self.view, now, self.feedback_delay_h, self.ledger.reminded)
        for due in due_now:
            outcome = await self.sender.send(due.notice)
            async with self._fence():
                await self.ledger.remind(due.key, due.appointment_id, due.hours, due.start, due.notice.chat_id,
                                         outcome)
            self.delivered += 1
