"""Sends ``CheckWaitlist`` to a branch when time alone changes its waitlist.

Holds expire without an event (SPEC §2: a hold is simply not live after
``expires_at``). For the waitlist that moment matters: an offer that runs
out passes to the next entry, and a client's hold that runs out while
someone waits is freed time. So the branch decides it in its mailbox like
any command — ``check`` in ``actors/core/waitlist.py`` journals what it
finds (``waitlist.declined``, ``hold.expired``, ``waitlist.ended``) and the
offers that follow — and replay folds the same events: nothing depends on
when this timer happened to wake.

The timer wakes at the earliest due moment among the branches (read from
committed state), at least every ``poll_s`` (a clock a test moves by hand,
or a commit of another process), and on ``poke``. Every process runs one:
with several, both may ask, and the branch stream's optimistic concurrency
lets one decide; the other finds nothing left to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from actors.core.clock import Clock
from actors.core.errors import DomainError
from actors.waitlist_app import Waitlists
from storage.journal import JournalError, Recorded

log = logging.getLogger(__name__)


class WaitlistTimer:
    def __init__(self, waitlists: Waitlists, clock: Clock, *, poll_s: float = 1.0) -> None:
        self._waitlists = waitlists
        self._clock = clock
        self.poll_s = poll_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.checks = 0  # CheckWaitlist commands sent

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="zapis-waitlist-timer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def poke(self) -> None:
        """Look again now (tests after moving a manual clock; a commit)."""
        self._wake.set()

    def on_commit(self, records: Sequence[Recorded]) -> None:
        if any(rec.type.startswith(("waitlist.", "hold.")) for rec in records):
            self._wake.set()  # a new offer or hold may be due sooner than the timer thought

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            now = self._clock.now()
            soonest = self.poll_s
            for branch_id, when in self._waitlists.due():
                if when <= now:
                    await self._check(branch_id)
                    soonest = 0.0  # look again at once: the check may have made more due
                else:
                    soonest = min(soonest, when - now)
            if soonest > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(soonest):
                        await self._wake.wait()

    async def _check(self, branch_id: str) -> None:
        try:
            await self._waitlists.check(branch_id)
            self.checks += 1
        except (DomainError, JournalError) as err:  # a closed branch, a database away: next round
            log.warning("waitlist check of %s failed: %s", branch_id, err)
            await asyncio.sleep(min(self.poll_s, 1.0))
        except Exception:  # noqa: BLE001 - the timer must go on
            log.exception("waitlist check of %s failed", branch_id)
            await asyncio.sleep(min(self.poll_s, 1.0))
