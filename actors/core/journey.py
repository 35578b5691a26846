"""The client's own changes to a visit (SPEC §9.3): reschedule, «Приду», feedback. Pure.

``branch_decide.decide`` hands these commands here. Every one is for the
client's own appointment: someone else's is ``NotFound``, exactly as an id
that does not exist, so a client learns nothing about other people's visits.

- **Reschedule**: a ``new`` or ``confirmed`` visit, at least the branch's
  ``reschedule_notice`` (``Branch.reschedule_notice_min``, else the cancel
  notice) before its *old* start (``TooLate`` otherwise), to a start that
  obeys the client rules (grid, minimum notice, horizon) and is free of
  other appointments and other clients' live holds — its own old span does
  not count. One ``Rescheduled`` event (``by="client"``) moves it: the old
  time is free only once the new one is taken, in the same decision. The
  visit goes back to ``new`` for the salon to confirm (``evolve``). Without
  ``staff_id`` the master stays (and the visit's length); another master
  takes the visit with their own durations (``services``, resolved by the
  application layer), as a manager's move does.
- **Confirm** («Приду»): a ``new`` or ``confirmed`` visit still ahead; a
  second press changes nothing (no event).
- **Feedback**: a ``done`` visit only (``InvalidTransition``), once
  (``FeedbackExists``), rating 1..5.
"""

from __future__ import annotations

from actors.core.branch_state import BranchState
from actors.core.errors import FeedbackExists, InvalidInput, InvalidTransition, NotFound, SlotUnavailable, TooLate
from actors.core.messages import (
    ConfirmVisit,
    Event,
    FeedbackLeft,
    LeaveFeedback,
    RescheduleAsClient,
    Rescheduled,
    VisitConfirmed,
)
from actors.core.model import Appointment, Status
from actors.core.slots import blocking_holds, bookable_window, is_free, on_grid
from actors.core.visits import visit_span

OPEN = frozenset({Status.NEW, Status.CONFIRMED})
MAX_COMMENT = 1000


def own_appointment(state: BranchState, appointment_id: str, client_id: str) -> Appointment:
    """The client's appointment, or ``NotFound`` (also for someone else's)."""
    appt = state.appointments.get(appointment_id)
    if appt is None or appt.client_id != client_id:
        raise NotFound("appointment.not_found")
    return appt


def reschedule_as_client(state: BranchState, cmd: RescheduleAsClient, now: float) -> list[Event]:
    branch = state.branch
    assert branch is not None
    appt = own_appointment(state, cmd.appointment_id, cmd.client_id)
    if appt.status not in OPEN:
        raise InvalidTransition("transition.reschedule", status=appt.status.value)
    if appt.start - now < branch.reschedule_notice * 60:
        raise TooLate("reschedule.too_late", minutes=branch.reschedule_notice)
    staff = state.staff.get(cmd.staff_id or appt.staff_id)
    if staff is None or not staff.active:
        raise NotFound("staff.not_found")
    if any(s not in staff.service_ids for s in appt.services_of_visit):
        raise SlotUnavailable("slot.staff_service")
    earliest, latest = bookable_window(state, now)
    if not earliest <= cmd.start <= latest:
        raise SlotUnavailable("slot.outside_window")
    duration, buffer = appt.end - appt.start, appt.block_end - appt.end
    if staff.id != appt.staff_id and cmd.services:  # another master: their own durations (SPEC §9.2)
        duration, block = visit_span(staff, cmd.services)
        buffer = block - duration
    if not on_grid(state, staff, cmd.start, duration):
        raise SlotUnavailable("slot.not_available")
    block_end = cmd.start + duration + buffer
    if not is_free(state, staff.id, cmd.start, block_end, blocking_holds(state, now, None), ignore=appt.id):
        raise SlotUnavailable("slot.taken")
    if staff.id == appt.staff_id and cmd.start == appt.start:
        return []
    return [Rescheduled(appt.id, staff.id, cmd.start, cmd.start + duration, block_end, now, by="client")]


def confirm_visit(state: BranchState, cmd: ConfirmVisit, now: float) -> list[Event]:
    appt = own_appointment(state, cmd.appointment_id, cmd.client_id)
    if appt.status not in OPEN or appt.start <= now:
        raise InvalidTransition("transition.confirm_visit", status=appt.status.value)
    if appt.client_confirmed_at is not None:
        return []
    return [VisitConfirmed(appt.id, now)]


def leave_feedback(state: BranchState, cmd: LeaveFeedback, now: float) -> list[Event]:
    appt = own_appointment(state, cmd.appointment_id, cmd.client_id)
    if appt.status is not Status.DONE:
        raise InvalidTransition("transition.feedback", status=appt.status.value)
    if appt.feedback is not None:
        raise FeedbackExists("feedback.exists")
    if not 1 <= cmd.rating <= 5:
        raise InvalidInput("feedback.rating")
    return [FeedbackLeft(appt.id, cmd.rating, cmd.comment.strip()[:MAX_COMMENT], now)]
