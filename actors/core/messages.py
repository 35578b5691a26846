"""Commands (verbs) and events (past facts) of every stream, as frozen dataclasses.

Events are flat records of JSON-friendly values so that the journal stores
them as they are and replay rebuilds them with ``cls(**data)``. Each event's
``TYPE`` is its journal ``type``; appointment types match SPEC §4's feed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from actors.core.import_plan import ImportRow
from actors.core.model import Branch, Service, Staff, Status

# ---------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Event:
    TYPE: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class BranchOpened(Event):
    TYPE: ClassVar[str] = "branch.opened"
    branch_id: str
    name: str
    timezone: str
    address: str
    slot_step_min: int
    horizon_days: int
    min_notice_min: int
    cancel_notice_min: int
    reschedule_notice_min: int | None = None  # None: cancel_notice_min
    phone: str | None = None  # E.164 (SPEC §9.6)
    location: list[float] | None = None  # [lat, lon]


@dataclass(frozen=True, slots=True)
class BranchUpdated(Event):
    TYPE: ClassVar[str] = "branch.updated"
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BranchClosed(Event):
    TYPE: ClassVar[str] = "branch.closed"


@dataclass(frozen=True, slots=True)
class StaffAdded(Event):
    TYPE: ClassVar[str] = "staff.added"
    staff_id: str
    name: str
    service_ids: list[str]
    schedule: dict[str, list[list[int]]]  # weekday -> [[start_min, end_min], ...]
    exceptions: dict[str, list[list[int]]]  # ISO date -> intervals
    service_overrides: dict[str, list[Any]] | None = None  # service_id -> [price|None, duration_min|None]


@dataclass(frozen=True, slots=True)
class StaffUpdated(Event):
    TYPE: ClassVar[str] = "staff.updated"
    staff_id: str
    changes: dict[str, Any]  # same encoding as StaffAdded's fields


@dataclass(frozen=True, slots=True)
class StaffRemoved(Event):
    TYPE: ClassVar[str] = "staff.removed"
    staff_id: str


@dataclass(frozen=True, slots=True)
class SlotHeld(Event):
    TYPE: ClassVar[str] = "hold.placed"
    hold_id: str
    client_id: str
    service_id: str
    staff_id: str
    start: int
    end: int
    block_end: int
    expires_at: float
    at: float
    idempotency_key: str | None = None
    request_hash: str | None = None
    service_ids: list[str] | None = None  # a visit of several services (None: just service_id)
    total_price: str | None = None  # the visit's price with the master's own prices


@dataclass(frozen=True, slots=True)
class HoldReleased(Event):
    TYPE: ClassVar[str] = "hold.released"
    hold_id: str


@dataclass(frozen=True, slots=True)
class AppointmentBooked(Event):
    TYPE: ClassVar[str] = "appointment.created"
    appointment_id: str
    client_id: str
    service_id: str
    staff_id: str
    start: int
    end: int
    block_end: int
    status: str
    source: str
    comment: str
    at: float
    hold_id: str | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None
    service_ids: list[str] | None = None  # a visit of several services (None: just service_id)
    total_price: str | None = None  # the visit's price with the master's own prices
    booked_by: str | None = None  # the booker's client id when the visit is for another person


@dataclass(frozen=True, slots=True)
class StatusChanged(Event):
    TYPE: ClassVar[str] = "appointment.status_changed"
    appointment_id: str
    status: str
    previous: str
    at: float


@dataclass(frozen=True, slots=True)
class Rescheduled(Event):
    TYPE: ClassVar[str] = "appointment.rescheduled"
    appointment_id: str
    staff_id: str
    start: int
    end: int
    block_end: int
    at: float
    by: str = "manager"  # "client": the client moved it (back to «Новые»)


@dataclass(frozen=True, slots=True)
class CancelledByClient(Event):
    TYPE: ClassVar[str] = "appointment.cancelled"
    appointment_id: str
    at: float


@dataclass(frozen=True, slots=True)
class VisitConfirmed(Event):
    """The client pressed «Приду» in the reminder."""

    TYPE: ClassVar[str] = "appointment.visit_confirmed"
    appointment_id: str
    at: float


@dataclass(frozen=True, slots=True)
class FeedbackLeft(Event):
    TYPE: ClassVar[str] = "appointment.feedback"
    appointment_id: str
    rating: int  # 1..5
    comment: str
    at: float


@dataclass(frozen=True, slots=True)
class ServiceAdded(Event):
    TYPE: ClassVar[str] = "service.added"
    service_id: str
    name: str
    price: str
    currency: str
    duration_min: int
    buffer_min: int
    branch_ids: list[str]


@dataclass(frozen=True, slots=True)
class ServiceUpdated(Event):
    TYPE: ClassVar[str] = "service.updated"
    service_id: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ServiceRemoved(Event):
    TYPE: ClassVar[str] = "service.removed"
    service_id: str


@dataclass(frozen=True, slots=True)
class ClientRegistered(Event):
    TYPE: ClassVar[str] = "client.registered"
    client_id: str
    name: str
    phone: str | None
    telegram_id: int | None
    email: str
    birthday: str
    notes: str
    source: str
    at: float


@dataclass(frozen=True, slots=True)
class ClientUpdated(Event):
    TYPE: ClassVar[str] = "client.updated"
    client_id: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ClientsMerged(Event):
    """``from_id`` is folded into ``into_id``: its appointments count as the target's from now on."""

    TYPE: ClassVar[str] = "clients.merged"
    into_id: str
    from_id: str
    changes: dict[str, Any]  # what the target takes over (empty fields filled, notes joined)


