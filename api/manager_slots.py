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

from datetime import date
from typing import Any

from pydantic import BaseModel
from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint, validate_querystring

from actors.actor import Read
from actors.branch_state import BranchState
from actors.model import Service
from actors.schedule import days
from actors.slots import Slot, blocking_holds, candidates, grid_starts, is_free
from api.auth import Principal
from api.client_schemas import SlotsOut, SlotsQuery
from api.client_support import branch_and_service, check_range, check_staff, slots_json
from api.context import zapis
from api.guards import current_user
from api.params import parse_local_date

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


def manager_slots(
    state: BranchState, service: Service, first: date, last: date, now: float, staff_id: str | None = None,
) -> list[Slot]:
    """Free (start, staff) pairs on the grid for a manager: not past, free of appointments and holds."""
    duration, block = service.duration_min * 60, (service.duration_min + service.buffer_min) * 60
    holds = blocking_holds(state, now, None)  # every live hold blocks a manager
    out = [
        Slot(t, t + duration, staff.id)
        for day in days(first, last)
        for staff in candidates(state, service, staff_id)
        for t in grid_starts(state, staff, day, duration)
        if t >= now and is_free(state, staff.id, t, t + block, holds)
    ]
    out.sort(key=lambda s: (s.start, s.staff_id))
    return out


@bp.get("/slots")
@validate_querystring(SlotsQuery)
@document_response(ManagerSlotsOut)
async def free_times(query_args: SlotsQuery) -> dict[str, Any]:
    """Free times of a service for a manager's booking, local dates both inclusive (≤ 31 days)."""
    user: Principal = g.user
    q = query_args
    user.check_branch(q.branch_id)
    first, last = parse_local_date(q.date_from, "date_from"), parse_local_date(q.date_to, "date_to")
    check_range(first, last)
    z = zapis()
    actor, service = branch_and_service(z.runtime, q.branch_id, q.service_id)
    check_staff(actor, q.staff_id)
    now = z.clock.now()

    def read(state: BranchState) -> tuple[str, list[Slot], list[dict[str, str]]]:
        assert state.branch is not None
        staff = [{"id": s.id, "name": s.name} for s in candidates(state, service, None)]
        staff.sort(key=lambda s: (s["name"], s["id"]))
        return state.branch.timezone, manager_slots(state, service, first, last, now, q.staff_id), staff

    tz, slots, staff = await actor.ask(Read(read))
    return {**slots_json(slots, first, last, tz), "staff": staff}
