"""Typed callback data: each button carries everything its step needs.

Nothing about a booking in progress is kept in memory or in FSM storage, so a
restart in the middle of the flow loses nothing: a button pressed after a
restart (or a week later) does its step again from what it carries and the
API's current answer — or, if the data it names is gone, says so and offers
the menu. Ids are the server's 12-character ids; dates are ``YYYYMMDD``;
instants are epoch seconds; an empty ``staff`` means "any master". Every
packed value stays well under Telegram's 64 bytes (the longest, ``Slot``, is
51).
"""

from __future__ import annotations

from datetime import date

from aiogram.filters.callback_data import CallbackData


class Menu(CallbackData, prefix="m"):
    to: str  # "menu" | "book" | "my"


class PickBranch(CallbackData, prefix="b"):
    branch: str


class PickService(CallbackData, prefix="s"):
    branch: str
    service: str


class Days(CallbackData, prefix="d"):
    """The day picker of a service, from ``first`` (``""``: today in the branch), for ``staff`` or any."""

    branch: str
    service: str
    first: str
    staff: str = ""


class Masters(CallbackData, prefix="ms"):
    """The master step of a visit (``bot/masters.py``): «Любой мастер», then each master who does it."""

    branch: str
    service: str


class Times(CallbackData, prefix="t"):
    """Free times of one day; ``staff`` narrows to one master."""

    branch: str
    service: str
    day: str
    staff: str


class Slot(CallbackData, prefix="h"):
    """Hold this start (epoch seconds) for the service, with a master or any."""

    branch: str
    service: str
    at: int
    staff: str


class MoreServices(CallbackData, prefix="as"):
    """«Добавить ещё услугу»: ``service`` is the visit so far (``bot/visit_services.py``)."""

    branch: str
    service: str


class Confirm(CallbackData, prefix="c"):
    """``staff``: the chosen master's short id (``bot/masters.py``), so a re-pick after expiry keeps them."""

    hold: str
    branch: str
    service: str
    day: str
    staff: str = ""


class Release(CallbackData, prefix="x"):
    hold: str
    branch: str
    service: str
    day: str
    staff: str = ""


class AddToCalendar(CallbackData, prefix="ic"):
    """«Добавить в календарь» under a confirmation: the visit as an ``.ics`` document."""

    appointment: str


class AddComment(CallbackData, prefix="cm"):
    """«Добавить комментарий для мастера» under a hold (``bot/comments.py``)."""

    hold: str


class AddPerson(CallbackData, prefix="fp"):
    """«Записать другого человека» under a hold (``bot/for_someone.py``)."""

    hold: str


class Repeat(CallbackData, prefix="rp"):
    """«Повторить запись» for a past visit in «Мои записи»: its services and master, next free times."""

    appointment: str


class AskCancel(CallbackData, prefix="k"):
    appointment: str


class DoCancel(CallbackData, prefix="z"):
    appointment: str


# ---------------------------------------------------------------- the visit (SPEC §9.3)


class Come(CallbackData, prefix="v"):
    """«Приду» under the reminder."""

    appointment: str


class Move(CallbackData, prefix="mv"):
    """«Перенести»: the day picker of the same master, from ``first`` (``""``: today)."""

    appointment: str
    first: str


class MoveDay(CallbackData, prefix="md"):
    appointment: str
    day: str


class MoveTo(CallbackData, prefix="mt"):
    """A new start (epoch seconds), asked to be confirmed."""

    appointment: str
    at: int


class DoMove(CallbackData, prefix="mo"):
    appointment: str
    at: int


class Rate(CallbackData, prefix="r"):
    appointment: str
    stars: int


# ---------------------------------------------------------------- the waitlist (SPEC §9.3, routers/waitlist.py)


class WaitFor(CallbackData, prefix="w1"):
    """«Нет подходящего времени — встать в лист ожидания», from the day ``day`` the client looked at."""

    branch: str
    service: str  # the visit, packed as ``Times.service``
    day: str


class WaitDays(CallbackData, prefix="w2"):
    """How many days from ``day`` the client can come (1, 3, 7); next: the master."""

    branch: str
    service: str
    day: str
    days: int


class WaitMaster(CallbackData, prefix="w3"):
    """The master (``""``: any); next: the time of day."""

    branch: str
    service: str
    day: str
    days: int
    staff: str


class WaitJoin(CallbackData, prefix="w4"):
    """Join with the time of day ``part``: ``m`` утро, ``d`` день, ``e`` вечер, ``""`` any."""

    branch: str
    service: str
    day: str
    days: int
    staff: str
    part: str


class WaitBook(CallbackData, prefix="w5"):
    """«Записаться» under an offer: book with its hold."""

    hold: str


class WaitDecline(CallbackData, prefix="w6"):
    """«Не подходит» under an offer: release its hold (the next client is offered it)."""

    hold: str


class WaitLeave(CallbackData, prefix="w7"):
    """Leave the waitlist («Мои записи»)."""

    entry: str


def pack_day(d: date) -> str:
    return d.strftime("%Y%m%d")


def unpack_day(raw: str) -> date | None:
    """The date of ``raw``, or None for anything that is not a ``YYYYMMDD`` date."""
    if len(raw) != 8 or not raw.isdigit():
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None
