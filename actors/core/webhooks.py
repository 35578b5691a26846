"""Webhook registrations (SPEC §9.4): the pure core of the ``webhooks`` stream.

An admin registers an endpoint (a URL, the event types it wants or ``*``,
optionally some branches); zapis then POSTs each matching journal event to
it, signed with the endpoint's secret. Registrations are journaled here as
events of their own stream, folded with ``evolve_webhooks`` wherever they are
needed (the admin API, the delivery worker); the stream is a side stream
(``actors.streams.SIDE_STREAMS``): no actor holds it, and it is not in
snapshots — a handful of registrations is read in one query.

``evolve_webhooks`` takes the record's journal position: an endpoint gets
the events committed after its own registration, and a test request is
delivered in its place in the journal order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from actors.core.errors import InvalidInput, NotFound

ALL = "*"
MAX_ENDPOINTS = 50  # live registrations; each has its own delivery task


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    events: tuple[str, ...]  # ("*",): every type the realtime feed has
    branch_ids: tuple[str, ...] | None  # None: every branch
    secret: str
    created_at: float
    created_seq: int  # the registration's journal position: later events are delivered
    created_by: str = ""

    def wants(self, type_: str, branch_id: str | None) -> bool:
        """Does this endpoint want an event of ``type_`` in ``branch_id``?"""
        if ALL not in self.events and type_ not in self.events:
            return False
        return self.branch_ids is None or (branch_id is not None and branch_id in self.branch_ids)


# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    TYPE: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class WebhookCreated(WebhookEvent):
    TYPE: ClassVar[str] = "webhook.created"
    webhook_id: str
    url: str
    events: list[str]
    branch_ids: list[str] | None
    secret: str  # the signing key; never shown again (the journal API hides it)
    at: float


@dataclass(frozen=True, slots=True)
class WebhookDeleted(WebhookEvent):
    TYPE: ClassVar[str] = "webhook.deleted"
    webhook_id: str


@dataclass(frozen=True, slots=True)
class WebhookTestRequested(WebhookEvent):
    """«Отправить тестовое событие»: delivered to this endpoint only, in journal order."""

    TYPE: ClassVar[str] = "webhook.test_requested"
    webhook_id: str


WEBHOOK_EVENTS: dict[str, type[WebhookEvent]] = {
    cls.TYPE: cls for cls in (WebhookCreated, WebhookDeleted, WebhookTestRequested)}


def webhook_event_data(event: WebhookEvent) -> dict[str, Any]:
    return {f.name: getattr(event, f.name) for f in fields(event)}


def webhook_event_from(type_: str, data: dict[str, Any]) -> WebhookEvent:
    return WEBHOOK_EVENTS[type_](**data)


# ---------------------------------------------------------------- state


@dataclass(slots=True)
class WebhooksState:
    version: int = 0
    hooks: dict[str, Webhook] = field(default_factory=dict)  # live ones, by id
    deleted: set[str] = field(default_factory=set)


def evolve_webhooks(state: WebhooksState, event: WebhookEvent, seq: int, actor: str = "") -> WebhooksState:
    state.version += 1
    match event:
        case WebhookCreated():
            state.hooks[event.webhook_id] = Webhook(
                event.webhook_id, event.url, tuple(event.events),
                tuple(event.branch_ids) if event.branch_ids is not None else None,
                event.secret, event.at, seq, actor)
        case WebhookDeleted():
            state.hooks.pop(event.webhook_id, None)
            state.deleted.add(event.webhook_id)
        case WebhookTestRequested():
            pass
        case _:
            raise TypeError(f"not a webhooks event: {event!r}")
    return state


# ---------------------------------------------------------------- decisions


def create_webhook(state: WebhooksState, webhook_id: str, url: str, events: tuple[str, ...] | str,
                   branch_ids: tuple[str, ...] | None, secret: str, at: float,
                   known_types: frozenset[str]) -> list[WebhookEvent]:
    """A new endpoint; ``events`` is ``"*"`` or types of ``known_types`` (the realtime feed's)."""
    if len(state.hooks) >= MAX_ENDPOINTS:
        raise InvalidInput("webhook.too_many", limit=MAX_ENDPOINTS)
    if events == ALL or events == (ALL,):
        chosen = [ALL]
    else:
        if not events:
            raise InvalidInput("webhook.no_events")
        unknown = sorted(set(events) - known_types)
        if unknown:
            raise InvalidInput("webhook.event_unknown", type=unknown[0], known=", ".join(sorted(known_types)))
        chosen = list(dict.fromkeys(events))
    if branch_ids is not None and not branch_ids:
        raise InvalidInput("webhook.no_branches")
    branches = list(dict.fromkeys(branch_ids)) if branch_ids is not None else None
    return [WebhookCreated(webhook_id, url, chosen, branches, secret, at)]


def delete_webhook(state: WebhooksState, webhook_id: str) -> list[WebhookEvent]:
    if webhook_id not in state.hooks:
        raise NotFound("webhook.not_found")
    return [WebhookDeleted(webhook_id)]


def request_test(state: WebhooksState, webhook_id: str) -> list[WebhookEvent]:
    if webhook_id not in state.hooks:
        raise NotFound("webhook.not_found")
    return [WebhookTestRequested(webhook_id)]
