"""Free times for a manager's booking: ``GET /api/v1/dashboard/slots`` (manager JWT).

The dashboard's booking form offers "time from free slots". Clients' slots
(``GET /slots/available``) need Telegram auth and follow the client rules;
a manager books by the rules of the README's decisions instead: any grid
start inside the staff member's working time that is free (appointments
with their buffers, and every live hold — the client's own included) and
not in the past. Minimum notice and the horizon bind clients only.

The answer has the client endpoint's shape (``timezone``, ``days``,
``slots``) plus ``staff``: who performs the service in that branch, so the
form can offer "any master" or a named one without a second request.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint

from actors.scheduler import MAX_SLOT_DAYS
from api.auth import Principal
from api.validated import validate_query
from api.context import app_context
from api.guards import current_user
from api.params import date_range
from api.telegram.render import slots_json
from api.telegram.schemas import SlotsOut, SlotsQuery
from api.visit_params import wanted

bp = Blueprint("manager_slots", __name__, url_prefix="/api/v1/dashboard")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _managers_only() -> None:
    """Authenticate before the query is validated: a stranger gets 401, not 400."""
    g.user = current_user()


class StaffName(BaseModel):
    id: str
    name: str


class ManagerSlotsOut(SlotsOut):
    staff: list[StaffName]


@bp.get("/slots")
@validate_query(SlotsQuery)
@document_response(ManagerSlotsOut)
async def free_times(query_args: SlotsQuery) -> dict[str, Any]:
    """Free times of a service for a manager's booking, local dates both inclusive (≤ 31 days)."""
    user: Principal = g.user
    q = query_args
    user.check_branch(q.branch_id)
    first, last = date_range(q.date_from, q.date_to, MAX_SLOT_DAYS)
    free = app_context().scheduler.manager_slots(q.branch_id, wanted(q.service_id), first, last, q.staff_id)
    return {**slots_json(free), "staff": [{"id": s.id, "name": s.name} for s in free.staff]}
