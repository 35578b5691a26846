"""The client interface for Telegram (SPEC §3): sign-up, free slots, holds, bookings.

Every request carries ``Authorization: tma <initData>`` (``api/telegram/initdata.py``) and is
authenticated before its body is read, so a stranger gets 401, never 400:

- 401 ``unauthorized``: no/forged/expired initData, another bot's, or no bot
  token configured at all;
- 403 ``forbidden``: valid initData of a Telegram user who has not shared a
  phone yet (``POST /clients/auth`` first) — they are known, just not allowed;
- 429 ``rate_limited`` (with ``Retry-After``): more holds or bookings per
  client per minute than ``ZAPIS_HOLDS_PER_MINUTE`` / ``ZAPIS_BOOKINGS_PER_MINUTE``;
  every attempt counts, refused ones too.

The catalogue (``GET /branches``, ``GET /services``) needs no auth and lives in
``api/telegram/catalogue.py``. Staff choice without ``staff_id``: the core picks, among the
staff free at that start, the one with the fewest appointments that local
day, then the fewest booked minutes, then the smallest id.
"""

from __future__ import annotations

import orjson
from quart import Blueprint, Response, g, request
from quart_schema import document_response, security_scheme_blueprint, tag_blueprint

from actors.core.model import Client
from actors.core.phones import normalize_phone
from actors.scheduler import MAX_SLOT_DAYS, Person, SlotBooking
from api.context import app_context
from api.params import date_range, keyset_page, parse_instant
from api.problems import ApiError
from api.schemas import AppointmentOut
from api.shapes import appointment_json, client_json, json_response
from api.telegram.initdata import InitDataInvalid, TelegramUser, parse_authorization
from api.telegram.render import hold_json, slots_json
from api.visit_params import one_of, wanted
from api.telegram.schemas import (
    AppointmentPage,
    BookingIn,
    ClientAuthIn,
    ClientEnvelope,
    HoldIn,
    HoldOut,
    IdempotencyHeaders,
    MyQuery,
    NoContent,
    SlotsOut,
    SlotsQuery,
)
from api.validated import validate_body, validate_header_fields, validate_query

bp = Blueprint("client", __name__, url_prefix="/api/v1")
security_scheme_blueprint(bp, [{"tma": []}])
tag_blueprint(bp, ["client"])

REGISTER = "client.register"


def _unauthorized(key: str, **params: object) -> ApiError:
    return ApiError(401, "unauthorized", key, {"WWW-Authenticate": 'tma realm="zapis"'}, **params)


@bp.before_request
async def authenticate() -> None:
    """initData → Telegram user → registered client, and rate limits; before any body is read.

    Every client blueprint (``api/telegram/visits.py`` …) runs this same hook."""
    ctx = app_context()
    kit = ctx.telegram
    if kit is None or kit.verifier is None:
        raise _unauthorized("tma.not_configured")
    try:
        user = kit.verifier.verify(parse_authorization(request.headers.get("Authorization")))
    except InitDataInvalid as err:
        raise _unauthorized("tma.invalid", reason=str(err)) from None
    g.tg_user = user
    endpoint = request.endpoint
    if endpoint == REGISTER:
        return
    client = await ctx.scheduler.client_by_telegram_caught_up(user.id)
    if client is None:
        raise ApiError(403, "forbidden", "tma.share_phone")
    g.client = client
    if endpoint == "client.hold":
        await kit.hold_limiter.hit(client.id)
    elif endpoint == "client.book":
        await kit.booking_limiter.hit(client.id)


def _client() -> Client:
    client: Client = g.client
    return client


@bp.post("/clients/auth")
@validate_body(ClientAuthIn)
@document_response(ClientEnvelope, 200)
@document_response(ClientEnvelope, 201)
async def register(data: ClientAuthIn) -> Response:
    """Register (201) or recognise (200) the Telegram user by their phone.

    Any common phone format is accepted and stored as E.164. 409
    ``client_conflict`` if the phone belongs to another Telegram account.
    Without ``name``, the Telegram first and last name are used.
    """
    ctx = app_context()
    user: TelegramUser = g.tg_user
    phone = normalize_phone(data.phone, ctx.settings.default_region)
    name = (data.name or "").strip() or user.full_name
    registered = await ctx.scheduler.register_client(user.id, phone, name)
    return json_response({"client": client_json(registered.client)}, 201 if registered.created else 200)