@dataclass(frozen=True, slots=True)
class ClientsImported(Event):
    """One chunk of an import; every chunk of an import is in ONE journal append."""

    TYPE: ClassVar[str] = "clients.imported"
    import_id: str
    created: list[list[Any]]  # [id, name, phone, telegram_id, email, birthday, notes]
    updated: list[list[Any]]  # [client_id, {field: value, ...}] (empty fields filled)
    at: float


@dataclass(frozen=True, slots=True)
class UserUpdated(Event):
    """Role, branches, password or access changed; ``session`` ends every older token."""

    TYPE: ClassVar[str] = "user.updated"
    login: str
    changes: dict[str, Any]  # role, branches (list), password_hash, disabled
    session: int


@dataclass(frozen=True, slots=True)
class UserCreated(Event):
    TYPE: ClassVar[str] = "user.created"
    login: str
    role: str
    branches: list[str]
    password_hash: str


# -- the waitlist (SPEC §9.3, ``actors/core/waitlist.py``)


@dataclass(frozen=True, slots=True)
class WaitlistJoined(Event):
    """A client waits for time in this branch; the services as the catalogue had them then."""

    TYPE: ClassVar[str] = "waitlist.joined"
    entry_id: str
    client_id: str
    services: list[list[Any]]  # [[id, name, price, currency, duration_min, buffer_min], ...] in order
    date_from: str  # local ISO dates, both inclusive
    date_to: str
    staff_id: str | None
    time_from: int | None  # local minutes: a start in [time_from, time_to)
    time_to: int | None
    ends_at: float  # the instant date_to is over (local midnight after it)
    offer_ttl_s: int
    at: float


@dataclass(frozen=True, slots=True)
class WaitlistOffered(Event):
    """Freed time offered to the entry: the ``hold.placed`` just before holds it for the client."""

    TYPE: ClassVar[str] = "waitlist.offered"
    entry_id: str
    client_id: str
    hold_id: str
    staff_id: str
    start: int
    end: int
    block_end: int
    expires_at: float
    at: float


@dataclass(frozen=True, slots=True)
class WaitlistDeclined(Event):
    """The offer is over without a booking (``declined``, ``expired``, ``replaced`` by the client's
    own hold, or its entry ``ended``); its hold is released and the entry waits again."""

    TYPE: ClassVar[str] = "waitlist.declined"
    entry_id: str
    client_id: str
    hold_id: str
    staff_id: str
    start: int
    block_end: int
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class WaitlistBooked(Event):
    TYPE: ClassVar[str] = "waitlist.booked"
    entry_id: str
    client_id: str
    appointment_id: str
    at: float


@dataclass(frozen=True, slots=True)
class WaitlistEnded(Event):
    """The client left the list (``left``) or its last date passed (``expired``)."""

    TYPE: ClassVar[str] = "waitlist.ended"
    entry_id: str
    client_id: str
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class HoldLapsed(Event):
    """A hold's time ran out while someone waits in the branch: its time is offered (waitlist)."""

    TYPE: ClassVar[str] = "hold.expired"
    hold_id: str
    at: float


EVENT_TYPES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (
        BranchOpened, BranchUpdated, BranchClosed, StaffAdded, StaffUpdated, StaffRemoved,
        SlotHeld, HoldReleased, AppointmentBooked, StatusChanged, Rescheduled,
        CancelledByClient, VisitConfirmed, FeedbackLeft, ServiceAdded, ServiceUpdated, ServiceRemoved,
        ClientRegistered, ClientUpdated, ClientsImported, ClientsMerged, UserCreated, UserUpdated,
        WaitlistJoined, WaitlistOffered, WaitlistDeclined, WaitlistBooked, WaitlistEnded, HoldLapsed,
    )
}
_FIELDS: dict[type[Event], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls)) for cls in EVENT_TYPES.values()
}


def event_data(event: Event) -> dict[str, Any]:
    """The journal payload of ``event``."""
    return {name: getattr(event, name) for name in _FIELDS[type(event)]}


def event_from(type_: str, data: dict[str, Any]) -> Event:
    """Rebuild an event from its journal ``type`` and payload."""
    return EVENT_TYPES[type_](**data)


# -------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class Command:
    pass


@dataclass(frozen=True, slots=True)
class OpenBranch(Command):
    branch: Branch


@dataclass(frozen=True, slots=True)
class UpdateBranch(Command):
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CloseBranch(Command):
    pass


