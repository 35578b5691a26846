"""``GET /api/v1/system/reports``: SPEC's KPIs from committed state (see ``actors/core/reports.py``).

Admins see every branch, managers theirs; ``branch_id`` narrows to one
(403 outside the caller's branches). Periods are capped at 366 days.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint

from api.validated import validate_query
from api.context import app_context
from api.guards import current_user
from api.params import date_range

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
    appointments: int
    open: int
    done: int
    cancelled: int
    no_show: int


class Report(BaseModel):
    new_requests: int
    appointments: int
    open: int
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
@validate_query(ReportQuery)
@document_response(Report)
async def reports(query_args: ReportQuery) -> dict[str, Any]:
    first, last = date_range(query_args.date_from, query_args.date_to, MAX_DAYS)
    if query_args.branch_id is not None:
        g.user.check_branch(query_args.branch_id)
    chosen = [query_args.branch_id] if query_args.branch_id is not None else None
    return app_context().scheduler.report(chosen, first, last, g.user.sees)
