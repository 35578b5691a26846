"""Public staff names (no auth): ``GET /api/v1/staff?branch_id=``.

SPEC's public catalogue lists branches and services; a client choosing "any
master or a chosen master" (the bot, a Mini App) also needs the masters'
names, and ``/slots/available`` answers only ``staff_id``. This read exposes
what a salon shows on its door: active staff of an open branch, their names
and the services they perform — never schedules or anything private.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field
from quart import Blueprint
from quart_schema import document_response, validate_querystring

from api.context import zapis

bp = Blueprint("public_staff", __name__)


class PublicStaffQuery(BaseModel):
    branch_id: Annotated[str, Field(min_length=1, max_length=64)]


class PublicStaffOut(BaseModel):
    id: str
    name: str
    branch_id: str
    service_ids: list[str]


class PublicStaffList(BaseModel):
    """Active staff of an open branch, by name."""

    items: list[PublicStaffOut]


@bp.get("/api/v1/staff")
@validate_querystring(PublicStaffQuery)
@document_response(PublicStaffList)
async def public_staff(query_args: PublicStaffQuery) -> dict[str, object]:
    """The masters of a branch (404 if the branch is unknown or closed)."""
    state = zapis().runtime.branch(query_args.branch_id).state
    staff = sorted((s for s in state.staff.values() if s.active), key=lambda s: (s.name, s.id))
    return {"items": [{"id": s.id, "name": s.name, "branch_id": s.branch_id,
                       "service_ids": list(s.service_ids)} for s in staff]}
