"""Adapters from each stream's pure core to ``StreamActor``'s ``Decision``.

Each one turns a message into events (via the core) and says how to answer
the caller once they are applied, e.g. the appointment as it now stands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from actors.actor import Decision
from actors.core.branch_decide import decide
from actors.core.branch_state import BranchState
from actors.core.catalogue import CatalogueState, add_service, remove_service, update_service
from actors.core.clients import (
    ClientsState,
    find_or_create_by_phone,
    import_clients,
    merge_clients,
    register,
    update_client,
)
from actors.core.ids import derived_ids
from actors.core.model import Appointment, Client, Hold
from actors.core.users import UsersState, create_user, update_user
from actors.core import waitlist
from actors.core.messages import (
    CheckWaitlist,
    JoinWaitlist,
    LeaveWaitlist,
    AddService,
    AddStaff,
    BookSlot,
    CancelAsClient,
    ChangeStatus,
    CloseBranch,
    ConfirmVisit,
    CreateUser,
    FindOrCreateClient,
    ImportClients,
    LeaveFeedback,
    MergeClients,
    HoldSlot,
    OpenBranch,
    RegisterClient,
    ReleaseHold,
    RemoveService,
    RemoveStaff,
    Reschedule,
    RescheduleAsClient,
    UpdateBranch,
    UpdateClient,
    UpdateService,
    UpdateStaff,
    UpdateUser,
)


@dataclass(frozen=True, slots=True)
class Booked:
    appointment: Appointment
    created: bool  # False: an idempotent replay answered the first booking again


@dataclass(frozen=True, slots=True)
class Held:
    hold: Hold | None  # None: the replayed hold is gone
    created: bool


@dataclass(frozen=True, slots=True)
class Registered:
    client: Client
    created: bool


def decide_branch(state: BranchState, msg: Any, now: float) -> Decision:
    """The branch's decision, then the waitlist's offers of whatever time it frees (SPEC §9.3)."""
    decision = _decide_branch(state, msg, now)
    freed = waitlist.freed_spans(state, decision.events)  # read before the events apply
    return replace(decision, then=lambda: waitlist.follow_up(state, decision.events, freed, now))


def _decide_branch(state: BranchState, msg: Any, now: float) -> Decision:
    events = decide(state, msg, now)
    match msg:
        case BookSlot():
            def booked() -> Any:
                appt_id = msg.appointment_id
                if not events and msg.idempotency_key:  # an idempotent replay
                    appt_id = state.idempotency[(msg.client_id, msg.idempotency_key)].result_id
                return Booked(state.appointments[appt_id], bool(events))
            return Decision(events, booked)
        case HoldSlot():
            def held() -> Any:
                hold_id = msg.hold_id
                if not events and msg.idempotency_key:
                    hold_id = state.idempotency[(msg.client_id, msg.idempotency_key)].result_id
                return Held(state.holds.get(hold_id), bool(events))
            return Decision(events, held)
        case (ChangeStatus() | Reschedule() | CancelAsClient() | RescheduleAsClient() | ConfirmVisit()
              | LeaveFeedback()):
            return Decision(events, lambda: state.appointments[msg.appointment_id])
        case AddStaff():
            return Decision(events, lambda: state.staff[msg.staff.id])
        case UpdateStaff() | RemoveStaff():
            return Decision(events, lambda: state.staff[msg.staff_id])
        case OpenBranch() | UpdateBranch() | CloseBranch():
            return Decision(events, lambda: state.branch)
        case ReleaseHold() | LeaveWaitlist() | CheckWaitlist():
            return Decision(events, lambda: None)
        case JoinWaitlist():
            return Decision(events, lambda: state.waitlist[msg.entry_id])
    raise TypeError(f"not a branch message: {msg!r}")


def decide_clients(state: ClientsState, msg: Any, now: float) -> Decision:
    match msg:
        case RegisterClient():
            reg = register(state, new_id=msg.client_id, telegram_id=msg.telegram_id,
                           phone=msg.phone, name=msg.name, now=now)
        case FindOrCreateClient():
            reg = find_or_create_by_phone(state, new_id=msg.client_id, phone=msg.phone,
                                          name=msg.name, now=now, source=msg.source)
        case ImportClients():
            events, plan = import_clients(state, msg.import_id, msg.rows, dry_run=msg.dry_run,
                                          new_id=derived_ids(msg.import_id), now=now)
            return Decision(events, lambda: plan)
        case UpdateClient():
            return Decision(update_client(state, msg.client_id, msg.changes), lambda: state.clients[msg.client_id])
        case MergeClients():
            return Decision(merge_clients(state, msg.into_id, msg.from_id), lambda: state.clients[msg.into_id])
        case _:
            raise TypeError(f"not a clients message: {msg!r}")
    return Decision(reg.events, lambda: Registered(state.clients[reg.client_id], reg.created))


def decide_catalogue(state: CatalogueState, msg: Any, now: float) -> Decision:
    match msg:
        case AddService():
            return Decision(add_service(state, msg.service), lambda: state.services[msg.service.id])
        case UpdateService():
            return Decision(update_service(state, msg.service_id, msg.changes),
                            lambda: state.services[msg.service_id])
        case RemoveService():
            return Decision(remove_service(state, msg.service_id), lambda: state.services[msg.service_id])
    raise TypeError(f"not a catalogue message: {msg!r}")


def decide_users(state: UsersState, msg: Any, now: float) -> Decision:
    match msg:
        case CreateUser():
            events = create_user(state, msg.login, msg.role, msg.branches, msg.password_hash)
        case UpdateUser():
            events = update_user(state, msg)
        case _:
            raise TypeError(f"not a users message: {msg!r}")
    return Decision(events, lambda: state.users[msg.login])