@bp.get("/slots/available")
@validate_query(SlotsQuery)
@document_response(SlotsOut)
async def available(query_args: SlotsQuery) -> Response:
    """Free slots of a service between two local dates (both inclusive, at most 31 days).

    Your own live hold never hides its slot from you; other clients' holds do.
    """
    q = query_args
    first, last = date_range(q.date_from, q.date_to, MAX_SLOT_DAYS)
    answer = app_context().scheduler.availability(_client().id, q.branch_id, wanted(q.service_id), first, last,
                                                  q.staff_id)
    body = answer.body
    if body is None:  # rendered once per cached answer (the JSON depends on the answer alone)
        body = answer.body = orjson.dumps(slots_json(answer.value))
    return Response(body, content_type="application/json")


@bp.post("/slots/hold")
@validate_body(HoldIn)
@validate_header_fields(IdempotencyHeaders)
@document_response(HoldOut, 201)
async def hold(data: HoldIn, headers: IdempotencyHeaders) -> Response:
    """Hold a slot for ``ZAPIS_HOLD_TTL_S`` (5 minutes); replaces your other hold in this branch.

    409 ``slot_unavailable`` if it is taken or held by someone else, off the
    grid, too soon or beyond the horizon.
    """
    scheduler = app_context().scheduler
    start = parse_instant(data.start)
    held = await scheduler.hold(_client().id, data.branch_id, one_of(data.service_id, data.service_ids), start,
                                data.staff_id, headers.idempotency_key)
    return json_response(hold_json(held, scheduler.branch(data.branch_id).timezone), 201)


@bp.delete("/slots/hold/<hold_id>")
@document_response(NoContent, 204)
async def release(hold_id: str) -> Response:
    """Release your hold (404 if it is not yours or no longer live)."""
    await app_context().scheduler.release_hold(_client().id, hold_id)
    return Response(status=204)


@bp.post("/appointments")
@validate_body(BookingIn)
@validate_header_fields(IdempotencyHeaders)
@document_response(AppointmentOut, 201)
async def book(data: BookingIn, headers: IdempotencyHeaders) -> Response:
    """Book by ``hold_id`` or by slot; the appointment starts as ``new``.

    With ``"for": {"name", "phone"}`` the visit is that person's (found by phone or created);
    you book, get its messages, see it in «Мои записи» and may cancel or move it.

    409 ``slot_unavailable`` or ``hold_expired``. With ``Idempotency-Key``,
    the same key and body answer the first booking again (201, same id); the
    same key with another body is 422 ``idempotency_key_reused``.
    """
    ctx = app_context()
    scheduler, client, key = ctx.scheduler, _client(), headers.idempotency_key
    whom = data.for_
    person = Person(normalize_phone(whom.phone, ctx.settings.default_region), whom.name.strip()) if whom else None
    if data.hold_id is not None:
        appointment = await scheduler.book_hold(client.id, data.hold_id, data.comment, key, person)
    else:
        assert data.branch_id is not None
        slot = SlotBooking(data.branch_id, one_of(data.service_id, data.service_ids), parse_instant(data.start),
                           data.staff_id)
        appointment = await scheduler.book_slot(client.id, slot, data.comment, key, person)
    return json_response(appointment_json(appointment, scheduler), 201)


@bp.get("/appointments/my")
@validate_query(MyQuery)
@document_response(AppointmentPage)
async def mine(query_args: MyQuery) -> Response:
    """Your appointments in every branch and status, newest start first (cursor pagination);
    the visits you booked for other people too (``booked_by`` is your id)."""
    scheduler = app_context().scheduler
    visits = scheduler.appointments_of(_client().id, booked=True)
    items, next_cursor = keyset_page(visits, lambda a: (a.start, a.id), (int, str),
                                     query_args.limit, query_args.cursor, newest_first=True)
    return json_response({"items": [appointment_json(a, scheduler) for a in items], "next_cursor": next_cursor})


@bp.post("/appointments/<appointment_id>/cancel")
@document_response(AppointmentOut)
async def cancel(appointment_id: str) -> Response:
    """Cancel your ``new`` or ``confirmed`` appointment, at least the branch's cancel notice ahead.

    409 ``invalid_transition`` if it is too late or the appointment is already final.
    """
    scheduler = app_context().scheduler
    cancelled = await scheduler.cancel_as_client(_client().id, appointment_id)
    return json_response(appointment_json(cancelled, scheduler))
