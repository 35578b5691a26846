"""The client's own visit after booking (SPEC §9.3): reschedule, «Приду», feedback.

Authenticated like every client endpoint (``api.telegram.booking.authenticate``:
``Authorization: tma <initData>``, 401/403 before the body is read). Each acts
on the caller's own appointment only: someone else's answers 404 exactly as
an id that does not exist. The rules are the core's (``actors/core/journey.py``):

- ``PATCH /appointments/{id}/reschedule`` ``{"start", "staff_id"?}``: a ``new`` or
  ``confirmed`` visit, at least the branch's ``reschedule_notice_min`` (else
  its ``cancel_notice_min``) before the old start — 409 ``too_late``
  otherwise; the new start must be a free slot by the client rules (409
  ``slot_unavailable``). The old time is given up only when the new one is
  taken (one event in the branch actor). The visit goes back to ``new``.
- ``POST /appointments/{id}/confirm-visit``: ``client_confirmed_at`` is set (a
  second call answers the same appointment); 409 ``invalid_transition`` for a
  visit that is final or already began.
- ``POST /appointments/{id}/feedback`` ``{"rating": 1..5, "comment"?}``: 201 for
  a ``done`` visit (409 ``invalid_transition`` otherwise), once (409
  ``feedback_exists`` the second time).
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response, current_app, g, request
from quart_schema import document_response, hide, security_scheme_blueprint, tag_blueprint

from actors.core.model import Client
from api.context import app_context
from api.params import parse_instant
from api.schemas import AppointmentOut
from api.shapes import appointment_json, json_response
from api.telegram.booking import authenticate
from api.telegram.schemas import FeedbackIn, RescheduleIn
from api.validated import validate_body

bp = Blueprint("visits", __name__, url_prefix="/api/v1")
security_scheme_blueprint(bp, [{"tma": []}])
tag_blueprint(bp, ["client"])

# SPEC gives the client's and the manager's reschedule ONE path, told apart by the
# Authorization scheme; this blueprint's rule matches first, so a request that is not
# signed ``tma`` is answered by the dashboard's own hooks and handler, unchanged.
MANAGER = {"visits.reschedule": ("dashboard", "dashboard.reschedule")}


@bp.before_request
async def _client_or_manager() -> Any:
    shared = MANAGER.get(request.endpoint or "")
    scheme = (request.headers.get("Authorization") or "").strip().partition(" ")[0].lower()
    if shared is None or scheme == "tma":
        await authenticate()
        return None
    blueprint, endpoint = shared
    for hook in current_app.before_request_funcs.get(blueprint, []):
        await current_app.ensure_async(hook)()
    view = current_app.ensure_async(current_app.view_functions[endpoint])
    return await view(**(request.view_args or {}))


def _client() -> Client:
    client: Client = g.client
    return client


@bp.patch("/appointments/<appointment_id>/reschedule")
@hide  # documented with the dashboard's operation of the same path (api/openapi.py, SHARED)
@validate_body(RescheduleIn)
@document_response(AppointmentOut)
async def reschedule(appointment_id: str, data: RescheduleIn) -> Response:
    """Move your ``new`` or ``confirmed`` visit to another free start (same services); it is
    ``new`` again for the salon to confirm. Without ``staff_id`` the master stays.

    409 ``too_late`` closer to the old start than the branch's reschedule notice;
    409 ``slot_unavailable`` for a time that is taken, off the grid, too soon or
    beyond the horizon; 409 ``invalid_transition`` for a final visit; 404 if not yours.
    """
    scheduler = app_context().scheduler
    moved = await scheduler.reschedule_as_client(_client().id, appointment_id, parse_instant(data.start),
                                                 data.staff_id)
    return json_response(appointment_json(moved, scheduler))


@bp.post("/appointments/<appointment_id>/confirm-visit")
@document_response(AppointmentOut)
async def confirm_visit(appointment_id: str) -> Response:
    """«Приду»: mark your upcoming ``new`` or ``confirmed`` visit as confirmed by you
    (``client_confirmed_at``); pressing again changes nothing. 404 if not yours."""
    scheduler = app_context().scheduler
    confirmed = await scheduler.confirm_visit(_client().id, appointment_id)
    return json_response(appointment_json(confirmed, scheduler))


@bp.post("/appointments/<appointment_id>/feedback")
@validate_body(FeedbackIn)
@document_response(AppointmentOut, 201)
async def feedback(appointment_id: str, data: FeedbackIn) -> Response:
    """Rate your ``done`` visit 1–5, with an optional comment, once.

    409 ``invalid_transition`` for a visit that is not done; 409
    ``feedback_exists`` the second time; 404 if not yours.
    """
    scheduler = app_context().scheduler
    rated = await scheduler.leave_feedback(_client().id, appointment_id, data.rating, data.comment)
    return json_response(appointment_json(rated, scheduler), 201)
