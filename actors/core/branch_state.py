"""A branch's calendar state and ``evolve``: how each event changes it.

``evolve`` mutates the state in place and returns it: replaying a million
events must be fast, and nobody else holds a reference while it runs (the
actor applies events one at a time; replay starts from a fresh state).
``decide`` (``actors/core/branch_decide.py``) never mutates.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields, replace
from typing import Any

from actors.core.messages import (
    AppointmentBooked,
    BranchClosed,
    BranchOpened,
    BranchUpdated,
    CancelledByClient,
    Event,
    FeedbackLeft,
    HoldLapsed,
    HoldReleased,
    Rescheduled,
    SlotHeld,
    StaffAdded,
    StaffRemoved,
    StaffUpdated,
    StatusChanged,
    VisitConfirmed,
    WaitlistBooked,
    WaitlistDeclined,
    WaitlistEnded,
    WaitlistJoined,
    WaitlistOffered,
)
from actors.core.waitlist_entries import WaitEntry, apply_waitlist
from actors.core.model import Appointment, Branch, Hold, Instant, Interval, Staff, Status

Busy = tuple[Instant, Instant, str]  # (start, block_end, appointment_id)


@dataclass(frozen=True, slots=True)
class IdempotencyEntry:
    request_hash: str
    result_id: str  # appointment or hold id
    at: float


@dataclass(slots=True)
class BranchState:
    branch: Branch | None = None
    version: int = 0  # stream version this state reflects
    staff: dict[str, Staff] = field(default_factory=dict)
    appointments: dict[str, Appointment] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    # Derived indexes (rebuilt, never stored in snapshots):
    busy: dict[str, list[Busy]] = field(default_factory=dict)  # staff -> sorted occupying spans
    hold_of_client: dict[str, str] = field(default_factory=dict)  # client -> hold id
    # client -> appointment ids in booking order, built on first use (``client_appointment_ids``:
    # loading and replay never pay for it) and kept up by ``evolve`` from then on; tuples, so
    # the actor's two copies can share them.
    of_client: dict[str, tuple[str, ...]] | None = None
    idempotency: dict[tuple[str, str], IdempotencyEntry] = field(default_factory=dict)
    waitlist: dict[str, WaitEntry] = field(default_factory=dict)  # join order (actors/core/waitlist.py)

    def live_holds(self, now: float) -> list[Hold]:
        return [h for h in self.holds.values() if h.live(now)]

    def copy(self) -> BranchState:
        """An independent copy (values are immutable and shared; containers are not)."""
        return BranchState(self.branch, self.version, dict(self.staff), dict(self.appointments),
                           dict(self.holds), {k: list(v) for k, v in self.busy.items()},
                           dict(self.hold_of_client), None if self.of_client is None else dict(self.of_client),
                           dict(self.idempotency), dict(self.waitlist))


def _intervals(raw: dict[str, Any]) -> dict[str, tuple[Interval, ...]]:
    return {k: tuple((int(a), int(b)) for a, b in v) for k, v in raw.items()}


def _overrides(raw: dict[str, Any]) -> dict[str, tuple[str | None, int | None]]:
    """A master's own prices/durations as journaled: service_id -> [price, duration_min]."""
    return {k: (v[0], None if v[1] is None else int(v[1])) for k, v in raw.items()}


def _point(raw: Any) -> tuple[float, float] | None:
    """A branch's location from its journal form ``[lat, lon]`` (or None)."""
    return None if raw is None else (float(raw[0]), float(raw[1]))


def _occupy(state: BranchState, appt: Appointment) -> None:
    if appt.occupying:
        bisect.insort(state.busy.setdefault(appt.staff_id, []), (appt.start, appt.block_end, appt.id))


def _vacate(state: BranchState, appt: Appointment) -> None:
    if appt.occupying:
        spans = state.busy.get(appt.staff_id, [])
        i = bisect.bisect_left(spans, (appt.start, appt.block_end, appt.id))
        if i < len(spans) and spans[i][2] == appt.id:
            del spans[i]
        if not spans:
            state.busy.pop(appt.staff_id, None)


def _drop_hold(state: BranchState, hold_id: str | None) -> None:
    hold = state.holds.pop(hold_id, None) if hold_id else None
    if hold is not None and state.hold_of_client.get(hold.client_id) == hold.id:
        del state.hold_of_client[hold.client_id]


