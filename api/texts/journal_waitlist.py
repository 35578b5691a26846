"""The journal's Russian sentences for the waitlist's events (SPEC §9.3; ``api/texts/journal.py``).

An offer is decided in the turn of whatever freed the time, so its events
carry that command's actor (a client who cancelled, a manager): the
sentences name the waiting client from the event's own data instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from storage.journal import Recorded

if TYPE_CHECKING:
    from api.texts.journal import JournalTexts, _Who

TYPES: tuple[tuple[str, str], ...] = (
    ("waitlist.joined", "Встал в лист ожидания"), ("waitlist.offered", "Предложено освободившееся время"),
    ("waitlist.declined", "Предложение снято"), ("waitlist.booked", "Запись из листа ожидания"),
    ("waitlist.ended", "Вышел из листа ожидания"), ("hold.expired", "Придержанное время истекло"),
)
_DECLINED = {
    "declined": "клиент отказался («Не подходит»)",
    "expired": "клиент не ответил вовремя",
    "replaced": "клиент выбрал другое время",
    "ended": "ожидание завершено",
}


def renderers(t: JournalTexts) -> dict[str, Callable[[Recorded, _Who, str | None], str]]:
    def dates(d: dict[str, Any]) -> str:
        first, last = d["date_from"], d["date_to"]
        span = _day(first) if first == last else f"{_day(first)}–{_day(last)}"
        hours = ""
        if d.get("time_from") is not None or d.get("time_to") is not None:
            hours = f", {_hhmm(d.get('time_from') or 0)}–{_hhmm(d.get('time_to') or 1440)}"
        return span + hours

    def joined(rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        services = " + ".join(str(row[1]) for row in d["services"])
        master = f", {t._staff(bid, d['staff_id'])}" if d.get("staff_id") else ", любой мастер"
        rest = f"в лист ожидания: {services}, {dates(d)}{master}"
        return who.did("встал", "встала", rest, f"запись в лист ожидания ({services}, {dates(d)}{master})")

    def offered(rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        return (f"Лист ожидания: освободившееся время {t.when(d['start'], bid, rec.at)} "
                f"({t._staff(bid, d['staff_id'])}) предложено клиенту {t._client(d['client_id'])} "
                f"до {t.clock(d['expires_at'], bid)}")

    def declined(rec: Recorded, who: _Who, bid: str | None) -> str:
        d = rec.data
        why = _DECLINED.get(str(d["reason"]), str(d["reason"]))
        return (f"Лист ожидания: предложение времени {t.when(d['start'], bid, rec.at)} клиенту "
                f"{t._client(d['client_id'])} снято — {why}; время предлагается следующему")

    def booked(rec: Recorded, who: _Who, bid: str | None) -> str:
        appt = t._appt(bid, rec.data["appointment_id"])
        about = f" {t.when(appt.start, bid, rec.at)} — {t._visit(bid, appt.service_id, appt.staff_id)}" if appt else ""
        client = t._client(rec.data["client_id"])
        return f"Лист ожидания: запись клиента {client} на предложенное время{about}"

    def ended(rec: Recorded, who: _Who, bid: str | None) -> str:
        client = t._client(rec.data["client_id"])
        if rec.data["reason"] == "left":
            return who.did("вышел", "вышла", "из листа ожидания", f"{client} — выход из листа ожидания")
        return f"Лист ожидания: даты ожидания прошли — ожидание клиента {client} завершено"

    def lapsed(rec: Recorded, who: _Who, bid: str | None) -> str:
        seen = t._holds.get(str(rec.data["hold_id"]))
        when = f" {t.when(seen['start'], bid, rec.at)}" if seen else ""
        return f"Придержанное время{when} истекло и освободилось (его ждут в листе ожидания)"

    return {"waitlist.joined": joined, "waitlist.offered": offered, "waitlist.declined": declined,
            "waitlist.booked": booked, "waitlist.ended": ended, "hold.expired": lapsed}


def _day(iso: str) -> str:
    return f"{iso[8:10]}.{iso[5:7]}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
