"""Which journal events the client hears about, and what they read (pure, no aiogram).

A client is told when a *manager* acts on their appointment — the journal's
``actor`` is ``user:<login>``: a booking made for them by phone
(``appointment.created``), a status change (``appointment.status_changed``,
to ``cancelled`` too) and a new time or master (``appointment.rescheduled``).
The client's own actions (``client:<id>``) and the system's are not echoed
back: the bot already answered them in the dialogue. Clients without a
Telegram id (booked by phone, never opened the bot) cannot be told — unless a client booked the
visit for them («Записать другого человека»): then the booker hears of it (``recipient``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from actors.core.branch_state import BranchState
from actors.core.model import Appointment
from actors.core.schedule import zone
from actors.streams import branch_id_of
from bot import texts
from bot.state_view import StateView
from storage.journal import Recorded

MANAGER = "user:"


@dataclass(frozen=True, slots=True)
class Notice:
    chat_id: int
    text: str
    kind: str  # "created" | "status:<status>" | "rescheduled" | "reminder:<hours>" | "feedback"
    # Buttons beyond the menu (``bot/visit_keys.py`` draws them): "visit" («Приду», «Перенести»,
    # «Отменить») or "rate" (1–5 stars), for ``appointment_id``.
    keyboard: str = ""
    appointment_id: str = ""
    hold_id: str = ""  # "offer" (a waitlist offer, ``bot/waitlist_notice.py``): «Записаться» / «Не подходит»


@dataclass(frozen=True, slots=True)
class Visit:
    """What a notice says about an appointment."""

    start: datetime  # local, aware
    service: str
    master: str
    place: str
    phone: str | None = None  # the salon's, E.164
    cancel_min: int = 0  # the branch's notices: inside them the bot no longer cancels / moves the visit
    move_min: int = 0
    person: str = ""  # the visit's person, when the message goes to whoever booked it for them

    def can_cancel(self, now: float) -> bool:
        return self.start.timestamp() - now >= self.cancel_min * 60

    def can_move(self, now: float) -> bool:
        return self.start.timestamp() - now >= self.move_min * 60

    def lines(self) -> list[str]:
        whom = [f"Кто придёт: {texts.esc(self.person)}"] if self.person else []
        return [*whom, f"Когда: {texts.when(self.start)}", f"Услуга: {texts.esc(self.service)}",
                f"Мастер: {texts.esc(self.master)}", f"Адрес: {self.place}"]


def visit(view: StateView, state: BranchState, start: int, service_id: str | Sequence[str], staff_id: str) -> Visit:
    """``service_id``: one service, or every service of a visit («Стрижка + Укладка»)."""
    branch = state.branch
    assert branch is not None
    services = view.catalogue().services
    names = [s.name if (s := services.get(sid)) else "—"
             for sid in ((service_id,) if isinstance(service_id, str) else service_id)]
    staff = state.staff.get(staff_id)
    place = ", ".join(texts.esc(p) for p in (branch.name, branch.address) if p)
    move = branch.cancel_notice_min if branch.reschedule_notice_min is None else branch.reschedule_notice_min
    return Visit(datetime.fromtimestamp(start, zone(branch.timezone)), " + ".join(names),
                 staff.name if staff else "—", place, branch.phone, branch.cancel_notice_min, move)


def chat_of(view: StateView, client_id: str) -> int | None:
    client = view.clients().clients.get(client_id)
    return client.telegram_id if client is not None else None


def recipient(view: StateView, a: Appointment) -> tuple[int | None, str]:
    """Who hears of a visit, and the person's name to say in it: the visit's person on their own
    Telegram; a person without one (booked by someone else) through the booker."""
    own = chat_of(view, a.client_id)
    if own or a.booked_by is None:
        return own, ""
    person = view.clients().clients.get(a.client_id)
    return chat_of(view, a.booked_by), person.name if person is not None else ""


def for_person(v: Visit, person: str) -> Visit:
    return replace(v, person=person) if person else v


def notice_for(rec: Recorded, view: StateView) -> Notice | None:
    """The message ``rec`` warrants, or None."""
    branch_id = branch_id_of(rec.stream)
    if rec.type == "waitlist.offered":  # whoever freed the time: the waiting client hears of it
        from bot.waitlist_notice import offer_notice

        return offer_notice(rec, view)
    if not rec.actor.startswith(MANAGER) or branch_id is None:
        return None
    state = view.branch(branch_id)
    if state is None or state.branch is None:
        return None
    d = rec.data
    if rec.type == "appointment.created":
        chat = chat_of(view, d["client_id"])
        v = visit(view, state, d["start"], d.get("service_ids") or d["service_id"], d["staff_id"])
        return Notice(chat, booked_for_you(v), "created") if chat else None
    appointment = state.appointments.get(d.get("appointment_id", ""))
    if appointment is None:
        return None
    chat, person = recipient(view, appointment)
    if not chat:
        return None
    if rec.type == "appointment.status_changed":
        v = visit(view, state, appointment.start, appointment.services_of_visit, appointment.staff_id)
        return Notice(chat, status_changed(for_person(v, person), d["status"]), f"status:{d['status']}")
    if rec.type == "appointment.rescheduled":
        v = visit(view, state, d["start"], appointment.services_of_visit, d["staff_id"])
        return Notice(chat, rescheduled(for_person(v, person)), "rescheduled")
    return None


def booked_for_you(v: Visit) -> str:
    return "\n".join(["📅 <b>Вас записали</b>", "", *v.lines(), "",
                      "Если время не подходит, отмените или перенесите запись в «Мои записи» "
                      f"или позвоните нам{_phone_tail(v)}."])


def _phone_tail(v: Visit) -> str:
    return f": {texts.phone(v.phone)}" if v.phone else ""


def status_changed(v: Visit, status: str) -> str:
    if status == "confirmed":
        return "\n".join(["✅ <b>Ваша запись подтверждена</b>", "", *v.lines(), "", "Ждём вас!"])
    if status == "cancelled":
        return (f"❌ <b>Салон отменил вашу запись</b> на {texts.when(v.start)} ({texts.esc(v.service)}).\n\n"
                "Записаться на другое время можно кнопкой «Меню» ниже.")
    if status == "done":
        return "Спасибо за визит! Будем рады видеть вас снова."
    if status == "no_show":
        return f"Мы не дождались вас {texts.at_when(v.start)}. Если хотите, запишитесь снова — кнопка «Меню» ниже."
    if status == "in_progress":
        return "Ваш визит начался — хорошего времени!"
    return f"Статус вашей записи на {texts.when(v.start)}: {texts.status(status)}."


def rescheduled(v: Visit) -> str:
    return "\n".join(["🔁 <b>Ваша запись перенесена</b>", "", *v.lines(), "",
                      "Если новое время не подходит, отмените или перенесите запись в «Мои записи» "
                      f"или позвоните нам{_phone_tail(v)}."])


def reminder(v: Visit, now: float) -> str:
    """Inside the notice window the reminder offers the phone, never a cancel the rules would refuse."""
    change = (texts.change_rule_now(v.can_cancel(now), v.can_move(now), v.phone)
              or "Если планы изменились, отмените или перенесите запись кнопками ниже или в «Мои записи».")
    return "\n".join(["⏰ <b>Напоминаем о записи</b>", "", *v.lines(), "", change])
