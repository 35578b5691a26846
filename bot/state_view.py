"""What the notifier reads besides the events: branches, clients, the catalogue.

Two sources, one small protocol:

- ``CommittedView`` — inside the server: the actors' committed states through
  the application layer, read without awaiting, never written.
- ``JournalProjection`` — ``python run.py bot`` in its own process: the same
  states rebuilt from snapshot + journal with the core's own ``fold``, and
  kept current by folding each page of events the notifier reads.

Either may be a little ahead of the event being notified (never behind it
for what a notice needs: the event itself carries the new status or time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from actors.core.branch_state import BranchState
from actors.core.catalogue import CatalogueState
from actors.core.clients import ClientsState
from actors.runtime import load_states
from actors.scheduler import Scheduler
from actors.snapshot import State
from actors.streams import CATALOGUE, CLIENTS, branch_id_of, branch_stream, fold
from storage.journal import Journal, Recorded


class StateView(Protocol):
    def branch(self, branch_id: str) -> BranchState | None: ...

    def branches(self) -> Iterable[BranchState]: ...

    def clients(self) -> ClientsState: ...

    def catalogue(self) -> CatalogueState: ...

    async def start(self) -> None:
        """Load whatever the view needs before the first event."""

    def apply(self, records: Sequence[Recorded]) -> None:
        """Events the notifier read, in seq order (a projection folds them)."""


class CommittedView:
    """The server's own committed states (in-process bot)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    def branch(self, branch_id: str) -> BranchState | None:
        return self._scheduler.committed_branch(branch_id)

    def branches(self) -> Iterable[BranchState]:
        return self._scheduler.committed_branches()

    def clients(self) -> ClientsState:
        return self._scheduler.committed_clients()

    def catalogue(self) -> CatalogueState:
        return self._scheduler.committed_catalogue()

    async def start(self) -> None:
        return None

    def apply(self, records: Sequence[Recorded]) -> None:
        return None


class JournalProjection:
    """States folded from the journal (a bot in its own process)."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._states: dict[str, State] = {}

    async def start(self) -> None:
        self._states, _ = await load_states(self._journal)

    def apply(self, records: Sequence[Recorded]) -> None:
        fold(records, self._states)  # skips what a state already has (by version)

    def branch(self, branch_id: str) -> BranchState | None:
        state = self._states.get(branch_stream(branch_id))
        return state if isinstance(state, BranchState) else None

    def branches(self) -> Iterable[BranchState]:
        return [s for k, s in self._states.items() if branch_id_of(k) is not None and isinstance(s, BranchState)]

    def clients(self) -> ClientsState:
        state = self._states.get(CLIENTS)
        return state if isinstance(state, ClientsState) else ClientsState()

    def catalogue(self) -> CatalogueState:
        state = self._states.get(CATALOGUE)
        return state if isinstance(state, CatalogueState) else CatalogueState()
