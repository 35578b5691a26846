"""``GET /api/v1/system/reports``: SPEC's KPIs from in-memory state (see ``actors/reports.py``).

Admins see every branch, managers theirs; ``branch_id`` narrows to one
(403 outside the caller's branches). Periods are capped at 366 days.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint, validate_querystring

from actors.errors import InvalidInput
from actors.reports import kpis
from api.context import zapis
from api.guards import current_user
from api.params import parse_local_date

bp = Blueprint("system_reports", __name__, url_prefix="/api/v1/system")
security_scheme_blueprint(bp, [{"bearer": []}])
MAX_DAYS = 366


class ReportQuery(BaseModel):
    date_from: str
    date_to: str
    branch_id: str | None = None


class DayRow(BaseModel):
    date: str
    new_requests: int
    done: int
    cancelled: int
    no_show: int


class Report(BaseModel):
    new_requests: int
    appointments: int
    done: int
    completed_pct: float
    cancelled: int
    no_show: int
    repeat_visits: int
    repeat_clients_pct: float
    by_day: list[DayRow]


@bp.before_request
async def _signed_in() -> None:
    """Authenticate before the query is validated: a stranger gets 401, not 400."""
    g.user = current_user()


@bp.get("/reports")
@validate_querystring(ReportQuery)
@document_response(Report)
async def reports(query_args: ReportQuery) -> dict[str, Any]:
    first = parse_local_date(query_args.date_from, "date_from")
    last = parse_local_date(query_args.date_to, "date_to")
    if last < first:
        raise InvalidInput("date_to is before date_from")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"a report covers at most {MAX_DAYS} days")
    runtime = zapis().runtime
    if query_args.branch_id is not None:
        g.user.check_branch(query_args.branch_id)
        chosen = [runtime.branch(query_args.branch_id, include_closed=True).state]
    else:
        chosen = [a.state for bid, a in runtime.branches.items() if g.user.sees(bid)]
    return kpis(chosen, (a.state for a in runtime.branches.values()), first, last)
