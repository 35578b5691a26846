"""Which state and which ``evolve`` belong to a stream name, and folding records.

Streams: ``branch:<id>`` (one per branch), ``catalogue`` (services),
``clients`` (client identity), ``users`` (manager accounts). Side streams
(``notifier``: the bot's delivery checkpoints, ``bot/ledger.py``; ``webhooks``:
webhook registrations, ``actors/webhooks.py``) are journaled by adapters and
application services, not actor state: ``fold`` skips them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from actors.core.branch_state import BranchState, evolve
from actors.core.catalogue import CatalogueState, evolve_catalogue
from actors.core.users import UsersState, evolve_users
from actors.core.clients import ClientsState, evolve_clients
from actors.core.messages import Event, event_from
from actors.snapshot import State
from storage.journal import Recorded

CATALOGUE, CLIENTS, USERS = "catalogue", "clients", "users"
BRANCH_PREFIX = "branch:"
NOTIFIER = "notifier"
WEBHOOKS = "webhooks"  # webhook registrations (actors/core/webhooks.py), folded where they are read
SIDE_STREAMS = frozenset({NOTIFIER, WEBHOOKS})


def branch_stream(branch_id: str) -> str:
    return BRANCH_PREFIX + branch_id


def branch_id_of(stream: str) -> str | None:
    """``branch:<id>`` → ``<id>``; None for any other stream."""
    return stream[len(BRANCH_PREFIX):] if stream.startswith(BRANCH_PREFIX) else None


def fresh(stream: str) -> State:
    if stream.startswith(BRANCH_PREFIX):
        return BranchState()
    if stream == CLIENTS:
        return ClientsState()
    if stream == CATALOGUE:
        return CatalogueState()
    if stream == USERS:
        return UsersState()
    raise ValueError(f"unknown stream {stream!r}")


def evolver(stream: str) -> Callable[[Any, Event], Any]:
    if stream.startswith(BRANCH_PREFIX):
        return evolve
    evolvers: dict[str, Callable[[Any, Event], Any]] = {
        CLIENTS: evolve_clients, CATALOGUE: evolve_catalogue, USERS: evolve_users}
    return evolvers[stream]


def fold(records: Iterable[Recorded], states: dict[str, State] | None = None) -> dict[str, State]:
    """Apply ``records`` (in seq order) to ``states``, skipping events a state already has."""
    states = {} if states is None else states
    evolvers: dict[str, Callable[[Any, Event], Any]] = {}
    for rec in records:
        if rec.stream in SIDE_STREAMS:
            continue
        state = states.get(rec.stream)
        if state is None:
            state = states[rec.stream] = fresh(rec.stream)
        if rec.version <= state.version:
            continue  # already in the snapshot
        fn = evolvers.get(rec.stream)
        if fn is None:
            fn = evolvers[rec.stream] = evolver(rec.stream)
        fn(state, event_from(rec.type, rec.data))
    return states
