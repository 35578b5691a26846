"""``GET /api/v1/system/reports``: SPEC's KPIs from committed state (see ``actors/core/reports.py``
and, for money, no-shows, sources and masters, ``actors/core/report_money.py``).

Admins see every branch, managers theirs; ``branch_id`` narrows to one
(403 outside the caller's branches). Periods are capped at 366 days.
``format=csv|xlsx`` answers the same report as a file to save
(``api/admin/report_files.py``, ``api/exports.py``); ``json`` (the default) as JSON.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel
from quart import Blueprint, Response, g
from quart_schema import document_response, security_scheme_blueprint

from api.validated import validate_query
from api.context import app_context
from api.guards import current_user
from api.params import date_range
from api.admin.report_files import report_tables
from api.exports import MIME, attachment, render

bp = Blueprint("system_reports", __name__, url_prefix="/api/v1/system")
security_scheme_blueprint(bp, [{"bearer": []}])
MAX_DAYS = 366


class ReportQuery(BaseModel):
    date_from: str
    date_to: str
    branch_id: str | None = None
    format: Literal["json", "csv", "xlsx"] = "json"


Money = dict[str, str]  # currency -> decimal string ("1500.00")


class Source(BaseModel):
    appointments: int
    done: int
    conversion: float  # done ÷ appointments, 0..1


class StaffRow(BaseModel):
    staff_id: str
    name: str
    branch_id: str
    visits_done: int
    revenue: Money
    booked_min: int
    working_min: int
    utilization: float | None  # booked ÷ working, null without working time
    rating: float | None  # mean feedback rating, null without feedback


class DayRow(BaseModel):
    date: str
    new_requests: int
    appointments: int
    open: int
    done: int
    cancelled: int
    no_show: int
    revenue: Money


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
    revenue: Money
    average_check: Money
    no_show_rate: float  # no-shows ÷ (done + no-shows), 0..1
    by_source: dict[str, Source]
    by_staff: list[StaffRow]
    by_day: list[DayRow]


@bp.before_request
async def _signed_in() -> None:
    """Authenticate before the query is validated: a stranger gets 401, not 400."""
    g.user = current_user()


@bp.get("/reports")
@validate_query(ReportQuery)
@document_response(Report)
async def reports(query_args: ReportQuery) -> dict[str, Any] | Response:
    first, last = date_range(query_args.date_from, query_args.date_to, MAX_DAYS)
    if query_args.branch_id is not None:
        g.user.check_branch(query_args.branch_id)
    chosen = [query_args.branch_id] if query_args.branch_id is not None else None
    scheduler = app_context().scheduler
    report = scheduler.report(chosen, first, last, g.user.sees)
    if query_args.format == "json":
        return report

    def branch_name(branch_id: str) -> str:
        return scheduler.branch(branch_id, include_closed=True).name

    tables = report_tables(report, first, last, query_args.branch_id, branch_name)
    body = await asyncio.to_thread(render, tables, query_args.format)  # openpyxl takes a while
    name = f"report-{first.isoformat()}-{last.isoformat()}.{query_args.format}"
    return Response(body, content_type=MIME[query_args.format], headers=attachment(name))
