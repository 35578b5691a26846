"""The client's waitlist (SPEC §9.3): ``POST /waitlist``, ``GET /waitlist/my``, ``DELETE /waitlist/{id}``.

Authenticated like every client endpoint (``api.telegram.booking.authenticate``).
An entry waits for freed time in one branch: services in order, a range of
local dates (both inclusive, at most 31 days, not all past), optionally one
master and a time of day (a start in ``[time_from, time_to)``, local
``HH:MM``). When time frees up the branch offers it to the oldest matching
entry as a hold of ``ZAPIS_WAITLIST_OFFER_TTL_S``: the entry then shows
``status: "offered"`` and ``offer``; ``POST /appointments {"hold_id"}`` books
it, ``DELETE /slots/hold/{hold_id}`` declines it. Someone else's entry
answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictStr, model_validator
from quart import Blueprint, Response, g
from quart_schema import document_response, security_scheme_blueprint, tag_blueprint

from actors.core.errors import InvalidInput
from actors.core.model import Client
from actors.core.schedule import format_hhmm, parse_hhmm
from actors.waitlist_app import MAX_WAIT_DAYS, Waiting, Wish
from api.context import app_context
from api.params import date_range
from api.schemas import InvalidValue, RequestModel
from api.shapes import json_response, local_iso
from api.telegram.booking import authenticate
from api.telegram.schemas import Id, NoContent, ServiceIdList
from api.validated import validate_body

bp = Blueprint("waitlist", __name__, url_prefix="/api/v1")
security_scheme_blueprint(bp, [{"tma": []}])
tag_blueprint(bp, ["client"])
bp.before_request(authenticate)

Date = Annotated[StrictStr, Field(min_length=1, max_length=10, examples=["2026-03-02"],
                                  json_schema_extra={"format": "date"})]
Clock = Annotated[StrictStr, Field(min_length=5, max_length=5, examples=["09:00"])]


class WaitlistIn(RequestModel):
    """What you wait for; ``time_from``/``time_to`` (local ``HH:MM``) narrow the start of the visit."""

    branch_id: Id
    service_ids: ServiceIdList
    date_from: Date
    date_to: Date
    staff_id: Id | None = None
    time_from: Clock | None = None
    time_to: Clock | None = None

    @model_validator(mode="after")
    def _distinct(self) -> "WaitlistIn":
        if len(set(self.service_ids)) != len(self.service_ids):
            raise InvalidValue("waitlist.repeated_service")
        return self


class OfferOut(BaseModel):
    hold_id: str
    start: str
    end: str
    staff_id: str
    expires_at: str


class WaitlistEntryOut(BaseModel):
    """``status``: ``waiting``, ``offered`` (see ``offer``), ``booked`` or ``ended``."""

    id: str
    branch_id: str
    service_ids: list[str]
    date_from: str
    date_to: str
    staff_id: str | None
    time_from: str | None
    time_to: str | None
    status: str
    offer: OfferOut | None


class WaitlistPage(BaseModel):
    items: list[WaitlistEntryOut]


def entry_json(w: Waiting) -> dict[str, Any]:
    """SPEC §9.3's entry: dates local, the offer's times in the branch's zone."""
    e, tz = w.entry, w.timezone
    o = e.offer
    return {
        "id": e.id, "branch_id": w.branch_id, "service_ids": list(e.service_ids),
        "date_from": e.date_from, "date_to": e.date_to, "staff_id": e.staff_id,
        "time_from": format_hhmm(e.time_from) if e.time_from is not None else None,
        "time_to": format_hhmm(e.time_to) if e.time_to is not None else None,
        "status": e.status,
        "offer": {"hold_id": o.hold_id, "start": local_iso(o.start, tz), "end": local_iso(o.end, tz),
                  "staff_id": o.staff_id, "expires_at": local_iso(o.expires_at, tz)} if o is not None else None,
    }


def _client() -> Client:
    client: Client = g.client
    return client


def _minutes(raw: str | None, field: str) -> int | None:
    if raw is None:
        return None
    minutes = parse_hhmm(raw)
    if minutes >= 24 * 60 and field == "time_from":
        raise InvalidInput("waitlist.hours")
    return minutes


@bp.post("/waitlist")
@validate_body(WaitlistIn)
@document_response(WaitlistEntryOut, 201)
async def join(data: WaitlistIn) -> Response:
    """Wait for time in a branch (400 for bad dates or hours; 404 for an unknown branch, service or master)."""
    first, last = date_range(data.date_from, data.date_to, MAX_WAIT_DAYS)
    time_from, time_to = _minutes(data.time_from, "time_from"), _minutes(data.time_to, "time_to")
    if time_from is not None and time_to is not None and time_to <= time_from:
        raise InvalidInput("waitlist.hours")
    waiting = await app_context().scheduler.waitlist.join(_client().id, Wish(
        data.branch_id, tuple(data.service_ids), first, last, data.staff_id, time_from, time_to))
    return json_response(entry_json(waiting), 201)


@bp.get("/waitlist/my")
@document_response(WaitlistPage)
async def mine() -> Response:
    """Your entries in every branch, newest first (ended and booked ones too)."""
    return json_response({"items": [entry_json(w) for w in app_context().scheduler.waitlist.of_client(_client().id)]})


@bp.delete("/waitlist/<entry_id>")
@document_response(NoContent, 204)
async def leave(entry_id: str) -> Response:
    """Leave the waitlist (an offer you hold goes to the next client); 204, also when already ended."""
    await app_context().scheduler.waitlist.leave(_client().id, entry_id)
    return Response(status=204)
