"""Catalogue administration (admins only): branches, services, staff.

Deletes are soft: a deleted branch, service or staff member disappears from
lists and from booking, but stays in the journal and on existing cards.
"""

from __future__ import annotations

from quart import Blueprint, Response, g
from quart_schema import document_response, security_scheme_blueprint, validate_querystring, validate_request

from actors.errors import InvalidInput, NotFound
from actors.messages import (
    AddService,
    AddStaff,
    CloseBranch,
    RemoveService,
    RemoveStaff,
    UpdateBranch,
    UpdateService,
    UpdateStaff,
)
from actors.model import Branch, Service, Staff
from actors.runtime import BranchActor
from actors.schedule import parse_exceptions, parse_schedule, zone
from api.client_schemas import NoContent
from api.context import zapis
from api.guards import admin_user
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
from api.views import branch_json, service_admin_json, staff_json

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _admins_only() -> None:
    """Authenticate before the body is validated: a stranger gets 401, not 400."""
    g.user = admin_user()


def _who() -> str:
    return f"user:{g.user.login}"


# ------------------------------------------------------------ branches


@bp.post("/branches")
@validate_request(BranchIn)
@document_response(BranchOut, 201)
async def create_branch(data: BranchIn) -> tuple[dict, int]:
    who = _who()
    zone(data.timezone)
    z = zapis()
    branch = Branch(id=z.runtime.new_id(), **data.model_dump())
    created = await z.runtime.open_branch(branch, who)
    return branch_json(created), 201


@bp.get("/branches")
@document_response(BranchList)
async def list_branches() -> dict:
    return {"items": [branch_json(b) for b in zapis().runtime.open_branches()]}


@bp.get("/branches/<branch_id>")
@document_response(BranchOut)
async def get_branch(branch_id: str) -> dict:
    branch = zapis().runtime.branch(branch_id).state.branch
    assert branch is not None
    return branch_json(branch)


@bp.patch("/branches/<branch_id>")
@validate_request(BranchPatch)
@document_response(BranchOut)
async def patch_branch(branch_id: str, data: BranchPatch) -> dict:
    who = _who()
    changes = data.model_dump(exclude_none=True)
    if "timezone" in changes:
        zone(changes["timezone"])
    branch = await zapis().runtime.branch(branch_id).ask(UpdateBranch(changes), who)
    return branch_json(branch)


@bp.delete("/branches/<branch_id>")
@document_response(NoContent, 204)
async def delete_branch(branch_id: str) -> Response:
    who = _who()
    await zapis().runtime.branch(branch_id).ask(CloseBranch(), who)
    return Response(status=204)


# ------------------------------------------------------------ services


def _check_branches(branch_ids: list[str]) -> tuple[str, ...]:
    runtime = zapis().runtime
    for bid in branch_ids:
        try:
            runtime.branch(bid)
        except NotFound:
            raise InvalidInput(f"unknown branch {bid!r}") from None
    return tuple(dict.fromkeys(branch_ids))


@bp.post("/services")
@validate_request(ServiceIn)
@document_response(ServiceAdminOut, 201)
async def create_service(data: ServiceIn) -> tuple[dict, int]:
    who = _who()
    z = zapis()
    service = Service(
        id=z.runtime.new_id(), name=data.name, price=data.price, currency=data.currency,
        duration_min=data.duration_min, buffer_min=data.buffer_min,
        branch_ids=_check_branches(data.branch_ids))
    created = await z.runtime.catalogue.ask(AddService(service), who)
    return service_admin_json(created), 201


@bp.get("/services")
@document_response(ServiceAdminList)
async def list_services() -> dict:
    services = zapis().runtime.catalogue.state.services.values()
    return {"items": [service_admin_json(s) for s in sorted(services, key=lambda s: s.name) if s.active]}


@bp.get("/services/<service_id>")
@document_response(ServiceAdminOut)
async def get_service(service_id: str) -> dict:
    return service_admin_json(zapis().runtime.catalogue.state.service(service_id))


