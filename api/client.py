"""The client interface for Telegram (SPEC §3): sign-up, free slots, holds, bookings.

Every request carries ``Authorization: tma <initData>`` (``api/tma.py``) and is
authenticated before its body is read, so a stranger gets 401, never 400:

- 401 ``unauthorized``: no/forged/expired initData, another bot's, or no bot
  token configured at all;
- 403 ``forbidden``: valid initData of a Telegram user who has not shared a
  phone yet (``POST /clients/auth`` first) — they are known, just not allowed;
- 429 ``rate_limited`` (with ``Retry-After``): more holds or bookings per
  client per minute than ``ZAPIS_HOLDS_PER_MINUTE`` / ``ZAPIS_BOOKINGS_PER_MINUTE``;
  every attempt counts, refused ones too.

The catalogue (``GET /branches``, ``GET /services``) needs no auth and lives in
``api/public.py``. Staff choice without ``staff_id``: the core picks, among the
staff free at that start, the one with the fewest appointments that local
day, then the fewest booked minutes, then the smallest id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from quart import Blueprint, Response, g, request
from quart_schema import document_response, security_scheme_blueprint, tag_blueprint

from actors.errors import HoldExpired, NotFound
from actors.messages import BookSlot, CancelAsClient, HoldSlot, RegisterClient, ReleaseHold
from actors.model import Client
from actors.phones import normalize_phone
from actors.runtime import BranchActor
from actors.slots import free_slots
from api.client_schemas import (
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
from api.client_support import (
    appointments_of,
    bookable_days,
    branch_and_service,
    check_range,
    check_staff,
    hold_branch,
    hold_json,
    json_response,
    page,
    slots_json,
)
from api.clientkit import ClientKit, check_key_branch, key_home, request_hash
from api.context import zapis
from api.params import parse_instant, parse_local_date
from api.problems import ApiError
from api.schemas import AppointmentOut
from api.tma import InitDataInvalid, TelegramUser, parse_authorization
from api.validated import validate_body, validate_header_fields, validate_query
from api.views import appointment_json, client_json

bp = Blueprint("client", __name__, url_prefix="/api/v1")
security_scheme_blueprint(bp, [{"tma": []}])
tag_blueprint(bp, ["client"])

REGISTER = "client.register"


def _kit() -> ClientKit:
    kit = zapis().client_kit
    if kit is None or kit.verifier is None:
        raise _unauthorized("the client interface is not configured (ZAPIS_TELEGRAM_BOT_TOKEN)")
    return kit


def _unauthorized(detail: str) -> ApiError:
    return ApiError(401, "unauthorized", detail, {"WWW-Authenticate": 'tma realm="zapis"'})


@bp.before_request
async def _authenticate() -> None:
    """initData → Telegram user → registered client, and rate limits; before any body is read."""
    z = zapis()
    kit = z.client_kit
    if kit is None or kit.verifier is None:
        raise _unauthorized("the client interface is not configured (ZAPIS_TELEGRAM_BOT_TOKEN)")
    try:
        user = kit.verifier.verify(parse_authorization(request.headers.get("Authorization")))
    except InitDataInvalid as err:
        raise _unauthorized(str(err)) from None
    g.tg_user = user
    endpoint = request.endpoint
    if endpoint == REGISTER:
        return
    client = z.runtime.clients.state.by_telegram_client(user.id)
    if client is None:
        raise ApiError(403, "forbidden", "share your phone first: POST /api/v1/clients/auth")
    g.client = client
    if endpoint == "client.hold":
        kit.hold_limiter.hit(client.id)
    elif endpoint == "client.book":
        kit.booking_limiter.hit(client.id)


def _client() -> Client:
    return g.client  # type: ignore[no-any-return]


def _who() -> str:
    return f"client:{_client().id}"


@asynccontextmanager
async def _one_at_a_time(key: str | None) -> AsyncIterator[None]:
    """Requests with one (client, Idempotency-Key) run one after another."""
    if key is None:
        yield
        return
    async with _kit().keys.hold((_client().id, key)):
        yield


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
    z = zapis()
    user: TelegramUser = g.tg_user
    phone = normalize_phone(data.phone, z.settings.default_region)
    name = (data.name or "").strip() or user.full_name
    client, created = await z.runtime.clients.ask(
        RegisterClient(z.runtime.new_id(), user.id, phone, name[:200]), f"telegram:{user.id}")
    return json_response({"client": client_json(client)}, 201 if created else 200)


@bp.get("/slots/available")
@validate_query(SlotsQuery)
@document_response(SlotsOut)
async def available(query_args: SlotsQuery) -> Response:
    """Free slots of a service between two local dates (both inclusive, at most 31 days).

    Your own live hold never hides its slot from you; other clients' holds do.
    """
    q = query_args
    first, last = parse_local_date(q.date_from, "date_from"), parse_local_date(q.date_to, "date_to")
    check_range(first, last)
    z = zapis()
    actor, service = branch_and_service(z.runtime, q.branch_id, q.service_id)
    check_staff(actor, q.staff_id)
    state, now = actor.state, z.clock.now()
    assert state.branch is not None
    window = bookable_days(actor, first, last, now)
    slots = free_slots(state, service, *window, now, staff_id=q.staff_id,
                       client_id=_client().id) if window else []
    return json_response(slots_json(slots, first, last, state.branch.timezone))


@bp.post("/slots/hold")
@validate_body(HoldIn)
@validate_header_fields(IdempotencyHeaders)
@document_response(HoldOut, 201)
async def hold(data: HoldIn, headers: IdempotencyHeaders) -> Response:
    """Hold a slot for ``ZAPIS_HOLD_TTL_S`` (5 minutes); replaces your other hold in this branch.

    409 ``slot_unavailable`` if it is taken or held by someone else, off the
    grid, too soon or beyond the horizon.
    """
    z = zapis()
    client = _client()
    start = parse_instant(data.start)
    actor, service = branch_and_service(z.runtime, data.branch_id, data.service_id)
    key = headers.idempotency_key
    digest = request_hash("POST /slots/hold", {
        "branch_id": data.branch_id, "service_id": data.service_id, "start": start,
        "staff_id": data.staff_id}) if key else None
    async with _one_at_a_time(key):
        if key is not None:
            check_key_branch(z.runtime, client.id, key, data.branch_id)
        held, _ = await actor.ask(HoldSlot(
            z.runtime.new_id(), client.id, service, start, data.staff_id, z.settings.hold_ttl_s,
            key, digest), _who())
    if held is None or not held.live(z.clock.now()):  # a replay of a hold that is gone
        raise HoldExpired("the hold made with this Idempotency-Key has expired or was used")
    assert actor.state.branch is not None
    return json_response(hold_json(held, actor.state.branch.timezone), 201)


@bp.delete("/slots/hold/<hold_id>")
@document_response(NoContent, 204)
async def release(hold_id: str) -> Response:
    """Release your hold (404 if it is not yours or no longer live)."""
    actor = hold_branch(zapis().runtime, hold_id, missing=NotFound)
    await actor.ask(ReleaseHold(hold_id, _client().id), _who())
    return Response(status=204)


@bp.post("/appointments")
@validate_body(BookingIn)
@validate_header_fields(IdempotencyHeaders)
@document_response(AppointmentOut, 201)
async def book(data: BookingIn, headers: IdempotencyHeaders) -> Response:
    """Book by ``hold_id`` or by slot; the appointment starts as ``new``.

    409 ``slot_unavailable`` or ``hold_expired``. With ``Idempotency-Key``,
    the same key and body answer the first booking again (201, same id); the
    same key with another body is 422 ``idempotency_key_reused``.
    """
    z = zapis()
    key = headers.idempotency_key
    async with _one_at_a_time(key):
        actor, command = _booking(data, key)
        appointment, _ = await actor.ask(command, _who())
    return json_response(appointment_json(appointment, z.runtime), 201)


def _booking(data: BookingIn, key: str | None) -> tuple[BranchActor, BookSlot]:
    z = zapis()
    client, new_id = _client(), z.runtime.new_id()
    if data.hold_id is not None:
        digest = request_hash("POST /appointments", {"hold_id": data.hold_id, "comment": data.comment})
        home = key_home(z.runtime, client.id, key) if key else None
        actor = z.runtime.branch(home) if home else hold_branch(z.runtime, data.hold_id, missing=HoldExpired)
        return actor, BookSlot(new_id, client.id, comment=data.comment, hold_id=data.hold_id,
                               idempotency_key=key, request_hash=digest if key else None)
    assert data.branch_id is not None and data.service_id is not None
    start = parse_instant(data.start)
    actor, service = branch_and_service(z.runtime, data.branch_id, data.service_id)
    digest = request_hash("POST /appointments", {
        "branch_id": data.branch_id, "service_id": data.service_id, "start": start,
        "staff_id": data.staff_id, "comment": data.comment})
    if key is not None:
        check_key_branch(z.runtime, client.id, key, data.branch_id)
    return actor, BookSlot(new_id, client.id, comment=data.comment, service=service, start=start,
                           staff_id=data.staff_id, idempotency_key=key,
                           request_hash=digest if key else None)


@bp.get("/appointments/my")
@validate_query(MyQuery)
@document_response(AppointmentPage)
async def mine(query_args: MyQuery) -> Response:
    """Your appointments in every branch and status, newest start first (cursor pagination)."""
    runtime = zapis().runtime
    items, next_cursor = page(appointments_of(runtime, _client().id), query_args.limit, query_args.cursor)
    return json_response({"items": [appointment_json(a, runtime) for a in items], "next_cursor": next_cursor})


@bp.post("/appointments/<appointment_id>/cancel")
@document_response(AppointmentOut)
async def cancel(appointment_id: str) -> Response:
    """Cancel your ``new`` or ``confirmed`` appointment, at least the branch's cancel notice ahead.

    409 ``invalid_transition`` if it is too late or the appointment is already final.
    """
    runtime = zapis().runtime
    actor, appointment = runtime.find_appointment(appointment_id)
    if appointment.client_id != _client().id:
        raise NotFound("appointment not found")
    cancelled = await actor.ask(CancelAsClient(appointment_id, _client().id), _who())
    return json_response(appointment_json(cancelled, runtime))
