"""Webhooks for admins (SPEC §9.4).

``POST /admin/webhooks`` ``{"url","events":[types]|"*","branch_ids"?}`` → 201 with
the generated ``secret`` (shown this once); ``GET /admin/webhooks``,
``GET``/``DELETE /admin/webhooks/{id}``; ``GET /admin/webhooks/{id}/deliveries``
(the newest attempts); ``POST /admin/webhooks/{id}/test`` journals a test
event that the worker delivers to this endpoint in its turn (202 with its
``seq``). Registrations are journaled in the ``webhooks`` stream
(``actors/webhooks.py``) before the answer; any process answers any of
these, the leader delivers.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from quart import Blueprint, Response, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.errors import InvalidInput, NotFound
from actors.core.webhooks import ALL, Webhook
from api.context import app_context
from api.guards import admin_user, who
from api.schemas import RequestModel
from api.telegram.schemas import NoContent
from api.shapes import utc_iso
from api.validated import validate_body, validate_query
from api.webhooks.kit import WebhookKit
from api.webhooks.urls import MAX_URL, check_url
from storage.webhook_store import Attempt

bp = Blueprint("admin_webhooks", __name__, url_prefix="/api/v1/admin")
security_scheme_blueprint(bp, [{"bearer": []}])

EventType = Annotated[str, Field(min_length=1, max_length=64)]
BranchId = Annotated[str, Field(min_length=1, max_length=64)]


class WebhookIn(RequestModel):
    url: Annotated[str, Field(min_length=1, max_length=MAX_URL)]
    events: Annotated[list[EventType], Field(min_length=1, max_length=50)] | Literal["*"]
    branch_ids: Annotated[list[BranchId], Field(min_length=1, max_length=1000)] | None = None


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str] | Literal["*"]
    branch_ids: list[str] | None
    created_at: str
    created_by: str


class WebhookCreated(WebhookOut):
    secret: str


class WebhookList(BaseModel):
    items: list[WebhookOut]
    event_types: list[str]


class DeliveryOut(BaseModel):
    seq: int
    event: str
    attempt: int
    status: int | None
    error: str
    duration_ms: int
    at: str
    outcome: Literal["delivered", "failed", "gave_up"]


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class DeliveriesQuery(RequestModel):
    limit: int = Field(50, ge=1, le=500)


class TestSent(BaseModel):
    seq: int


@bp.before_request
async def _admins_only() -> None:
    """Authenticate before the body is validated: a stranger gets 401, not 400."""
    g.user = admin_user()


def _kit() -> WebhookKit:
    kit = app_context().webhooks
    assert kit is not None, "run.py wires the webhooks"
    return kit


def webhook_json(h: Webhook) -> dict[str, Any]:
    return {"id": h.id, "url": h.url, "events": ALL if ALL in h.events else list(h.events),
            "branch_ids": list(h.branch_ids) if h.branch_ids is not None else None,
            "created_at": utc_iso(h.created_at), "created_by": h.created_by.removeprefix("user:")}


def attempt_json(a: Attempt) -> dict[str, Any]:
    return {"seq": a.seq, "event": a.event, "attempt": a.attempt, "status": a.status, "error": a.error,
            "duration_ms": a.duration_ms, "at": utc_iso(a.at), "outcome": a.outcome}


async def _hook(webhook_id: str) -> Webhook:
    hook = await _kit().webhooks.get(webhook_id)
    if hook is None:
        raise NotFound("webhook.not_found")
    return hook


@bp.get("/webhooks")
@document_response(WebhookList)
async def list_webhooks() -> dict[str, Any]:
    kit = _kit()
    return {"items": [webhook_json(h) for h in await kit.webhooks.all()],
            "event_types": sorted(kit.webhooks.known_types)}


@bp.post("/webhooks")
@validate_body(WebhookIn)
@document_response(WebhookCreated, 201)
async def create_webhook(data: WebhookIn) -> tuple[dict[str, Any], int]:
    """A new endpoint: the URL is checked (HTTPS, public addresses) and the secret answered once."""
    kit, z = _kit(), app_context()
    url = data.url.strip()
    await check_url(url, allow_private=kit.policy.allow_private)
    branches = tuple(data.branch_ids) if data.branch_ids is not None else None
    for branch_id in branches or ():
        if z.scheduler.committed_branch(branch_id) is None:
            raise InvalidInput("branch.unknown", branch=branch_id)
    events = ALL if data.events == ALL or ALL in data.events else tuple(data.events)
    hook = await kit.webhooks.create(url, events, branches, who())
    return {**webhook_json(hook), "secret": hook.secret}, 201


@bp.get("/webhooks/<webhook_id>")
@document_response(WebhookOut)
async def get_webhook(webhook_id: str) -> dict[str, Any]:
    return webhook_json(await _hook(webhook_id))


@bp.delete("/webhooks/<webhook_id>")
@document_response(NoContent, 204)
async def delete_webhook(webhook_id: str) -> Response:
    """Stop deliveries to the endpoint (an attempt in flight may still arrive)."""
    await _kit().webhooks.delete(webhook_id, who())
    return Response(status=204)


@bp.get("/webhooks/<webhook_id>/deliveries")
@validate_query(DeliveriesQuery)
@document_response(DeliveryList)
async def deliveries(webhook_id: str, query_args: DeliveriesQuery) -> dict[str, Any]:
    """The newest attempts first: event, attempt number, HTTP status or error, duration."""
    await _hook(webhook_id)
    attempts = await _kit().store.attempts(webhook_id, limit=query_args.limit)
    return {"items": [attempt_json(a) for a in attempts]}


@bp.post("/webhooks/<webhook_id>/test")
@document_response(TestSent, 202)
async def send_test(webhook_id: str) -> tuple[dict[str, Any], int]:
    """Journal a test event for this endpoint; it is delivered after the events before it."""
    seq = await _kit().webhooks.request_test(webhook_id, who())
    return {"seq": seq}, 202
