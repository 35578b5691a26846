"""What the notifier reads besides the events: branches, clients, the catalogue.

Two sources, one small protocol:

- ``RuntimeView`` — inside the server: the actors' live states, read without
  awaiting (a consistent view in asyncio), never written.
- ``JournalProjection`` — ``python run.py bot`` in its own process: the same
  states rebuilt from snapshot + journal with the core's own ``fold``, and
  kept current by folding each page of events the notifier reads.

Either may be a little ahead of the event being notified (never behind it
for what a notice needs: the event itself carries the new status or time).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from actors.branch_state import BranchState
from actors.catalogue_core import CatalogueState
from actors.clients_core import ClientsState
from actors.runtime import Runtime, load_states
from actors.snapshot import State
from actors.streams import BRANCH_PREFIX, CATALOGUE, CLIENTS, fold
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


class RuntimeView:
    """The server's own actors (in-process bot)."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def branch(self, branch_id: str) -> BranchState | None:
        actor = self._runtime.branches.get(branch_id)
        return actor.state if actor is not None else None

    def branches(self) -> Iterable[BranchState]:
        return [a.state for a in list(self._runtime.branches.values())]

    def clients(self) -> ClientsState:
        return self._runtime.clients.state

    def catalogue(self) -> CatalogueState:
        return self._runtime.catalogue.state

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
        state = self._states.get(BRANCH_PREFIX + branch_id)
        return state if isinstance(state, BranchState) else None

    def branches(self) -> Iterable[BranchState]:
        return [s for k, s in self._states.items() if k.startswith(BRANCH_PREFIX) and isinstance(s, BranchState)]

    def clients(self) -> ClientsState:
        state = self._states.get(CLIENTS)
        return state if isinstance(state, ClientsState) else ClientsState()

    def catalogue(self) -> CatalogueState:
        state = self._states.get(CATALOGUE)
        return state if isinstance(state, CatalogueState) else CatalogueState()
