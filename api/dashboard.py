"""Manager dashboard (SPEC §3): the board, status changes, reschedules, manual bookings.

Every request is authenticated before its body is validated (a stranger gets
401, not 400) and checked against the token's branches (403 ``forbidden``
outside them; admins and ``*`` see all). Commands go through the branch's
actor with ``actor="user:<login>"``, so every journaled change says who made
it; that event is also what the bot's notifier tells the client about.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint, validate_querystring, validate_request

from actors.actor import Read
from actors.branch_decide import decide
from actors.branch_state import BranchState
from actors.catalogue_core import CatalogueState
from actors.clients_core import ClientsState
from actors.errors import InvalidInput, NotFound
from actors.messages import BookSlot, ChangeStatus, FindOrCreateClient, Reschedule
from actors.model import Appointment, Service, Status
from actors.phones import normalize_phone
from actors.runtime import BranchActor, load_states
from actors.streams import CATALOGUE, CLIENTS, branch_stream
from api.auth import Principal
from api.board import BranchCut, cut, render, window
from api.context import Zapis, zapis
from api.dashboard_schemas import BoardOut, BoardQuery, ManualBookingIn, RescheduleIn, StatusIn
from api.guards import current_user
from api.params import parse_instant, parse_local_date
from api.schemas import AppointmentOut
from api.views import appointment_json, appointment_view, utc_iso

BOARD_WAIT_S = 1.0  # longest a board read waits for a busy branch actor

bp = Blueprint("dashboard", __name__, url_prefix="/api/v1")
security_scheme_blueprint(bp, [{"bearer": []}])


@bp.before_request
async def _managers_only() -> None:
    g.user = current_user()


def _user() -> Principal:
    return g.user  # type: ignore[no-any-return]


def _who() -> str:
    return f"user:{_user().login}"


# ------------------------------------------------------------ board


@bp.get("/dashboard/board")
@validate_querystring(BoardQuery)
@document_response(BoardOut)
async def board(query_args: BoardQuery) -> dict[str, Any]:
    """The board of the user's branches (or the chosen ones) for a window of local dates."""
    user, z = _user(), zapis()
    date_from = parse_local_date(query_args.date_from, "date_from") if query_args.date_from else None
    date_to = parse_local_date(query_args.date_to, "date_to") if query_args.date_to else None
    wanted = list(dict.fromkeys(query_args.branch_id or []))
    for branch_id in wanted:
        user.check_branch(branch_id)
    if query_args.as_of is not None:
        user.require_admin()
        return await _board_as_of(z, wanted, date_from, date_to, _as_of(query_args.as_of))
    actors = [z.runtime.branch(b) for b in wanted] if wanted else [
        z.runtime.branches[b.id] for b in z.runtime.open_branches() if user.sees(b.id)]
    now = z.clock.now()
    hub = z.hub

    async def cut_of(actor: BranchActor) -> BranchCut:
        assert actor.state.branch is not None
        win = window(actor.state.branch.timezone, date_from, date_to, now)
        def take(st: BranchState) -> BranchCut:
            return cut(st, win, hub.seq if hub else 0)

        # Inside the mailbox: the state holds every committed event of this branch up
        # to the hub's seq (a turn's events are published before the actor resumes).
        try:
            return await asyncio.wait_for(actor.ask(Read(take)), BOARD_WAIT_S)  # type: ignore[no-any-return]
        except TimeoutError:
            # The actor is waiting on the database (an append whose outcome is being
            # confirmed after a lost connection): answer from memory rather than hang.
            # Cards of that turn may show before they are durable; frames that follow
            # carry higher versions, and the browser keeps the higher one.
            return take(actor.state)

    cuts = list(await asyncio.gather(*(cut_of(a) for a in actors)))
    seq = min((c.seq for c in cuts), default=hub.seq if hub else 0)
    return {"seq": seq, "as_of": None, **render(cuts, lambda a: appointment_json(a, z.runtime))}


def _as_of(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"as_of: no such date-time {raw!r}") from None
    if moment.tzinfo is None:
        raise InvalidInput("as_of needs a UTC offset, e.g. 2026-03-02T10:00:00+03:00")
    return moment


