"""The words of a master's calendar feed (``api/feeds.py``), in Russian: the feed is the master's own."""

from __future__ import annotations

from actors.core.model import Status

# What a visit's status means to the master looking at their phone's calendar.
STATUS_WORDS: dict[Status, str] = {
    Status.NEW: "новая запись, ещё не подтверждена",
    Status.CONFIRMED: "запись подтверждена",
    Status.IN_PROGRESS: "идёт визит",
    Status.DONE: "визит состоялся",
    Status.CANCELLED: "запись отменена",
    Status.NO_SHOW: "клиент не пришёл",
}
CALENDAR_NAME = "{staff} — {branch}"  # the subscribed calendar's name (X-WR-CALNAME)
SUMMARY = "{services} · {client}"  # «Женская стрижка + Окрашивание · Ирина»
SERVICE_JOIN = " + "
UNKNOWN_SERVICE = "услуга"
DESCRIPTION = "{status}\nУслуги: {services}\nФилиал: {branch}"
