"""``decide``: what a command means for a branch, as a list of events (or a DomainError).

Pure: reads the state, never changes it. The actor shell resolves ids from
other streams (the service) into the command and passes ``now``.

Staff choice when the client names none: among the staff free at that
start, the one with the fewest occupying appointments that local day, then
the fewest booked minutes, then the smallest id — spreads the day's work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from actors.core import journey, waitlist
from actors.core.branch_state import BranchState
from actors.core.errors import (
    HoldExpired,
    IdempotencyKeyReused,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotUnavailable,
    VersionConflict,
)
from actors.core.messages import (
    CheckWaitlist,
    JoinWaitlist,
    LeaveWaitlist,
    AddStaff,
    AppointmentBooked,
    BookSlot,
    BranchClosed,
    BranchOpened,
    BranchUpdated,
    CancelAsClient,
    CancelledByClient,
    ChangeStatus,
    CloseBranch,
    Command,
    ConfirmVisit,
    Event,
    HoldReleased,
    HoldSlot,
    LeaveFeedback,
    OpenBranch,
    ReleaseHold,
    RemoveStaff,
    Reschedule,
    RescheduleAsClient,
    Rescheduled,
    SlotHeld,
    StaffAdded,
    StaffRemoved,
    StaffUpdated,
    StatusChanged,
    UpdateBranch,
    UpdateStaff,
)
from actors.core.model import FINAL, OCCUPYING, Appointment, Instant, Service, Staff, Status
from actors.core.schedule import local_date, zone
from actors.core.visits import Visit, as_visit, check_staff, encode_overrides, journaled_ids, visit_price, visit_span
from actors.core.slots import (
    blocking_holds,
    bookable_window,
    candidates,
    day_load,
    in_working_time,
    is_free,
    on_grid,
)


def decide(state: BranchState, command: Command, now: float) -> list[Event]:
    """The events ``command`` produces against ``state`` at ``now``."""
    if state.branch is None and not isinstance(command, OpenBranch):
        raise NotFound("branch.not_found")
    match command:
        case HoldSlot():
            return _hold(state, command, now)
        case BookSlot():
            return _book(state, command, now)
        case ChangeStatus():
            return _change_status(state, command, now)
        case Reschedule():
            return _reschedule(state, command, now)
        case CancelAsClient():
            return _cancel_as_client(state, command, now)
        case RescheduleAsClient():
            return journey.reschedule_as_client(state, command, now)
        case ConfirmVisit():
            return journey.confirm_visit(state, command, now)
        case LeaveFeedback():
            return journey.leave_feedback(state, command, now)
        case JoinWaitlist():
            return waitlist.join(state, command, now)
        case LeaveWaitlist():
            return waitlist.leave(state, command, now)
        case CheckWaitlist():
            return waitlist.check(state, now)
        case ReleaseHold():
            hold = state.holds.get(command.hold_id)
            if hold is None or hold.client_id != command.client_id or not hold.live(now):
                raise NotFound("hold.not_found")
            return [HoldReleased(hold.id)]
        case OpenBranch():
            if state.branch is not None:
                raise InvalidInput("branch.exists")
            b = command.branch
            return [BranchOpened(b.id, b.name, b.timezone, b.address, b.slot_step_min,
                                 b.horizon_days, b.min_notice_min, b.cancel_notice_min,
                                 b.reschedule_notice_min, b.phone, list(b.location) if b.location else None)]
        case UpdateBranch():
            changes = {k: v for k, v in command.changes.items() if getattr(state.branch, k) != v}
            if changes.get("location") is not None:  # the journal keeps JSON: [lat, lon]
                changes["location"] = list(changes["location"])
            return [BranchUpdated(changes)] if changes else []
        case CloseBranch():
            return [BranchClosed()] if state.branch and state.branch.active else []
        case AddStaff():
            s = command.staff
            return [StaffAdded(s.id, s.name, list(s.service_ids), _enc(s.schedule), _enc(s.exceptions),
                               encode_overrides(s.service_overrides) or None)]
        case UpdateStaff():
            _staff(state, command.staff_id)
            changes = dict(command.changes)
            for key in ("schedule", "exceptions"):
                if key in changes:
                    changes[key] = _enc(changes[key])
            if "service_ids" in changes:
                changes["service_ids"] = list(changes["service_ids"])
            if "service_overrides" in changes:
                changes["service_overrides"] = encode_overrides(changes["service_overrides"])
            return [StaffUpdated(command.staff_id, changes)] if changes else []
        case RemoveStaff():
            _staff(state, command.staff_id)
            return [StaffRemoved(command.staff_id)]
    raise TypeError(f"not a branch command: {command!r}")


def _enc(intervals: Mapping[str, Sequence[tuple[int, int]]]) -> dict[str, list[list[int]]]:
    return {k: [[a, b] for a, b in v] for k, v in intervals.items()}


def _staff(state: BranchState, staff_id: str) -> Staff:
    staff = state.staff.get(staff_id)
    if staff is None or not staff.active:
        raise NotFound("staff.not_found")
    return staff


def _appointment(state: BranchState, appointment_id: str) -> Appointment:
    appt = state.appointments.get(appointment_id)
    if appt is None:
        raise NotFound("appointment.not_found")
    return appt


def _replayed(state: BranchState, client_id: str, key: str | None, request_hash: str | None) -> bool:
    """True if this idempotency key already answered the same request."""
    if not key:
        return False
    entry = state.idempotency.get((client_id, key))
    if entry is None:
        return False
    if entry.request_hash != request_hash:
        raise IdempotencyKeyReused("idempotency.reused")
    return True


def _check_service(state: BranchState, service: Service | Visit) -> None:
    assert state.branch is not None
    for svc in as_visit(service):
        if not svc.active or state.branch.id not in svc.branch_ids:
            raise NotFound("service.not_offered")


def _pick_staff(
    state: BranchState, service: Service | Visit, start: Instant, staff_id: str | None,
    now: float, client_id: str | None, *, grid: bool,
) -> Staff:
    """A staff member who can take ``service`` (a visit: all of it) at ``start``, each with
    their own length (SlotUnavailable if none)."""
    assert state.branch is not None
    visit = as_visit(service)
    if staff_id is not None:
        named = _staff(state, staff_id)
        if len(visit) > 1:
            check_staff(named, visit)
    holds = blocking_holds(state, now, client_id)
    fitting = []
    for s in candidates(state, visit, staff_id):
        duration, block = visit_span(s, visit)
        if ((on_grid(state, s, start, duration) if grid else in_working_time(state, s, start, duration))
                and is_free(state, s.id, start, start + block, holds)):
            fitting.append(s)
    if not fitting:
        raise SlotUnavailable("slot.not_available")
    if len(fitting) == 1:  # e.g. the client named the staff member: no load to compare
        return fitting[0]
    day = local_date(start, zone(state.branch.timezone))
    return min(fitting, key=lambda s: (*day_load(state, s.id, day), s.id))


def _client_window(state: BranchState, start: Instant, now: float) -> None:
    earliest, latest = bookable_window(state, now)
    if not earliest <= start <= latest:
        raise SlotUnavailable("slot.outside_window")


def _hold(state: BranchState, cmd: HoldSlot, now: float) -> list[Event]:
    if _replayed(state, cmd.client_id, cmd.idempotency_key, cmd.request_hash):
        return []
    visit = cmd.services or (cmd.service,)
    _check_service(state, visit)
    _client_window(state, cmd.start, now)
    staff = _pick_staff(state, visit, cmd.start, cmd.staff_id, now, cmd.client_id, grid=True)
    duration, block = visit_span(staff, visit)
    return [SlotHeld(cmd.hold_id, cmd.client_id, visit[0].id, staff.id, cmd.start, cmd.start + duration,
                     cmd.start + block, now + cmd.ttl_s, now,
                     cmd.idempotency_key, cmd.request_hash, journaled_ids(visit), visit_price(staff, visit))]


def _book(state: BranchState, cmd: BookSlot, now: float) -> list[Event]:
    if _replayed(state, cmd.client_id, cmd.idempotency_key, cmd.request_hash):
        return []
    hold_id = cmd.hold_id
    if cmd.hold_id is not None:
        hold = state.holds.get(cmd.hold_id)
        if hold is None or hold.client_id != cmd.client_id or not hold.live(now):
            raise HoldExpired("hold.expired")
        service_id, staff_id, start, end, block_end = (
            hold.service_id, hold.staff_id, hold.start, hold.end, hold.block_end)
        ids, price = list(hold.service_ids) or None, hold.total_price or None
    else:
        svc = cmd.service
        if svc is None or cmd.start is None:
            raise InvalidInput("booking.what")
        visit = cmd.services or (svc,)
        _check_service(state, visit)
        if cmd.by_manager:
            if cmd.start < now:
                raise SlotUnavailable("slot.past")
        else:
            _client_window(state, cmd.start, now)
        staff = _pick_staff(state, visit, cmd.start, cmd.staff_id, now, cmd.client_id,
                            grid=not cmd.by_manager)
        duration, block = visit_span(staff, visit)
        service_id, staff_id, start = visit[0].id, staff.id, cmd.start
        end, block_end = start + duration, start + block
        ids, price = journaled_ids(visit), visit_price(staff, visit)
        hold_id = _own_overlapping_hold(state, cmd.client_id, staff_id, start, block_end, now)
    person = cmd.for_client_id if cmd.for_client_id != cmd.client_id else None  # booked for someone else
    return [AppointmentBooked(
        cmd.appointment_id, person or cmd.client_id, service_id, staff_id, start, end, block_end,
        cmd.status.value, cmd.source, cmd.comment, now, hold_id,
        cmd.idempotency_key, cmd.request_hash, ids, price, cmd.client_id if person else None)]


def _own_overlapping_hold(
    state: BranchState, client_id: str, staff_id: str, start: Instant, block_end: Instant, now: float
) -> str | None:
    """The client's live hold this booking covers: the booking consumes it.

    A client's own hold does not block their booking by slot, so without
    this the hold would stay live and booking *with* it could land a second
    appointment on the same time.
    """
    hold = state.holds.get(state.hold_of_client.get(client_id, ""))
    if hold and hold.live(now) and hold.staff_id == staff_id and hold.start < block_end and start < hold.block_end:
        return hold.id
    return None


def _check_version(appt: Appointment, version: int | None) -> None:
    if version is not None and version != appt.version:
        raise VersionConflict("version.stale", current=appt.version, given=version)


def _change_status(state: BranchState, cmd: ChangeStatus, now: float) -> list[Event]:
    appt = _appointment(state, cmd.appointment_id)
    _check_version(appt, cmd.version)
    if cmd.status == appt.status:
        return []
    if not appt.occupying and cmd.status in OCCUPYING:
        holds = blocking_holds(state, now, None)  # every live hold, the client's own too
        if not is_free(state, appt.staff_id, appt.start, appt.block_end, holds, ignore=appt.id):
            raise SlotUnavailable("slot.taken_meanwhile")
    return [StatusChanged(appt.id, cmd.status.value, appt.status.value, now)]


def _reschedule(state: BranchState, cmd: Reschedule, now: float) -> list[Event]:
    appt = _appointment(state, cmd.appointment_id)
    _check_version(appt, cmd.version)
    if appt.status in FINAL:
        raise InvalidTransition("transition.reschedule", status=appt.status.value)
    staff = _staff(state, cmd.staff_id or appt.staff_id)
    duration, buffer = appt.end - appt.start, appt.block_end - appt.end
    if staff.id != appt.staff_id and cmd.services:  # another master: their own durations
        duration, block = visit_span(staff, cmd.services)
        buffer = block - duration
    if cmd.start < now:
        raise SlotUnavailable("slot.past")
    if not in_working_time(state, staff, cmd.start, duration):
        raise SlotUnavailable("slot.staff_off")
    if any(sid not in staff.service_ids for sid in appt.services_of_visit):
        raise SlotUnavailable("slot.staff_service")
    holds = blocking_holds(state, now, None)  # every live hold, the client's own too
    block_end = cmd.start + duration + buffer
    if not is_free(state, staff.id, cmd.start, block_end, holds, ignore=appt.id):
        raise SlotUnavailable("slot.taken")
    if staff.id == appt.staff_id and cmd.start == appt.start:
        return []
    return [Rescheduled(appt.id, staff.id, cmd.start, cmd.start + duration, block_end, now)]


def _cancel_as_client(state: BranchState, cmd: CancelAsClient, now: float) -> list[Event]:
    assert state.branch is not None
    appt = _appointment(state, cmd.appointment_id)
    if appt.client_id != cmd.client_id:
        raise NotFound("appointment.not_found")
    if appt.status not in (Status.NEW, Status.CONFIRMED):
        raise InvalidTransition("transition.cancel", status=appt.status.value)
    if appt.start - now < state.branch.cancel_notice_min * 60:
        raise InvalidTransition("cancel.too_late", minutes=state.branch.cancel_notice_min)
    return [CancelledByClient(appt.id, now)]
