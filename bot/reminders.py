"""Reminders before a visit, computed from state (pure: a view, a clock reading, what was sent).

With offsets 24 h and 2 h, the 24-hour reminder is due in
``[start − 24 h, start − 2 h)`` and the 2-hour one in ``[start − 2 h, start)``:
a server that was down through the first window sends only the second, never
both at once. A reminder is skipped when the appointment was booked after its
moment (a visit booked 3 hours ahead gets the 2-hour reminder, not the
24-hour one) and for every status but ``new`` and ``confirmed`` (a cancelled
visit is never reminded). Its key names the start, so a visit moved to
another time is reminded again for the new time. The first reminder (24 h)
carries «Приду», «Перенести», «Отменить» (SPEC §9.3).

«Как прошёл визит?» (``due_feedback``) is asked ``ZAPIS_FEEDBACK_DELAY_H``
after a visit was moved to ``done`` (its ``updated_at``: nothing else changes
a done visit before it is rated), within ``FEEDBACK_WINDOW_S`` of that moment
(a server that was down longer, or a first start, does not ask about old
visits), unless it was rated already; marked like a reminder, under the key
``feedback:<id>`` with the due moment as its "start", so it is asked once.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass

from actors.core.model import Appointment, Status
from bot import texts
from bot.notices import Notice, for_person, recipient, reminder, visit
from bot.state_view import StateView

REMINDABLE = frozenset({Status.NEW, Status.CONFIRMED})
FEEDBACK_WINDOW_S = 12 * 3600  # shorter than the ledger's memory of a mark (a day), so never asked twice


@dataclass(frozen=True, slots=True)
class Due:
    key: str
    appointment_id: str
    hours: int
    start: int
    notice: Notice


def reminder_key(appointment_id: str, hours: int, start: int) -> str:
    return f"{appointment_id}:{hours}:{start}"


def window(appointment: Appointment, now: float, offsets: Sequence[int]) -> int | None:
    """The offset (hours) whose window ``now`` is in, if that reminder applies to this booking."""
    for i, hours in enumerate(offsets):
        moment = appointment.start - hours * 3600
        until = appointment.start - offsets[i + 1] * 3600 if i + 1 < len(offsets) else appointment.start
        if moment <= now < until:
            return hours if appointment.created_at <= moment else None
    return None


def due_reminders(view: StateView, now: float, hours: Sequence[int], sent: Container[str]) -> list[Due]:
    """Reminders due at ``now`` and not in ``sent``, soonest visit first."""
    offsets = sorted({h for h in hours if h > 0}, reverse=True)
    if not offsets:
        return []
    horizon = now + offsets[0] * 3600
    due: list[Due] = []
    for state in view.branches():
        if state.branch is None:
            continue
        for a in state.appointments.values():
            if a.status not in REMINDABLE or not now < a.start <= horizon:
                continue
            h = window(a, now, offsets)
            if h is None or reminder_key(a.id, h, a.start) in sent:
                continue
            chat, person = recipient(view, a)
            if not chat:
                continue
            v = for_person(visit(view, state, a.start, a.services_of_visit, a.staff_id), person)
            text = reminder(v, now)
            # «Приду» / «Перенести» / «Отменить» under the first; inside the notice window only «Приду»
            changeable = v.can_cancel(now) and v.can_move(now)
            keyboard = ("visit" if changeable else "come") if h == offsets[0] else ""
            due.append(Due(reminder_key(a.id, h, a.start), a.id, h, a.start,
                           Notice(chat, text, f"reminder:{h}", keyboard, a.id)))
    due.sort(key=lambda d: (d.start, d.appointment_id))
    return due


def feedback_key(appointment_id: str) -> str:
    return f"feedback:{appointment_id}"


def due_feedback(view: StateView, now: float, delay_h: float, sent: Container[str]) -> list[Due]:
    """«Как прошёл визит?» for visits done ``delay_h`` ago (and less than the window more), unrated."""
    if delay_h < 0:
        return []
    delay = delay_h * 3600
    due: list[Due] = []
    for state in view.branches():
        if state.branch is None:
            continue
        for a in state.appointments.values():
            if a.status is not Status.DONE or a.feedback is not None:
                continue
            moment = a.updated_at + delay
            if not moment <= now < moment + FEEDBACK_WINDOW_S or feedback_key(a.id) in sent:
                continue
            chat, _person = recipient(view, a)
            if not chat:
                continue
            v = visit(view, state, a.start, a.services_of_visit, a.staff_id)
            text = texts.feedback_ask(v.service, v.start, v.master)
            due.append(Due(feedback_key(a.id), a.id, 0, int(moment), Notice(chat, text, "feedback", "rate", a.id)))
    due.sort(key=lambda d: (d.start, d.appointment_id))
    return due