async def _board_as_of(
    z: Zapis, wanted: list[str], date_from: date | None, date_to: date | None, moment: datetime,
) -> dict[str, Any]:
    """The board as it was at ``moment``: every state rebuilt from the journal up to it
    with the same ``evolve`` the actors use (no snapshot: it may be from later)."""
    states, seq = await load_states(z.journal, until=moment, use_snapshot=False)
    branches = {k: s for k, s in states.items() if isinstance(s, BranchState) and s.branch is not None}
    if wanted:
        missing = [b for b in wanted if branch_stream(b) not in branches]
        if missing:
            raise NotFound(f"branch {missing[0]!r} did not exist at {moment.isoformat()}")
        chosen = [branches[branch_stream(b)] for b in wanted]
    else:
        chosen = sorted((s for s in branches.values() if s.branch and s.branch.active),
                        key=lambda s: (s.branch.name, s.branch.id) if s.branch else ("", ""))
    clients, catalogue = states.get(CLIENTS), states.get(CATALOGUE)
    cuts = []
    for state in chosen:
        assert state.branch is not None
        cuts.append(cut(state, window(state.branch.timezone, date_from, date_to, moment.timestamp()), seq))

    clients_state = clients if isinstance(clients, ClientsState) else ClientsState()
    catalogue_state = catalogue if isinstance(catalogue, CatalogueState) else CatalogueState()

    def view(a: Appointment) -> dict[str, Any]:
        return appointment_view(a, branches[branch_stream(a.branch_id)], clients_state, catalogue_state)

    return {"seq": seq, "as_of": utc_iso(moment.timestamp()), **render(cuts, view)}


# ------------------------------------------------------------ commands


def _appointment(appointment_id: str) -> tuple[BranchActor, Appointment]:
    actor, appt = zapis().runtime.find_appointment(appointment_id)
    _user().check_branch(appt.branch_id)
    return actor, appt


@bp.patch("/appointments/<appointment_id>/status")
@validate_request(StatusIn)
@document_response(AppointmentOut)
async def change_status(appointment_id: str, data: StatusIn) -> dict[str, Any]:
    """Move a card to any column; the same status again is a no-op (no event)."""
    actor, _ = _appointment(appointment_id)
    appt = await actor.ask(ChangeStatus(appointment_id, data.status, data.version), _who())
    return appointment_json(appt, zapis().runtime)


@bp.patch("/appointments/<appointment_id>/reschedule")
@validate_request(RescheduleIn)
@document_response(AppointmentOut)
async def reschedule(appointment_id: str, data: RescheduleIn) -> dict[str, Any]:
    """A new start and/or staff member (same branch), inside working hours, on a free time."""
    start = parse_instant(data.start, "start")
    actor, _ = _appointment(appointment_id)
    appt = await actor.ask(Reschedule(appointment_id, start, data.staff_id, data.version), _who())
    return appointment_json(appt, zapis().runtime)


@bp.post("/appointments/manual")
@validate_request(ManualBookingIn)
@document_response(AppointmentOut, 201)
async def manual_booking(data: ManualBookingIn) -> tuple[dict[str, Any], int]:
    """A booking taken on the phone: the client is found by phone or created (one profile
    per number, through the client registry's actor), status ``confirmed`` by default."""
    user, z = _user(), zapis()
    user.check_branch(data.branch_id)
    actor = z.runtime.branch(data.branch_id)
    service = _service(z, data.service_id)
    start = parse_instant(data.start, "start")
    phone = normalize_phone(data.client.phone, z.settings.default_region)
    status = data.status or Status.CONFIRMED
    if status is Status.CANCELLED:
        raise InvalidInput("a new booking cannot start as cancelled")
    known = z.runtime.clients.state.by_phone.get(phone)
    booking = BookSlot(
        appointment_id=z.runtime.new_id(), client_id=known or z.runtime.new_id(), source="manual",
        status=status, comment=data.comment, service=service, start=start, staff_id=data.staff_id,
        by_manager=True)
    # Check the time with the very rules of the actor before creating a client profile,
    # so a taken slot changes nothing (the booking itself re-checks inside the mailbox).
    await actor.ask(Read(lambda st: decide(st, booking, z.clock.now())))
    client, _ = await z.runtime.clients.ask(
        FindOrCreateClient(booking.client_id, phone, data.client.name.strip()), _who())
    appt, _ = await actor.ask(replace(booking, client_id=client.id), _who())
    return appointment_json(appt, z.runtime), 201


def _service(z: Zapis, service_id: str) -> Service:
    service = z.runtime.catalogue.state.services.get(service_id)
    if service is None or not service.active:
        raise NotFound("service not found")
    return service
