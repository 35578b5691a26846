"""The public catalogue (no auth): what a client picks from before booking.

``GET /branches`` and ``GET /services`` are SPEC's. ``GET /branches/{id}``
is ours: one branch with the services offered there and its masters, so a
client (the bot) learns everything one booking step shows in one call.
``GET /staff`` is ours too:
a client choosing "any master or a chosen master" (the bot, a Mini App)
needs the masters' names, and ``/slots/available`` answers only
``staff_id``. It exposes what a salon shows on its door: active staff of an
open branch, their names and the services they perform — never schedules or
anything private.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field
from quart import Blueprint
from quart_schema import document_response

from actors.core.errors import NotFound
from actors.core.model import Staff
from actors.core.visits import own_duration_min, own_price
from api.validated import validate_query
from api.context import app_context
from api.schemas import BranchList, BranchOut, OverrideOut, ServiceList, ServiceOut, ServicesQuery
from api.shapes import branch_json, overrides_json, service_json

bp = Blueprint("public", __name__, url_prefix="/api/v1")


class PublicStaffQuery(BaseModel):
    branch_id: Annotated[str, Field(min_length=1, max_length=64)]


class PublicStaffOut(BaseModel):
    id: str
    name: str
    branch_id: str
    service_ids: list[str]


class BranchStaffOut(PublicStaffOut):
    service_overrides: list[OverrideOut]  # the master's own prices and durations (SPEC §9.2)


class PublicStaffList(BaseModel):
    """Active staff of an open branch, by name."""

    items: list[PublicStaffOut]


class BranchCard(BranchOut):
    """An open branch with the active services offered there and its active masters, by name."""

    services: list[ServiceOut]
    staff: list[BranchStaffOut]


@bp.get("/branches")
@document_response(BranchList)
async def branches() -> dict[str, Any]:
    return {"items": [branch_json(b) for b in app_context().scheduler.open_branches()]}


@bp.get("/branches/<branch_id>")
@document_response(BranchCard)
async def branch_card(branch_id: str) -> dict[str, Any]:
    """One open branch, its services and its masters (404 if it is unknown or closed)."""
    scheduler = app_context().scheduler
    branch = scheduler.branch(branch_id)
    services = [{**service_json(s), "branch_ids": [branch_id]} for s in scheduler.services()
                if branch_id in s.branch_ids]
    staff = [{**item, "service_overrides": overrides_json(s)}  # the masters' own prices (SPEC §9.2)
             for item, s in zip(_staff_items(branch_id), _staff_of(branch_id))]
    return {**branch_json(branch), "services": services, "staff": staff}


def _staff_of(branch_id: str) -> list[Staff]:
    return sorted(app_context().scheduler.staff(branch_id), key=lambda s: (s.name, s.id))


def _staff_items(branch_id: str) -> list[dict[str, Any]]:
    return [{"id": s.id, "name": s.name, "branch_id": s.branch_id, "service_ids": list(s.service_ids)}
            for s in _staff_of(branch_id)]


@bp.get("/services")
@validate_query(ServicesQuery)
@document_response(ServiceList)
async def services(query_args: ServicesQuery) -> dict[str, Any]:
    scheduler = app_context().scheduler
    open_ids = {b.id for b in scheduler.open_branches()}
    if query_args.branch_id is not None and query_args.branch_id not in open_ids:
        raise NotFound("branch.not_found")
    master = scheduler.staff_member(query_args.staff_id, query_args.branch_id) if query_args.staff_id else None
    items = []
    for svc in scheduler.services():
        offered = [b for b in svc.branch_ids if b in open_ids]
        if not offered or (query_args.branch_id is not None and query_args.branch_id not in offered):
            continue
        if master is None:
            items.append({**service_json(svc), "branch_ids": offered})
        elif svc.id in master.service_ids and master.branch_id in offered:  # the master's own values
            items.append({**service_json(svc), "branch_ids": [master.branch_id],
                          "price": own_price(master, svc), "duration_min": own_duration_min(master, svc)})
    return {"items": items}


@bp.get("/staff")
@validate_query(PublicStaffQuery)
@document_response(PublicStaffList)
async def public_staff(query_args: PublicStaffQuery) -> dict[str, Any]:
    """The masters of a branch, by name (404 if the branch is unknown or closed)."""
    return {"items": _staff_items(query_args.branch_id)}
