"""The journal as Russian sentences (SPEC §9.1): one sentence per event, for a salon owner.

«Клиент Ирина Петрова записалась на 05.12 14:00 — Женская стрижка, мастер
Мария Кузнецова». Names come from the *current* committed state (``Names``);
times are wall-clock times in the branch's zone (UTC, marked so, where an
event has no branch). Who acted opens the sentence: «Менеджер anna»,
«Администратор admin», «Клиент …», «Бот», «Система». A client's own action
takes a past-tense verb agreeing with the client's gender when the name shows
it (Russian first names, surnames and patronymics); otherwise, and for staff
(a login shows no gender), the sentence is neutral: «Менеджер anna: запись
перенесена на …». Names are never declined (no «к Марии Кузнецовой»): «мастер
Мария Кузнецова» reads right for any name, Russian or not. Nothing secret is
ever rendered (a password change is «пароль», never its hash).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from actors.core.model import COLUMNS, Appointment, Branch, Client, Hold, Service, Staff
from api.texts import journal_waitlist
from storage.journal import Recorded

STATUS_TITLES = {status.value: title for status, title in COLUMNS}

# Event types by group, with the Russian name the journal page's type filter shows.
TYPE_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Записи", (("appointment.created", "Новая запись"), ("appointment.status_changed", "Смена статуса"),
                ("appointment.rescheduled", "Перенос записи"), ("appointment.cancelled", "Отмена клиентом"),
                ("appointment.visit_confirmed", "Клиент подтвердил визит"), ("appointment.feedback", "Оценка визита"))),
    ("Придержанное время", (("hold.placed", "Время придержано"), ("hold.released", "Время освобождено"))),
    ("Лист ожидания", journal_waitlist.TYPES),
    ("Клиенты", (("client.registered", "Новый клиент"), ("client.updated", "Изменена карточка клиента"),
                 ("clients.merged", "Объединение клиентов"), ("clients.imported", "Импорт клиентов"))),
    ("Услуги", (("service.added", "Новая услуга"), ("service.updated", "Изменена услуга"),
                ("service.removed", "Услуга в архиве"))),
    ("Мастера", (("staff.added", "Новый мастер"), ("staff.updated", "Изменён мастер"),
                 ("staff.removed", "Мастер удалён"))),
    ("Филиалы", (("branch.opened", "Открыт филиал"), ("branch.updated", "Изменён филиал"),
                 ("branch.closed", "Закрыт филиал"))),
    ("Бот", (("notifier.sent", "Сообщение клиенту"), ("notifier.reminded", "Напоминание о визите"),
             ("notifier.checkpoint", "Отметка бота"))),
    ("Вебхуки", (("webhook.created", "Добавлен вебхук"), ("webhook.deleted", "Удалён вебхук"),
                 ("webhook.test_requested", "Тестовое событие вебхука"))),
)
TYPE_TITLES = {t: title for _, items in TYPE_GROUPS for t, title in items}

_BRANCH_FIELDS = {"name": "название", "timezone": "часовой пояс", "address": "адрес",
                  "slot_step_min": "шаг записи", "horizon_days": "запись вперёд",
                  "min_notice_min": "запись не позже чем за", "cancel_notice_min": "отмена не позже чем за",
                  "reschedule_notice_min": "перенос не позже чем за", "phone": "телефон",
                  "location": "место на карте"}
_STAFF_FIELDS = {"name": "имя", "service_ids": "услуги", "schedule": "недельный график",
                 "exceptions": "особые дни", "feed_token_hash": "новая ссылка на календарь (прежняя отключена)",
                 "service_overrides": "свои цены и длительность"}
_SERVICE_FIELDS = {"name": "название", "price": "цена", "currency": "валюта", "duration_min": "длительность",
                   "buffer_min": "перерыв после", "branch_ids": "филиалы", "active": "доступность"}
_CLIENT_FIELDS = {"name": "имя", "phone": "телефон", "email": "почта", "birthday": "день рождения",
                  "notes": "заметки", "telegram_id": "Telegram"}
_USER_FIELDS = {"role": "роль", "branches": "филиалы", "password_hash": "пароль", "disabled": "доступ"}
_ROLES = {"admin": "администратор", "manager": "менеджер"}
_CURRENCIES = {"RUB": "₽", "USD": "$", "EUR": "€"}


class Names(Protocol):
    """Committed state the sentences name things from (read-only; any lookup may miss)."""

    def branch(self, branch_id: str) -> Branch | None: ...
    def staff(self, branch_id: str, staff_id: str) -> Staff | None: ...
    def service(self, service_id: str) -> Service | None: ...
    def client(self, client_id: str) -> Client | None: ...
    def client_by_telegram(self, telegram_id: int) -> Client | None: ...
    def appointment(self, branch_id: str | None, appointment_id: str) -> Appointment | None: ...
    def hold(self, branch_id: str, hold_id: str) -> Hold | None: ...
    def role(self, login: str) -> str | None: ...


# ------------------------------------------------------------ gender from a name

_MALE_IN_A = frozenset({
    "никита", "илья", "кузьма", "фома", "лука", "савва", "миша", "паша", "дима", "ваня", "петя", "коля",
    "вова", "гоша", "лёша", "леша", "серёжа", "сережа", "толя", "юра", "костя", "слава", "гриша", "федя",
    "стёпа", "степа", "боря", "лёва", "лева", "митя", "алёша", "алеша", "вася", "жора", "гена", "рома",
    "тёма", "тема", "данила", "добрыня", "емеля", "муса", "иса"})
_UNISEX = frozenset({"саша", "женя", "валя", "шура", "сима"})
_FEMALE_IN_B = frozenset({"любовь", "нинель", "адель", "эсфирь", "рахиль", "юдифь", "руфь", "ассоль"})


def gender(name: str) -> str | None:
    """``"f"``, ``"m"`` or None (not sure) from a Russian full name, in any word order."""
    words = [w.strip(".,").lower() for w in name.replace("-", " ").split()]
    words = [w for w in words if w and all("а" <= ch <= "я" or ch == "ё" for ch in w)]
    votes: set[str] = set()
    for w in words:  # patronymics and surnames speak first
        if w.endswith(("овна", "евна", "ична", "инична")):
            votes.add("f")
        elif w.endswith(("ович", "евич", "ьич", "ич")) and len(w) > 5:
            votes.add("m")
        elif len(w) > 4 and w.endswith(("ова", "ева", "ёва", "ина", "ына", "ская", "цкая")):
            votes.add("f")
        elif len(w) > 3 and w.endswith(("ов", "ев", "ёв", "ын", "ский", "цкий")):
            votes.add("m")
    if len(votes) == 1:
        return votes.pop()
    if votes:
        return None
    for w in words:  # a first name alone
        if w in _UNISEX:
            continue
        if w in _MALE_IN_A:
            votes.add("m")
        elif w in _FEMALE_IN_B:
            votes.add("f")
        elif w.endswith(("а", "я")):
            votes.add("f")
        elif w.endswith("ь"):
            continue
        elif len(w) > 2:
            votes.add("m")
        break  # only the first word that looks like a first name
    return votes.pop() if len(votes) == 1 else None


# ------------------------------------------------------------ formatting


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (KeyError, ValueError, OSError):
        return ZoneInfo("UTC")


def money(price: str, currency: str) -> str:
    """``"1500.00", "RUB"`` → «1 500 ₽» (no thin spaces: plain text everywhere)."""
    try:
        amount = Decimal(price)
    except (InvalidOperation, ValueError):
        return f"{price} {currency}"
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    text = text.replace(",", " ").replace(".", ",")
    return f"{text} {_CURRENCIES.get(currency, currency)}"


def phone(e164: str | None) -> str:
    if not e164:
        return ""
    if len(e164) == 12 and e164.startswith("+7") and e164[1:].isdigit():
        d = e164[2:]
        return f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
    return e164


def _q(name: str) -> str:
    return f"«{name}»"


class _Who:
    """Who caused an event: the sentence's subject."""

    def __init__(self, phrase: str, kind: str, sex: str | None = None) -> None:
        self.phrase, self.kind, self.sex = phrase, kind, sex

    def did(self, male: str, female: str, rest: str, nominal: str) -> str:
        """A client's action as a verb when the gender is known, else ``«Кто: nominal»``."""
        if self.kind == "client" and self.sex is not None:
            return f"{self.phrase} {female if self.sex == 'f' else male} {rest}"
        return f"{self.phrase}: {nominal}"

    def says(self, nominal: str) -> str:
        return f"{self.phrase}: {nominal}"


