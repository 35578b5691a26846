"""A manager's commands on appointments (SPEC §3): status, reschedule, manual booking.

Every request is authenticated before its body is validated (a stranger gets
401, not 400) and checked against the token's branches (403 ``forbidden``
outside them; admins and ``*`` see all). Commands go through the
application layer with ``who="user:<login>"``, so every journaled change
says who made it; that event is also what the bot's notifier tells the
client about.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.model import Status
from actors.core.phones import normalize_phone
from api.auth import Principal
from api.validated import validate_body
from api.context import app_context
from api.guards import current_user, who
from api.manager.schemas import ManualBookingIn, RescheduleIn, StatusIn
from api.params import parse_instant
from api.schemas import AppointmentOut
from api.shapes import appointment_json
from api.visit_params import one_of

bp = Blueprint("dashboard", __name__, url_prefix="/api/v1/appointments")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _managers_only() -> None:
    g.user = current_user()


def _user() -> Principal:
    user: Principal = g.user
    return user


def _in_scope(appointment_id: str) -> None:
    """404 for an unknown appointment, 403 for one outside the user's branches."""
    _user().check_branch(app_context().scheduler.find_appointment(appointment_id).branch_id)


@bp.patch("/<appointment_id>/status")
@validate_body(StatusIn)
@document_response(AppointmentOut)
async def change_status(appointment_id: str, data: StatusIn) -> dict[str, Any]:
    """Move a card to any column; the same status again is a no-op (no event)."""
    scheduler = app_context().scheduler
    _in_scope(appointment_id)
    appt = await scheduler.change_status(appointment_id, data.status, data.version, who())
    return appointment_json(appt, scheduler)


@bp.patch("/<appointment_id>/reschedule")
@validate_body(RescheduleIn)
@document_response(AppointmentOut)
async def reschedule(appointment_id: str, data: RescheduleIn) -> dict[str, Any]:
    """A new start and/or staff member (same branch), inside working hours, on a free time."""
    scheduler = app_context().scheduler
    start = parse_instant(data.start, "start")
    _in_scope(appointment_id)
    appt = await scheduler.reschedule(appointment_id, start, data.staff_id, data.version, who())
    return appointment_json(appt, scheduler)


@bp.post("/manual")
@validate_body(ManualBookingIn)
@document_response(AppointmentOut, 201)
async def manual_booking(data: ManualBookingIn) -> tuple[dict[str, Any], int]:
    """A booking taken on the phone: the client is found by phone or created (one profile
    per number), status ``confirmed`` by default."""
    ctx = app_context()
    _user().check_branch(data.branch_id)
    appt = await ctx.scheduler.manual_booking(
        branch_id=data.branch_id, service_id=one_of(data.service_id, data.service_ids),
        start=parse_instant(data.start, "start"),
        staff_id=data.staff_id, phone=normalize_phone(data.client.phone, ctx.settings.default_region),
        name=data.client.name, status=data.status or Status.CONFIRMED, comment=data.comment, who=who())
    return appointment_json(appt, ctx.scheduler), 201
