"""The waitlist's use cases in the application layer (``Scheduler.waitlist``; SPEC §9.3).

Joining checks what spans streams (the services are offered in the branch,
from the catalogue) and hands the branch actor one ``JoinWaitlist``; the
branch decides everything else, offers included (``actors/core/waitlist.py``).
Reads are of committed state only.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from actors.core.branch_state import BranchState
from actors.core.catalogue import CatalogueState
from actors.core.clock import Clock
from actors.core.errors import NotFound
from actors.core.messages import CheckWaitlist, JoinWaitlist, LeaveWaitlist
from actors.core.model import Service
from actors.core.schedule import check_range
from actors.core.waitlist import next_due
from actors.core.waitlist_entries import WaitEntry
from actors.runtime import Runtime

MAX_WAIT_DAYS = 31  # one entry spans at most this many local days
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Waiting:
    """An entry with where it is: its branch and that branch's zone."""

    branch_id: str
    timezone: str
    entry: WaitEntry


@dataclass(frozen=True, slots=True)
class Wish:
    """What a client waits for (``POST /waitlist``), parsed."""

    branch_id: str
    service_ids: tuple[str, ...]
    date_from: date
    date_to: date
    staff_id: str | None = None
    time_from: int | None = None  # local minutes
    time_to: int | None = None


class Waitlists:
    def __init__(self, runtime: Runtime, clock: Clock, *, offer_ttl_s: int,
                 catalogue: Callable[[], CatalogueState]) -> None:
        self._runtime = runtime
        self._clock = clock
        self.offer_ttl_s = offer_ttl_s
        self._catalogue = catalogue

    def _state(self, branch_id: str) -> BranchState:
        return self._runtime.branch(branch_id).committed

    def _services(self, branch_id: str, service_ids: Sequence[str]) -> tuple[Service, ...]:
        services = []
        for sid in service_ids:
            svc = self._catalogue().services.get(sid)
            if svc is None or not svc.active or branch_id not in svc.branch_ids:
                raise NotFound("service.not_in_branch")
            services.append(svc)
        return tuple(services)

    # ------------------------------------------------------------ commands

    async def _caught_up(self, step: Callable[[], Awaitable[T]]) -> T:
        """``step()``, once more after a catch-up when it meets an unknown id and another process
        may have made it a moment ago (as ``Scheduler``'s ``known_after_catch_up``)."""
        try:
            return await step()
        except NotFound:
            if self._runtime.follower is None:
                raise
        await self._runtime.catch_up()
        return await step()

    async def join(self, client_id: str, wish: Wish) -> Waiting:
        """A new entry (404 for an unknown branch, service or master; 400 when nobody could ever do it)."""
        check_range(wish.date_from, wish.date_to, MAX_WAIT_DAYS)
        return await self._caught_up(lambda: self._join(client_id, wish))

    async def _join(self, client_id: str, wish: Wish) -> Waiting:
        actor = self._runtime.branch(wish.branch_id)
        services = self._services(wish.branch_id, wish.service_ids)
        entry = await actor.request(JoinWaitlist(
            self._runtime.new_id(), client_id, services, wish.date_from.isoformat(), wish.date_to.isoformat(),
            wish.staff_id, wish.time_from, wish.time_to, self.offer_ttl_s), WaitEntry, f"client:{client_id}")
        return self._waiting(wish.branch_id, entry)

    async def leave(self, client_id: str, entry_id: str) -> None:
        """The client's entry ends (an offer it holds passes on); 404 if it is not theirs."""
        await self._caught_up(lambda: self._leave(client_id, entry_id))

    async def _leave(self, client_id: str, entry_id: str) -> None:
        for branch_id, actor in list(self._runtime.branches.items()):
            if entry_id in actor.committed.waitlist:
                await actor.ask(LeaveWaitlist(entry_id, client_id), f"client:{client_id}")
                return
        raise NotFound("waitlist.not_found")

    async def check(self, branch_id: str) -> None:
        """Let time act in one branch (offers run out, entries end, expired holds are offered)."""
        await self._runtime.branch(branch_id, include_closed=True).ask(CheckWaitlist(), "system")

    # ------------------------------------------------------------ queries

    def _waiting(self, branch_id: str, entry: WaitEntry) -> Waiting:
        branch = self._state(branch_id).branch
        return Waiting(branch_id, branch.timezone if branch else "UTC", entry)

    def of_client(self, client_id: str) -> list[Waiting]:
        """The client's entries in every branch, newest first."""
        out = []
        for branch_id, actor in list(self._runtime.branches.items()):
            state = actor.committed
            tz = state.branch.timezone if state.branch else "UTC"
            out += [Waiting(branch_id, tz, e) for e in state.waitlist.values() if e.client_id == client_id]
        out.sort(key=lambda w: (w.entry.created_at, w.entry.id), reverse=True)
        return out

    def of_branch(self, branch_id: str, day: date | None = None) -> list[Waiting]:
        """A branch's waiting and offered entries in join order (``day``: those that include it)."""
        state = self._state(branch_id)
        tz = state.branch.timezone if state.branch else "UTC"
        iso = day.isoformat() if day else None
        return [Waiting(branch_id, tz, e) for e in state.waitlist.values()
                if e.active and (iso is None or e.date_from <= iso <= e.date_to)]

    def entry(self, branch_id: str, entry_id: str) -> Waiting | None:
        """One entry as committed (None if the branch or the entry is unknown here)."""
        actor = self._runtime.branches.get(branch_id)
        entry = actor.committed.waitlist.get(entry_id) if actor is not None else None
        if actor is None or entry is None:
            return None
        branch = actor.committed.branch
        return Waiting(branch_id, branch.timezone if branch else "UTC", entry)

    def due(self) -> list[tuple[str, float]]:
        """(branch, when its next check is due) for every branch with something coming."""
        out = []
        for branch_id, actor in list(self._runtime.branches.items()):
            when = next_due(actor.committed)
            if when < math.inf:
                out.append((branch_id, when))
        return out