@dataclass(frozen=True, slots=True)
class AddStaff(Command):
    staff: Staff


@dataclass(frozen=True, slots=True)
class UpdateStaff(Command):
    staff_id: str
    changes: dict[str, Any]  # name, service_ids (tuple), schedule, exceptions (parsed)


@dataclass(frozen=True, slots=True)
class RemoveStaff(Command):
    staff_id: str


@dataclass(frozen=True, slots=True)
class HoldSlot(Command):
    hold_id: str
    client_id: str
    service: Service
    start: int
    staff_id: str | None
    ttl_s: int
    idempotency_key: str | None = None
    request_hash: str | None = None
    services: tuple[Service, ...] = ()  # a visit of several services, ``service`` first (visits.py)


@dataclass(frozen=True, slots=True)
class ReleaseHold(Command):
    hold_id: str
    client_id: str


@dataclass(frozen=True, slots=True)
class BookSlot(Command):
    """Book by ``hold_id`` (the client's live hold) or by service + start."""

    appointment_id: str
    client_id: str
    source: str = "bot"
    status: Status = Status.NEW
    comment: str = ""
    hold_id: str | None = None
    service: Service | None = None
    start: int | None = None
    staff_id: str | None = None
    by_manager: bool = False  # managers book inside working hours, ignoring the grid and notice
    idempotency_key: str | None = None
    request_hash: str | None = None
    services: tuple[Service, ...] = ()  # a visit of several services, ``service`` first (visits.py)
    # «Записать другого человека»: the visit's person; ``client_id`` stays the booker, whose hold,
    # idempotency key and rules apply
    for_client_id: str | None = None


@dataclass(frozen=True, slots=True)
class ChangeStatus(Command):
    appointment_id: str
    status: Status
    version: int | None = None


@dataclass(frozen=True, slots=True)
class Reschedule(Command):
    appointment_id: str
    start: int
    staff_id: str | None = None
    version: int | None = None
    services: tuple[Service, ...] = ()  # the visit's services: another master's own durations


@dataclass(frozen=True, slots=True)
class CancelAsClient(Command):
    appointment_id: str
    client_id: str


@dataclass(frozen=True, slots=True)
class RescheduleAsClient(Command):
    """The client moves their own visit (``staff_id`` None: the same master)."""

    appointment_id: str
    client_id: str
    start: int
    staff_id: str | None = None
    services: tuple[Service, ...] = ()  # the visit's services: another master's own durations


@dataclass(frozen=True, slots=True)
class ConfirmVisit(Command):
    appointment_id: str
    client_id: str


@dataclass(frozen=True, slots=True)
class LeaveFeedback(Command):
    appointment_id: str
    client_id: str
    rating: int
    comment: str = ""


@dataclass(frozen=True, slots=True)
class RegisterClient(Command):
    """``POST /clients/auth``: a Telegram user shares their phone."""

    client_id: str  # used if a new client is created
    telegram_id: int
    phone: str  # E.164
    name: str = ""


@dataclass(frozen=True, slots=True)
class FindOrCreateClient(Command):
    """A manager books by phone: the client is found, or created (source ``manual``)."""

    client_id: str
    phone: str
    name: str = ""
    source: str = "manual"  # bot: a client booked the visit for this person


@dataclass(frozen=True, slots=True)
class UpdateClient(Command):
    """A manager edits a client's card (fields already normalised: phone E.164, birthday ISO)."""

    client_id: str
    changes: dict[str, Any]  # name, phone, email, birthday, notes


@dataclass(frozen=True, slots=True)
class MergeClients(Command):
    into_id: str
    from_id: str


@dataclass(frozen=True, slots=True)
class ImportClients(Command):
    """Merge rows of an uploaded client file into the client base (or only count, if dry)."""

    import_id: str
    rows: list[ImportRow]
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class AddService(Command):
    service: Service


@dataclass(frozen=True, slots=True)
class UpdateService(Command):
    service_id: str
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RemoveService(Command):
    service_id: str


@dataclass(frozen=True, slots=True)
class UpdateUser(Command):
    login: str
    role: str | None = None
    branches: tuple[str, ...] | None = None
    password_hash: str | None = None
    disabled: bool | None = None


@dataclass(frozen=True, slots=True)
class CreateUser(Command):
    login: str
    role: str
    branches: tuple[str, ...]
    password_hash: str


@dataclass(frozen=True, slots=True)
class JoinWaitlist(Command):
    entry_id: str
    client_id: str
    services: tuple[Service, ...]  # in the visit's order
    date_from: str
    date_to: str
    staff_id: str | None
    time_from: int | None
    time_to: int | None
    offer_ttl_s: int


@dataclass(frozen=True, slots=True)
class LeaveWaitlist(Command):
    entry_id: str
    client_id: str


@dataclass(frozen=True, slots=True)
class CheckWaitlist(Command):
    """Time passed: offers whose hold ran out pass on, expired holds' time is offered, entries
    past their last date end (``actors/waitlist_timer.py`` sends it when due)."""
