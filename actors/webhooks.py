"""Webhook registrations, the application service (SPEC §9.4): read and change the ``webhooks`` stream.

The stream is small (a registration, a deletion, a test request each) and
any process may change it, so every read folds it from the journal — the
events after the version this process last folded, cached — and every
change decides against the stream as read and appends expecting that
version; a concurrent change by another process (``ConcurrencyConflict``)
is retried against the newer stream. The journaled events are the answer's
truth: a registration exists once its event is durable.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from typing import TypeVar

from actors.core.clock import Clock, utc
from actors.core.ids import new_id
from actors.core.webhooks import (
    Webhook,
    WebhookEvent,
    WebhooksState,
    create_webhook,
    delete_webhook,
    evolve_webhooks,
    request_test,
    webhook_event_data,
    webhook_event_from,
)
from actors.streams import WEBHOOKS
from storage.journal import ConcurrencyConflict, Journal, NewEvent, Recorded

T = TypeVar("T")
CONFLICT_RETRIES = 5


def fold_webhooks(records: list[Recorded], state: WebhooksState | None = None) -> WebhooksState:
    """Apply records of the ``webhooks`` stream (in order) to ``state``."""
    state = state or WebhooksState()
    for rec in records:
        if rec.version > state.version:
            evolve_webhooks(state, webhook_event_from(rec.type, rec.data), rec.seq, rec.actor)
    return state


def new_secret() -> str:
    """A signing key: 32 random bytes, URL-safe (43 characters)."""
    return "whsec_" + secrets.token_urlsafe(32)


class Webhooks:
    def __init__(self, journal: Journal, clock: Clock, known_types: frozenset[str]) -> None:
        self._journal = journal
        self._clock = clock
        self.known_types = known_types
        self._state = WebhooksState()
        self._lock = asyncio.Lock()

    async def state(self) -> WebhooksState:
        """The registrations as journaled now (a copy: callers may keep it)."""
        async with self._lock:
            records = await self._journal.read_stream(WEBHOOKS, self._state.version + 1)
            fold_webhooks(records, self._state)
            return WebhooksState(self._state.version, dict(self._state.hooks), set(self._state.deleted))

    async def all(self) -> list[Webhook]:
        return sorted((await self.state()).hooks.values(), key=lambda h: (h.created_seq, h.id))

    async def get(self, webhook_id: str) -> Webhook | None:
        return (await self.state()).hooks.get(webhook_id)

    async def create(self, url: str, events: tuple[str, ...] | str, branch_ids: tuple[str, ...] | None,
                     by: str) -> Webhook:
        """Register an endpoint (the URL is checked by the caller); its secret is in the answer."""
        webhook_id, secret, at = new_id(), new_secret(), self._clock.now()
        state = await self._change(lambda s: create_webhook(s, webhook_id, url, events, branch_ids, secret, at,
                                                            self.known_types), by)
        return state.hooks[webhook_id]

    async def delete(self, webhook_id: str, by: str) -> None:
        await self._change(lambda s: delete_webhook(s, webhook_id), by)

    async def request_test(self, webhook_id: str, by: str) -> int:
        """Journal a test request; the worker delivers it in its place. Returns its seq."""
        recorded: list[Recorded] = []
        await self._change(lambda s: request_test(s, webhook_id), by, recorded)
        return recorded[-1].seq

    async def _change(self, decide: Callable[[WebhooksState], list[WebhookEvent]], by: str,
                      recorded: list[Recorded] | None = None) -> WebhooksState:
        for attempt in range(CONFLICT_RETRIES):
            state = await self.state()
            events = decide(state)
            at = utc(self._clock.now())
            try:
                records = await self._journal.append(
                    WEBHOOKS, state.version, [NewEvent(e.TYPE, webhook_event_data(e), at, by) for e in events])
            except ConcurrencyConflict:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                continue
            if recorded is not None:
                recorded.extend(records)
            return await self.state()
        raise AssertionError("unreachable")
