"""The branch's waitlist for managers: ``GET /api/v1/dashboard/waitlist?branch_id=&date=`` (SPEC §9.3).

The entries that wait or hold an offer, oldest first (the order freed time
goes in). Each has SPEC's entry shape plus what a manager reads on the board
panel: ``client`` (id, name, phone), ``services`` (id, name), the masters'
names (``master_name``, ``offer_master_name``) and ``created_at``. ``date``
(local, optional) keeps the entries whose dates include it. A manager sees only their branches (403 otherwise). The panel
stays current from the socket's ``waitlist.*`` frames (docs/realtime.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field
from quart import Blueprint, Response, g
from quart_schema import document_response, security_scheme_blueprint

from actors.scheduler import Scheduler
from actors.waitlist_app import Waiting
from api.auth import Principal
from api.context import app_context
from api.guards import current_user
from api.params import parse_local_date
from api.shapes import json_response, utc_iso
from api.telegram.schemas import QueryId
from api.telegram.waitlist import WaitlistEntryOut, entry_json
from api.validated import validate_query

bp = Blueprint("manager_waitlist", __name__, url_prefix="/api/v1/dashboard")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _managers_only() -> None:
    """Authenticate before the query is validated: a stranger gets 401, not 400."""
    g.user = current_user()


class WaitlistQuery(BaseModel):
    branch_id: QueryId
    date: Annotated[str, Field(min_length=1, max_length=10, examples=["2026-03-02"])] | None = None


class WaitingClient(BaseModel):
    id: str
    name: str
    phone: str | None


class ServiceName(BaseModel):
    id: str
    name: str


class ManagerEntryOut(WaitlistEntryOut):
    client: WaitingClient
    services: list[ServiceName]
    master_name: str | None  # the master the client waits for (None: any)
    offer_master_name: str | None
    created_at: str


class ManagerWaitlistOut(BaseModel):
    branch_id: str
    timezone: str
    items: list[ManagerEntryOut]


def manager_entry_json(w: Waiting, scheduler: Scheduler) -> dict[str, Any]:
    e = w.entry
    clients = scheduler.committed_clients()
    client = clients.current(e.client_id)
    return {**entry_json(w),
            "client": {"id": client.id if client else e.client_id, "name": client.name if client else "",
                       "phone": client.phone if client else None},
            "services": [{"id": s.id, "name": s.name} for s in e.services],
            "master_name": _master(scheduler, w, e.staff_id),
            "offer_master_name": _master(scheduler, w, e.offer.staff_id) if e.offer else None,
            "created_at": utc_iso(e.created_at)}


def _master(scheduler: Scheduler, w: Waiting, staff_id: str | None) -> str | None:
    state = scheduler.committed_branch(w.branch_id)
    staff = state.staff.get(staff_id) if state is not None and staff_id else None
    return staff.name if staff else None


@bp.get("/waitlist")
@validate_query(WaitlistQuery)
@document_response(ManagerWaitlistOut)
async def branch_waitlist(query_args: WaitlistQuery) -> Response:
    """Who waits in the branch (and which offers are out), oldest first."""
    user: Principal = g.user
    user.check_branch(query_args.branch_id)
    scheduler = app_context().scheduler
    day = parse_local_date(query_args.date, "date") if query_args.date else None
    branch = scheduler.branch(query_args.branch_id)
    items = scheduler.waitlist.of_branch(query_args.branch_id, day)
    return json_response({"branch_id": branch.id, "timezone": branch.timezone,
                          "items": [manager_entry_json(w, scheduler) for w in items]})


# Journal events that move the waitlist panel; each becomes a socket frame (docs/realtime.md).
WAITLIST_FRAMES = frozenset({"waitlist.joined", "waitlist.offered", "waitlist.declined", "waitlist.booked",
                             "waitlist.ended"})


def waitlist_frame(scheduler: Scheduler, rec_type: str, seq: int, at: float, branch_id: str,
                   entry_id: str) -> dict[str, Any] | None:
    """``{"type", "seq", "branch_id", "at", "entry"}``: the entry as committed now (None: unknown)."""
    found = scheduler.waitlist.entry(branch_id, entry_id)
    if found is None:
        return None
    return {"type": rec_type, "seq": seq, "branch_id": branch_id, "at": utc_iso(at),
            "entry": manager_entry_json(found, scheduler)}