def _prune_holds(state: BranchState, now: float) -> None:
    """Forget expired holds; keyed on event time so replay prunes identically."""
    for hold in [h for h in state.holds.values() if not h.live(now)]:
        _drop_hold(state, hold.id)


def _put(state: BranchState, appt: Appointment) -> None:
    old = state.appointments.get(appt.id)
    state.appointments[appt.id] = appt
    if (old is not None and old.start == appt.start and old.block_end == appt.block_end
            and old.staff_id == appt.staff_id and old.occupying == appt.occupying):
        return  # same span, same occupancy: ``busy`` already holds exactly what it should
    if old is not None:
        _vacate(state, old)
    _occupy(state, appt)


# ``evolve`` runs for every event of a replay: these build the next version of
# an appointment directly (``dataclasses.replace`` costs several times more).
_APPOINTMENT_FIELDS = ("id", "branch_id", "client_id", "service_id", "staff_id", "start", "end",
                       "block_end", "status", "source", "comment", "created_at", "updated_at", "version",
                       "service_ids", "total_price", "client_confirmed_at", "feedback", "booked_by")
if tuple(f.name for f in fields(Appointment)) != _APPOINTMENT_FIELDS:
    raise RuntimeError("Appointment's fields changed: update _restatus and _moved in branch_state.py")
_STATUS: dict[str, Status] = {s.value: s for s in Status}


def _restatus(a: Appointment, status: Status, at: float) -> Appointment:
    return Appointment(a.id, a.branch_id, a.client_id, a.service_id, a.staff_id, a.start, a.end,
                       a.block_end, status, a.source, a.comment, a.created_at, at, a.version + 1,
                       a.service_ids, a.total_price, a.client_confirmed_at, a.feedback, a.booked_by)


def _moved(a: Appointment, staff_id: str, start: Instant, end: Instant, block_end: Instant,
           at: float, by_client: bool) -> Appointment:
    """A new time or master; the client's «Приду» was for the old start, and a client's own move
    goes back to «Новые» for the salon to confirm (SPEC §9.3)."""
    confirmed = a.client_confirmed_at if start == a.start else None
    status = Status.NEW if by_client else a.status
    return Appointment(a.id, a.branch_id, a.client_id, a.service_id, staff_id, start, end,
                       block_end, status, a.source, a.comment, a.created_at, at, a.version + 1,
                       a.service_ids, a.total_price, confirmed, a.feedback, a.booked_by)


