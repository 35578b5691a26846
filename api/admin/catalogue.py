"""Catalogue administration (admins only): branches, services, staff.

Deletes are soft: a deleted branch, service or staff member disappears from
lists and from booking, but stays in the journal and on existing cards.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.model import Branch, Service, Staff
from actors.core.phones import normalize_phone
from actors.core.schedule import parse_exceptions, parse_schedule, zone
from api.telegram.schemas import NoContent
from api.validated import validate_body, validate_query
from api.context import app_context
from api.guards import admin_user, who
from api.schemas import (
    BranchIn,
    BranchList,
    BranchOut,
    BranchPatch,
    ServiceAdminList,
    ServiceAdminOut,
    ServiceIn,
    ServicePatch,
    StaffIn,
    StaffList,
    StaffOut,
    StaffPatch,
    StaffQuery,
)
from api.shapes import branch_json, service_admin_json, staff_json
from api.visit_params import overrides_of

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _admins_only() -> None:
    """Authenticate before the body is validated: a stranger gets 401, not 400."""
    g.user = admin_user()


# ------------------------------------------------------------ branches


@bp.post("/branches")
@validate_body(BranchIn)
@document_response(BranchOut, 201)
async def create_branch(data: BranchIn) -> tuple[dict[str, Any], int]:
    by = who()
    zone(data.timezone)
    scheduler = app_context().scheduler
    fields = data.model_dump(exclude={"phone", "location"})
    branch = Branch(id=scheduler.new_id(), **fields, **_contacts(data, {"phone", "location"}))
    created = await scheduler.open_branch(branch, by)
    return branch_json(created), 201


@bp.get("/branches")
@document_response(BranchList)
async def list_branches() -> dict[str, Any]:
    return {"items": [branch_json(b) for b in app_context().scheduler.open_branches()]}


@bp.get("/branches/<branch_id>")
@document_response(BranchOut)
async def get_branch(branch_id: str) -> dict[str, Any]:
    return branch_json(app_context().scheduler.branch(branch_id))


@bp.patch("/branches/<branch_id>")
@validate_body(BranchPatch)
@document_response(BranchOut)
async def patch_branch(branch_id: str, data: BranchPatch) -> dict[str, Any]:
    by = who()
    changes = data.model_dump(exclude_none=True, exclude={"phone", "location"})
    if "reschedule_notice_min" in data.model_fields_set:  # null: back to the cancel notice
        changes["reschedule_notice_min"] = data.reschedule_notice_min
    changes.update(_contacts(data, data.model_fields_set))  # an explicit null clears
    if "timezone" in changes:
        zone(changes["timezone"])
    return branch_json(await app_context().scheduler.update_branch(branch_id, changes, by))


def _contacts(data: BranchIn | BranchPatch, given: set[str]) -> dict[str, Any]:
    """The salon's ``phone`` (E.164) and ``location`` ((lat, lon)) among ``given`` fields (SPEC §9.6)."""
    out: dict[str, Any] = {}
    if "phone" in given:
        out["phone"] = normalize_phone(data.phone) if data.phone else None
    if "location" in given:
        out["location"] = (data.location.lat, data.location.lon) if data.location else None
    return out


@bp.delete("/branches/<branch_id>")
@document_response(NoContent, 204)
async def delete_branch(branch_id: str) -> Response:
    await app_context().scheduler.close_branch(branch_id, who())
    return Response(status=204)


# ------------------------------------------------------------ services


@bp.post("/services")
@validate_body(ServiceIn)
@document_response(ServiceAdminOut, 201)
async def create_service(data: ServiceIn) -> tuple[dict[str, Any], int]:
    by = who()
    scheduler = app_context().scheduler
    service = Service(
        id=scheduler.new_id(), name=data.name, price=data.price, currency=data.currency,
        duration_min=data.duration_min, buffer_min=data.buffer_min, branch_ids=tuple(data.branch_ids))
    return service_admin_json(await scheduler.add_service(service, by)), 201


@bp.get("/services")
@document_response(ServiceAdminList)
async def list_services() -> dict[str, Any]:
    """Every service, the archived ones (``active: false``) too, so they can be restored."""
    services = sorted(app_context().scheduler.services(archived=True), key=lambda s: s.name)
    return {"items": [service_admin_json(s) for s in services]}


@bp.get("/services/<service_id>")
@document_response(ServiceAdminOut)
async def get_service(service_id: str) -> dict[str, Any]:
    return service_admin_json(app_context().scheduler.service(service_id))


@bp.patch("/services/<service_id>")
@validate_body(ServicePatch)
@document_response(ServiceAdminOut)
async def patch_service(service_id: str, data: ServicePatch) -> dict[str, Any]:
    by = who()
    changes = data.model_dump(exclude_none=True)
    return service_admin_json(await app_context().scheduler.update_service(service_id, changes, by))


@bp.delete("/services/<service_id>")
@document_response(NoContent, 204)
async def delete_service(service_id: str) -> Response:
    await app_context().scheduler.remove_service(service_id, who())
    return Response(status=204)


# ------------------------------------------------------------ staff


@bp.post("/staff")
@validate_body(StaffIn)
@document_response(StaffOut, 201)
async def create_staff(data: StaffIn) -> tuple[dict[str, Any], int]:
    by = who()
    scheduler = app_context().scheduler
    staff = Staff(
        id=scheduler.new_id(), branch_id=data.branch_id, name=data.name,
        service_ids=tuple(data.service_ids),
        schedule=parse_schedule(data.schedule),
        exceptions=parse_exceptions([e.model_dump() for e in data.exceptions]),
        service_overrides=overrides_of(data.service_overrides))
    return staff_json(await scheduler.add_staff(staff, by)), 201


@bp.get("/staff")
@validate_query(StaffQuery)
@document_response(StaffList)
async def list_staff(query_args: StaffQuery) -> dict[str, Any]:
    return {"items": [staff_json(s) for s in app_context().scheduler.staff(query_args.branch_id)]}


@bp.get("/staff/<staff_id>")
@document_response(StaffOut)
async def get_staff(staff_id: str) -> dict[str, Any]:
    return staff_json(app_context().scheduler.staff_member(staff_id))


@bp.patch("/staff/<staff_id>")
@validate_body(StaffPatch)
@document_response(StaffOut)
async def patch_staff(staff_id: str, data: StaffPatch) -> dict[str, Any]:
    by = who()
    changes: dict[str, object] = {}
    if data.name is not None:
        changes["name"] = data.name
    if data.service_ids is not None:
        changes["service_ids"] = tuple(data.service_ids)
    if data.schedule is not None:
        changes["schedule"] = parse_schedule(data.schedule)
    if data.exceptions is not None:
        changes["exceptions"] = parse_exceptions([e.model_dump() for e in data.exceptions])
    if data.service_overrides is not None:
        changes["service_overrides"] = overrides_of(data.service_overrides)
    return staff_json(await app_context().scheduler.update_staff(staff_id, changes, by))


@bp.delete("/staff/<staff_id>")
@document_response(NoContent, 204)
async def delete_staff(staff_id: str) -> Response:
    await app_context().scheduler.remove_staff(staff_id, who())
    return Response(status=204)