@bp.patch("/services/<service_id>")
@validate_request(ServicePatch)
@document_response(ServiceAdminOut)
async def patch_service(service_id: str, data: ServicePatch) -> dict:
    who = _who()
    changes = data.model_dump(exclude_none=True)
    if "branch_ids" in changes:
        changes["branch_ids"] = _check_branches(changes["branch_ids"])
    service = await zapis().runtime.catalogue.ask(UpdateService(service_id, changes), who)
    return service_admin_json(service)


@bp.delete("/services/<service_id>")
@document_response(NoContent, 204)
async def delete_service(service_id: str) -> Response:
    who = _who()
    await zapis().runtime.catalogue.ask(RemoveService(service_id), who)
    return Response(status=204)


# ------------------------------------------------------------ staff


def _check_services(branch_id: str, service_ids: list[str]) -> tuple[str, ...]:
    catalogue = zapis().runtime.catalogue.state
    for sid in service_ids:
        svc = catalogue.services.get(sid)
        if svc is None or not svc.active:
            raise InvalidInput(f"unknown service {sid!r}")
        if branch_id not in svc.branch_ids:
            raise InvalidInput(f"service {sid!r} is not offered in this branch")
    return tuple(dict.fromkeys(service_ids))


def _find_staff(staff_id: str) -> tuple[BranchActor, Staff]:
    for actor in zapis().runtime.branches.values():
        staff = actor.state.staff.get(staff_id)
        if staff is not None and staff.active and actor.state.branch and actor.state.branch.active:
            return actor, staff
    raise NotFound("staff member not found")


@bp.post("/staff")
@validate_request(StaffIn)
@document_response(StaffOut, 201)
async def create_staff(data: StaffIn) -> tuple[dict, int]:
    who = _who()
    z = zapis()
    actor = z.runtime.branch(data.branch_id)
    staff = Staff(
        id=z.runtime.new_id(), branch_id=data.branch_id, name=data.name,
        service_ids=_check_services(data.branch_id, data.service_ids),
        schedule=parse_schedule(data.schedule),
        exceptions=parse_exceptions([e.model_dump() for e in data.exceptions]))
    created = await actor.ask(AddStaff(staff), who)
    return staff_json(created), 201


@bp.get("/staff")
@validate_querystring(StaffQuery)
@document_response(StaffList)
async def list_staff(query_args: StaffQuery) -> dict:
    runtime = zapis().runtime
    actors = [runtime.branch(query_args.branch_id)] if query_args.branch_id else list(runtime.branches.values())
    items = [s for a in actors if a.state.branch and a.state.branch.active
             for s in a.state.staff.values() if s.active]
    return {"items": [staff_json(s) for s in sorted(items, key=lambda s: (s.branch_id, s.name, s.id))]}


@bp.get("/staff/<staff_id>")
@document_response(StaffOut)
async def get_staff(staff_id: str) -> dict:
    return staff_json(_find_staff(staff_id)[1])


@bp.patch("/staff/<staff_id>")
@validate_request(StaffPatch)
@document_response(StaffOut)
async def patch_staff(staff_id: str, data: StaffPatch) -> dict:
    who = _who()
    actor, staff = _find_staff(staff_id)
    changes: dict[str, object] = {}
    if data.name is not None:
        changes["name"] = data.name
    if data.service_ids is not None:
        changes["service_ids"] = _check_services(staff.branch_id, data.service_ids)
    if data.schedule is not None:
        changes["schedule"] = parse_schedule(data.schedule)
    if data.exceptions is not None:
        changes["exceptions"] = parse_exceptions([e.model_dump() for e in data.exceptions])
    updated = await actor.ask(UpdateStaff(staff_id, changes), who)
    return staff_json(updated)


@bp.delete("/staff/<staff_id>")
@document_response(NoContent, 204)
async def delete_staff(staff_id: str) -> Response:
    who = _who()
    actor, _ = _find_staff(staff_id)
    await actor.ask(RemoveStaff(staff_id), who)
    return Response(status=204)