def evolve(state: BranchState, event: Event) -> BranchState:
    """Apply one event of the branch stream."""
    state.version += 1
    match event:
        case AppointmentBooked():
            _drop_hold(state, event.hold_id)
            _put(state, Appointment(
                event.appointment_id, state.branch.id if state.branch else "",
                event.client_id, event.service_id, event.staff_id,
                event.start, event.end, event.block_end,
                _STATUS.get(event.status) or Status(event.status), event.source, event.comment,
                event.at, event.at, 1, tuple(event.service_ids or ()), event.total_price or "",
                booked_by=event.booked_by,
            ))
            if state.of_client is not None:
                for key in _client_keys(event.client_id, event.booked_by):
                    state.of_client[key] = (*state.of_client.get(key, ()), event.appointment_id)
            if event.idempotency_key and event.request_hash:  # the requester's key: the booker's
                state.idempotency[(event.booked_by or event.client_id, event.idempotency_key)] = IdempotencyEntry(
                    event.request_hash, event.appointment_id, event.at)
        case StatusChanged():
            appt = state.appointments[event.appointment_id]
            _put(state, _restatus(appt, _STATUS.get(event.status) or Status(event.status), event.at))
        case Rescheduled():
            appt = state.appointments[event.appointment_id]
            _put(state, _moved(appt, event.staff_id, event.start, event.end, event.block_end, event.at,
                               event.by == "client"))
        case VisitConfirmed():
            appt = state.appointments[event.appointment_id]
            _put(state, replace(appt, client_confirmed_at=event.at, updated_at=event.at, version=appt.version + 1))
        case FeedbackLeft():
            appt = state.appointments[event.appointment_id]
            _put(state, replace(appt, feedback=(event.rating, event.comment), updated_at=event.at,
                                version=appt.version + 1))
        case CancelledByClient():
            appt = state.appointments[event.appointment_id]
            _put(state, _restatus(appt, Status.CANCELLED, event.at))
        case SlotHeld():
            _prune_holds(state, event.at)
            _drop_hold(state, state.hold_of_client.get(event.client_id))
            state.holds[event.hold_id] = Hold(
                id=event.hold_id, client_id=event.client_id, service_id=event.service_id,
                staff_id=event.staff_id, start=event.start, end=event.end,
                block_end=event.block_end, expires_at=event.expires_at,
                service_ids=tuple(event.service_ids or ()), total_price=event.total_price or "")
            state.hold_of_client[event.client_id] = event.hold_id
            if event.idempotency_key and event.request_hash:
                state.idempotency[(event.client_id, event.idempotency_key)] = IdempotencyEntry(
                    event.request_hash, event.hold_id, event.at)
        case HoldReleased() | HoldLapsed():
            _drop_hold(state, event.hold_id)
        case WaitlistJoined() | WaitlistOffered() | WaitlistDeclined() | WaitlistBooked() | WaitlistEnded():
            _drop_hold(state, apply_waitlist(state.waitlist, event, state.branch.id if state.branch else ""))
        case StaffAdded():
            state.staff[event.staff_id] = Staff(
                id=event.staff_id, branch_id=state.branch.id if state.branch else "",
                name=event.name, service_ids=tuple(event.service_ids),
                schedule=_intervals(event.schedule), exceptions=_intervals(event.exceptions),
                service_overrides=_overrides(event.service_overrides or {}))
        case StaffUpdated():
            changes = dict(event.changes)
            for key in ("schedule", "exceptions"):
                if key in changes:
                    changes[key] = _intervals(changes[key])
            if "service_ids" in changes:
                changes["service_ids"] = tuple(changes["service_ids"])
            if "service_overrides" in changes:
                changes["service_overrides"] = _overrides(changes["service_overrides"])
            state.staff[event.staff_id] = replace(state.staff[event.staff_id], **changes)
        case StaffRemoved():
            state.staff[event.staff_id] = replace(state.staff[event.staff_id], active=False)
        case BranchOpened():
            state.branch = Branch(
                id=event.branch_id, name=event.name, timezone=event.timezone,
                address=event.address, slot_step_min=event.slot_step_min,
                horizon_days=event.horizon_days, min_notice_min=event.min_notice_min,
                cancel_notice_min=event.cancel_notice_min, reschedule_notice_min=event.reschedule_notice_min,
                phone=event.phone, location=_point(event.location))
        case BranchUpdated():
            assert state.branch is not None
            changes = dict(event.changes)
            if "location" in changes:
                changes["location"] = _point(changes["location"])
            state.branch = replace(state.branch, **changes)
        case BranchClosed():
            assert state.branch is not None
            state.branch = replace(state.branch, active=False)
        case _:
            raise TypeError(f"not a branch event: {event!r}")
    return state


def rebuild_indexes(state: BranchState) -> BranchState:
    """Recompute the derived indexes after loading appointments and holds."""
    state.busy = {}
    state.of_client = None
    for appt in state.appointments.values():
        if appt.occupying:
            state.busy.setdefault(appt.staff_id, []).append((appt.start, appt.block_end, appt.id))
    for spans in state.busy.values():
        spans.sort()
    state.hold_of_client = {h.client_id: h.id for h in state.holds.values()}
    return state


def client_appointment_ids(state: BranchState, client_id: str) -> tuple[str, ...]:
    """The client's appointment ids in this branch; the first call builds the index (one pass)."""
    if state.of_client is None:
        index: dict[str, list[str]] = {}
        for appt in state.appointments.values():
            for key in _client_keys(appt.client_id, appt.booked_by):
                index.setdefault(key, []).append(appt.id)
        state.of_client = {k: tuple(v) for k, v in index.items()}
    return state.of_client.get(client_id, ())


def booked_for_others_ids(state: BranchState, booker_id: str) -> tuple[str, ...]:
    """Appointment ids of visits ``booker_id`` booked for other people in this branch."""
    return client_appointment_ids(state, BOOKED_BY + booker_id)


BOOKED_BY = "booked_by:"  # the index's key prefix of a booker's visits for others (never a client id)


def _client_keys(client_id: str, booked_by: str | None) -> tuple[str, ...]:
    return (client_id, BOOKED_BY + booked_by) if booked_by else (client_id,)