class JournalTexts:
    """Renders events; a released hold is gone from the state, so the time it held is taken
    from its ``hold.placed`` event, which the caller hands over (``remember``) when it has it."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self._holds: dict[str, dict[str, Any]] = {}
        self._render: dict[str, Callable[[Recorded, _Who, str | None], str]] = {
            "appointment.created": self._created, "appointment.status_changed": self._status,
            "appointment.rescheduled": self._rescheduled, "appointment.cancelled": self._cancelled,
            "appointment.visit_confirmed": self._visit_confirmed, "appointment.feedback": self._feedback,
            "hold.placed": self._held, "hold.released": self._released,
            "branch.opened": self._branch_opened, "branch.updated": self._branch_updated,
            "branch.closed": self._branch_closed, "staff.added": self._staff_added,
            "staff.updated": self._staff_updated, "staff.removed": self._staff_removed,
            "service.added": self._service_added, "service.updated": self._service_updated,
            "service.removed": self._service_removed, "client.registered": self._registered,
            "client.updated": self._client_updated, "clients.merged": self._merged,
            "clients.imported": self._imported, "user.created": self._user_created,
            "user.updated": self._user_updated, "notifier.sent": self._sent,
            "notifier.reminded": self._reminded, "notifier.checkpoint": self._checkpoint,
            "webhook.created": self._webhook_created, "webhook.deleted": self._webhook_deleted,
            "webhook.test_requested": self._webhook_test,
        }
        self._render.update(journal_waitlist.renderers(self))

    # ------------------------------------------------------------ entry point

    def text(self, rec: Recorded, branch_id: str | None) -> str:
        """One sentence for ``rec`` (``branch_id``: the branch of its stream, if any)."""
        who = self.who(rec.actor)
        render = self._render.get(rec.type)
        try:
            if render is not None:
                return render(rec, who, branch_id)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # an event of an older shape: said generically rather than not at all
        title = TYPE_TITLES.get(rec.type)
        return who.says(f"{title.lower()}" if title else f"событие «{rec.type}»")

    def remember(self, rec: Recorded) -> None:
        """Keep what a later sentence needs from ``rec`` (a ``hold.placed``: what it held)."""
        if rec.type == "hold.placed" and "hold_id" in rec.data:
            self._holds[str(rec.data["hold_id"])] = rec.data

    def knows_hold(self, hold_id: str) -> bool:
        return hold_id in self._holds

    def who(self, actor: str) -> _Who:
        kind, _, ident = actor.partition(":")
        if kind == "user":
            role = self.names.role(ident)
            title = {"admin": "Администратор", "manager": "Менеджер"}.get(role or "", "Сотрудник")
            return _Who(f"{title} {ident}", "staff")
        if kind == "client":
            client = self.names.client(ident)
            return _Who(f"Клиент {self._client_name(client)}", "client", gender(client.name) if client else None)
        if kind == "telegram" and ident.isdigit():
            client = self.names.client_by_telegram(int(ident))
            if client is None:
                return _Who("Новый клиент в Telegram", "system")
            return _Who(f"Клиент {self._client_name(client)}", "client", gender(client.name))
        if actor == "system:notifier":
            return _Who("Бот", "system")
        if kind == "cli":
            return _Who("Администратор сервера", "system")
        return _Who("Система", "system")

    # ------------------------------------------------------------ pieces

    @staticmethod
    def _client_name(client: Client | None) -> str:
        if client is None:
            return "(удалён из базы)"
        return client.name or phone(client.phone) or "без имени"

    def _client(self, client_id: str | None) -> str:
        return self._client_name(self.names.client(client_id)) if client_id else "(неизвестный клиент)"

    def _tz(self, branch_id: str | None) -> tuple[ZoneInfo, bool]:
        branch = self.names.branch(branch_id) if branch_id else None
        return (_zone(branch.timezone), True) if branch else (ZoneInfo("UTC"), False)

    def when(self, ts: float, branch_id: str | None, at: datetime | None = None) -> str:
        """«05.12 14:00» in the branch's zone (the year added when it is not the event's own)."""
        tz, local = self._tz(branch_id)
        moment = datetime.fromtimestamp(ts, tz)
        text = moment.strftime("%d.%m %H:%M")
        if at is not None and at.astimezone(tz).year != moment.year:
            text = moment.strftime("%d.%m.%Y %H:%M")
        return text if local else f"{text} UTC"

    def clock(self, ts: float, branch_id: str | None) -> str:
        tz, local = self._tz(branch_id)
        text = datetime.fromtimestamp(ts, tz).strftime("%H:%M")
        return text if local else f"{text} UTC"

    def _service(self, service_id: str | None) -> str:
        svc = self.names.service(service_id) if service_id else None
        return svc.name if svc else "услуга удалена"

    def _staff(self, branch_id: str | None, staff_id: str | None) -> str:
        staff = self.names.staff(branch_id, staff_id) if branch_id and staff_id else None
        return f"мастер {staff.name}" if staff else "мастер не найден"

    def _visit(self, branch_id: str | None, service_id: str | None, staff_id: str | None,
               service_ids: list[str] | None = None) -> str:
        """«Стрижка, мастер …»; a visit of several services names them all («Стрижка + Укладка»)."""
        what = " + ".join(self._service(s) for s in service_ids) if service_ids else self._service(service_id)
        return f"{what}, {self._staff(branch_id, staff_id)}"

    def _appt(self, branch_id: str | None, appointment_id: str) -> Appointment | None:
        return self.names.appointment(branch_id, appointment_id)

    def _branch_name(self, branch_id: str | None) -> str:
        branch = self.names.branch(branch_id) if branch_id else None
        return _q(branch.name) if branch else "(неизвестный филиал)"

    # ------------------------------------------------------------ appointments and holds

    def _created(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        when = self.when(d["start"], bid, rec.at)
        visit = self._visit(bid, d["service_id"], d["staff_id"], d.get("service_ids"))
        if who.kind == "client" and d.get("booked_by"):  # «Записать другого человека»
            person = self._client(d["client_id"])
            return who.did("записал", "записала", f"другого человека на {when} — {visit}; придёт {person}",
                           f"новая запись для другого человека на {when} — {visit}; придёт {person}")
        if who.kind == "client":
            return who.did("записался", "записалась", f"на {when} — {visit}",
                           f"новая запись на {when} — {visit}")
        status = STATUS_TITLES.get(d.get("status", ""), d.get("status", ""))
        return who.says(f"новая запись — {self._client(d['client_id'])} на {when}, {visit}, в колонке {_q(status)}")

    def _status(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        appt = self._appt(bid, d["appointment_id"])
        old = STATUS_TITLES.get(d["previous"], d["previous"])
        new = STATUS_TITLES.get(d["status"], d["status"])
        return who.says(f"запись перемещена из {_q(old)} в {_q(new)} — {self._about(appt, bid, rec)}")

    def _about(self, appt: Appointment | None, bid: str | None, rec: Recorded) -> str:
        if appt is None:
            return "запись не найдена"
        return (f"{self._client(appt.client_id)}, {self.when(appt.start, bid, rec.at)}, "
                f"{self._visit(bid, appt.service_id, appt.staff_id)}")

    def _rescheduled(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        appt = self._appt(bid, d["appointment_id"])
        moved = f"на {self.when(d['start'], bid, rec.at)}"
        visit = self._visit(bid, appt.service_id if appt else None, d["staff_id"])
        client = self._client(appt.client_id) if appt else "(неизвестный клиент)"
        if who.kind == "client":
            moved += ", снова в «Новые»" if d.get("by") == "client" else ""
            return who.did("перенёс", "перенесла", f"запись {moved} — {visit}", f"запись перенесена {moved} — {visit}")
        return who.says(f"запись перенесена {moved} — {client}, {visit}")

    def _cancelled(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        appt = self._appt(bid, rec.data["appointment_id"])
        if appt is None:
            return who.did("отменил", "отменила", "запись", "запись отменена")
        when = self.when(appt.start, bid, rec.at)
        visit = self._visit(bid, appt.service_id, appt.staff_id)
        if who.kind == "client":
            return who.did("отменил", "отменила", f"запись на {when} — {visit}", f"запись на {when} отменена — {visit}")
        return who.says(f"запись отменена — {self._client(appt.client_id)}, {when}, {visit}")

    def _visit_confirmed(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        appt = self._appt(bid, rec.data["appointment_id"])
        about = f"{self.when(appt.start, bid, rec.at)} — {self._visit(bid, appt.service_id, appt.staff_id)}" \
            if appt else "запись не найдена"
        return who.did("подтвердил", "подтвердила", f"визит «Приду»: {about}", f"визит подтверждён «Приду»: {about}")

    def _feedback(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        appt = self._appt(bid, d["appointment_id"])
        about = f"{self.when(appt.start, bid, rec.at)} — {self._visit(bid, appt.service_id, appt.staff_id)}" \
            if appt else "запись не найдена"
        said = f" с комментарием {_q(d['comment'])}" if d.get("comment") else ""
        rating = f"на {int(d['rating'])} из 5"
        return who.did("оценил", "оценила", f"визит {rating} ({about}){said}",
                       f"визит оценён {rating} ({about}){said}")

    def _held(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        when = self.when(d["start"], bid, rec.at)
        visit = self._visit(bid, d["service_id"], d["staff_id"], d.get("service_ids"))
        until = self.clock(d["expires_at"], bid)
        if rec.actor.startswith(("client:", "user:")) and rec.actor != f"client:{d['client_id']}":  # an offer
            return f"Время {when} придержано для клиента {self._client(d['client_id'])} — {visit}, до {until}"
        return who.did("придержал", "придержала", f"время {when} — {visit}, до {until}",
                       f"время {when} придержано — {visit}, до {until}")

    def _released(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        hold_id = rec.data["hold_id"]
        seen = self._holds.get(hold_id)
        hold = self.names.hold(bid, hold_id) if bid and seen is None else None
        start = seen["start"] if seen else hold.start if hold else None
        if start is None:
            return who.did("отказался", "отказалась", "от придержанного времени", "придержанное время освобождено")
        when = self.when(start, bid, rec.at)
        return who.did("отказался", "отказалась", f"от придержанного времени {when}",
                       f"придержанное время {when} освобождено")

    # ------------------------------------------------------------ branches, staff, services

    def _branch_opened(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        address = f", {d['address']}" if d.get("address") else ""
        return who.says(f"открыт филиал {self._branch_name(bid)}{address} (часовой пояс {d['timezone']})")

    def _branch_updated(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        parts = []
        for key, value in rec.data["changes"].items():
            label = _BRANCH_FIELDS.get(key, key)
            if key.endswith("_min"):
                parts.append(f"{label} {value} мин")
            elif key == "horizon_days":
                parts.append(f"{label} на {value} дн.")
            elif isinstance(value, (str, int)) and not isinstance(value, bool):
                parts.append(f"{label} {_q(str(value))}" if isinstance(value, str) else f"{label} {value}")
            else:
                parts.append(label)
        return who.says(f"изменён филиал {self._branch_name(bid)}" + (f" — {', '.join(parts)}" if parts else ""))

    def _branch_closed(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        return who.says(f"филиал {self._branch_name(bid)} закрыт")

    def _staff_added(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        services = ", ".join(self._service(s) for s in d.get("service_ids", [])[:5]) or "пока нет"
        return who.says(f"новый мастер {self._staff_named(bid, d)} в филиале {self._branch_name(bid)}, "
                        f"услуги: {services}")

    def _staff_named(self, bid: str | None, d: dict[str, Any]) -> str:
        staff = self.names.staff(bid, d["staff_id"]) if bid else None
        return staff.name if staff else str(d.get("name") or "(удалён)")

    def _staff_updated(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        fields = ", ".join(_STAFF_FIELDS.get(k, k) for k in d["changes"])
        return who.says(f"изменены данные мастера {self._staff_named(bid, d)}" + (f" — {fields}" if fields else ""))

    def _staff_removed(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        return who.says(f"мастер {self._staff_named(bid, rec.data)} удалён из филиала {self._branch_name(bid)}")

    def _service_added(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        return who.says(f"новая услуга {_q(self._service(d['service_id']))} — "
                        f"{money(d['price'], d['currency'])}, {d['duration_min']} мин")

    def _service_updated(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        svc = self.names.service(d["service_id"])
        parts = []
        for key, value in d["changes"].items():
            label = _SERVICE_FIELDS.get(key, key)
            if key == "price":
                parts.append(f"{label} {money(str(value), svc.currency if svc else 'RUB')}")
            elif key in ("duration_min", "buffer_min"):
                parts.append(f"{label} {value} мин")
            elif key == "name":
                parts.append(f"{label} {_q(str(value))}")
            else:
                parts.append(label)
        changed = f" — {', '.join(parts)}" if parts else ""
        return who.says(f"изменена услуга {_q(self._service(d['service_id']))}{changed}")

    def _service_removed(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        return who.says(f"услуга {_q(self._service(rec.data['service_id']))} убрана в архив")

    # ------------------------------------------------------------ clients

    def _registered(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        client = self.names.client(d["client_id"])
        name = self._client_name(client) if client else str(d.get("name") or "без имени")
        tel = phone(client.phone if client else d.get("phone"))
        if who.kind == "client":
            return who.did("зарегистрировался", "зарегистрировалась", f"в боте, телефон {tel}",
                           f"регистрация в боте, телефон {tel}")
        if rec.actor.startswith("telegram:"):
            return f"Новый клиент {name} зарегистрирован в боте, телефон {tel}"
        return who.says(f"новый клиент — {name}, телефон {tel}")

    def _client_updated(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        fields = ", ".join(_CLIENT_FIELDS.get(k, k) for k in d["changes"])
        if who.kind == "client" and "telegram_id" in d["changes"]:
            return who.did("подключил", "подключила", "Telegram-бота к своей карточке",
                           "карточка связана с Telegram")
        if who.kind == "client":
            return who.says(f"обновлены данные своей карточки — {fields}")
        changed = f" — {fields}" if fields else ""
        return who.says(f"изменена карточка клиента {self._client(d['client_id'])}{changed}")

    def _merged(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        moved = ", ".join(_CLIENT_FIELDS.get(k, k) for k in d.get("changes", {}))
        return who.says(f"дубликат объединён с карточкой клиента {self._client(d['into_id'])}"
                        + (f", перенесены: {moved}" if moved else ""))

    def _imported(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        return who.says(f"импорт клиентов из файла — новых: {len(d['created'])}, дополнено: {len(d['updated'])}")

    # ------------------------------------------------------------ accounts (the stream is never listed)

    def _user_created(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        role = _ROLES.get(d["role"], d["role"])
        branches = "все филиалы" if "*" in d["branches"] else ", ".join(self._branch_name(b) for b in d["branches"])
        return who.says(f"создана учётная запись {d['login']} ({role}, {branches})")

    def _user_updated(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        changes = d["changes"]
        parts = [_USER_FIELDS.get(k, k) for k in changes if k != "disabled"]
        if "disabled" in changes:
            parts.append("доступ закрыт" if changes["disabled"] else "доступ открыт")
        return who.says(f"изменена учётная запись {d['login']} — {', '.join(parts)}")

    # ------------------------------------------------------------ the bot's side stream

    def _sent(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        kind = str(d.get("kind", ""))
        if kind.startswith("status:"):
            about = f"о статусе {_q(STATUS_TITLES.get(kind[7:], kind[7:]))}"
        elif kind.startswith("reminder:"):
            about = f"напоминание за {kind[9:]} ч"
        else:
            about = {"created": "о новой записи", "rescheduled": "о переносе записи"}.get(kind, kind)
        client = self.names.client_by_telegram(int(d["chat"])) if str(d.get("chat", "")).lstrip("-").isdigit() else None
        whom = self._client_name(client) if client else f"чат {d.get('chat')}"
        outcome = str(d.get("outcome", "sent"))
        done = "отправлено" if outcome == "sent" else f"не доставлено ({outcome})"
        return who.says(f"сообщение {about} {done} — {whom} (событие №{d['seq']})")

    def _reminded(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        appt = self._appt(None, d["appointment_id"])
        branch_id = appt.branch_id if appt else None
        outcome = str(d.get("outcome", "sent"))
        done = "отправлено" if outcome == "sent" else f"не доставлено ({outcome})"
        visit = self._about(appt, branch_id, rec) if appt else f"визит {self.when(d['start'], None)}"
        if str(d.get("key", "")).startswith("feedback:"):  # «Как прошёл визит?» (SPEC §9.3)
            done = "отправлена" if outcome == "sent" else f"не доставлена ({outcome})"
            return who.says(f"просьба оценить визит {done} — {visit}")
        return who.says(f"напоминание за {d['hours']} ч {done} — {visit}")

    def _checkpoint(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        return who.says(f"обработаны события до №{rec.data['seq']}")

    # ------------------------------------------------------------ webhooks (the secret is never said)

    def _webhook_created(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        events = ("все события" if "*" in d["events"]
                  else ", ".join(_q(TYPE_TITLES.get(t, t)) for t in d["events"]))
        branches = ("все филиалы" if d.get("branch_ids") is None
                    else ", ".join(self._branch_name(b) for b in d["branch_ids"]))
        return who.says(f"добавлен вебхук {d['url']} — {events}; {branches}")

    def _webhook_deleted(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        return who.says(f"удалён вебхук {rec.data['webhook_id']}")

    def _webhook_test(self, rec: Recorded, who: _Who, bid: str | None) -> str:
        return who.says(f"отправлено тестовое событие на вебхук {rec.data['webhook_id']}")
