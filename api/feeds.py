"""A master's calendar feed (SPEC §9.4): ``GET /api/v1/feeds/{staff_id}/{token}.ics``.

An admin issues the URL (``api/admin/feeds.py``); Google Calendar or a phone
subscribes to it and fetches it every few hours with no other credentials,
so the token in the path is the only secret. Only its SHA-256 is journaled
(``staff.updated`` with ``feed_token_hash``, on the master's branch stream):
every process and every restart know the current one, a new URL replaces the
hash and so revokes the old URL, and the journal never holds the token. The
token is compared in constant time; an unknown master, a removed one, a
closed branch and a wrong or replaced token all answer the same 404. With
several processes, each answer first catches up with the journal, so a URL
replaced on another process a moment ago is refused here too.

The feed holds the master's visits that start from local midnight 7 days
back to the end of the local day the branch's booking horizon reaches, every
status, cancelled ones marked ``STATUS:CANCELLED`` (a calendar then strikes
or drops them). Times are UTC (``…Z``): no time zone definitions needed.
``UID`` is the appointment id, so a rescheduled visit moves in the calendar
instead of appearing twice; ``SEQUENCE`` is the appointment's version.

What the feed tells (it leaves zapis for Google's or Apple's servers):
the services, the client's **first name** only, the status, the branch's
address. Never the surname, phone, Telegram, comment, notes or price.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from quart import Blueprint, Response

from actors.core.errors import NotFound
from actors.core.model import Appointment, Branch, Client, Service, Staff, Status
from actors.core.branch_state import BranchState
from api.context import app_context
from api.texts import feeds as words

bp = Blueprint("feeds", __name__, url_prefix="/api/v1/feeds")

PATH = "/api/v1/feeds/{staff_id}/{token}.ics"
PAST_DAYS = 7
REFRESH = timedelta(hours=1)  # a hint to subscribers; Google refreshes on its own schedule anyway
_PATRONYMIC = ("вич", "вна", "ична", "ьич", "кызы", "оглы")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def matches(staff: Staff, token: str) -> bool:
    """Whether ``token`` is the master's current feed token (constant time)."""
    return bool(staff.feed_token_hash) and hmac.compare_digest(token_hash(token), staff.feed_token_hash)


def first_name(full: str) -> str:
    """The given name of a full name: the middle word of «Фамилия Имя Отчество», else the first word."""
    words_ = full.split()
    if len(words_) == 3 and words_[2].lower().endswith(_PATRONYMIC):
        return words_[1]
    return words_[0] if words_ else ""


def window(branch: Branch, now: float) -> tuple[int, int]:
    """``[first, last)`` instants of the feed: 7 local days back to the end of the horizon's local day."""
    zone = ZoneInfo(branch.timezone)
    today = datetime.fromtimestamp(now, zone).date()
    horizon = datetime.fromtimestamp(now + branch.horizon_days * 86400, zone).date()
    first = datetime.combine(today - timedelta(days=PAST_DAYS), time(), zone)
    last = datetime.combine(horizon + timedelta(days=1), time(), zone)
    return int(first.timestamp()), int(last.timestamp())


def visits_of(state: BranchState, staff_id: str, first: int, last: int) -> list[Appointment]:
    """The master's visits starting in ``[first, last)``, by start."""
    found = [a for a in state.appointments.values() if a.staff_id == staff_id and first <= a.start < last]
    found.sort(key=lambda a: (a.start, a.id))
    return found


def _ical_status(status: Status) -> str:
    if status is Status.CANCELLED:
        return "CANCELLED"
    return "TENTATIVE" if status is Status.NEW else "CONFIRMED"


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(microsecond=0)


def calendar(staff: Staff, branch: Branch, visits: Iterable[Appointment], services: Mapping[str, Service],
             client_of: Mapping[str, Client | None], now: float) -> bytes:
    """The feed as iCalendar bytes (RFC 5545), built with ``icalendar``."""
    cal = Calendar()
    cal.add("prodid", "-//zapis//calendar feed//RU")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", words.CALENDAR_NAME.format(staff=staff.name, branch=branch.name))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    stamp = _utc(now)
    location = branch.address or branch.name
    for appt in visits:
        names = words.SERVICE_JOIN.join(
            svc.name if (svc := services.get(sid)) else words.UNKNOWN_SERVICE for sid in appt.services_of_visit)
        client = client_of.get(appt.client_id)
        given = first_name(client.name) if client else ""
        event = Event()
        event.add("uid", appt.id)
        event.add("dtstamp", stamp)
        event.add("dtstart", _utc(appt.start))
        event.add("dtend", _utc(appt.end))
        event.add("summary", words.SUMMARY.format(services=names, client=given) if given else names)
        event.add("location", location)
        event.add("description", words.DESCRIPTION.format(
            status=words.STATUS_WORDS[appt.status], services=names, branch=branch.name))
        event.add("status", _ical_status(appt.status))
        event.add("sequence", appt.version)
        event.add("last-modified", _utc(appt.updated_at))
        event.add("transp", "TRANSPARENT" if appt.status is Status.CANCELLED else "OPAQUE")
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical


@bp.get("/<staff_id>/<token>.ics")
async def feed(staff_id: str, token: str) -> Response:
    """The master's visits as iCalendar (no auth but the token); 404 for anything else."""
    z = app_context()
    # Another process may have issued or replaced the URL a moment ago: the answer is
    # exact, not stale (one small journal read; feeds are fetched every few hours).
    await z.runtime.catch_up()
    found = _current(staff_id, token)
    if found is None:
        raise NotFound("feed.not_found")
    staff, state = found
    branch = state.branch
    assert branch is not None
    now = z.clock.now()
    first, last = window(branch, now)
    visits = visits_of(state, staff.id, first, last)
    clients = z.scheduler.committed_clients()
    body = calendar(staff, branch, visits, z.scheduler.committed_catalogue().services,
                    {a.client_id: clients.current(a.client_id) for a in visits}, now)
    return Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Cache-Control": "private, max-age=300",
        "Content-Disposition": f'inline; filename="{staff.id}.ics"',
    })


def _current(staff_id: str, token: str) -> tuple[Staff, BranchState] | None:
    """The active master of an open branch whose current feed token is ``token``."""
    z = app_context()
    try:
        staff = z.scheduler.staff_member(staff_id)
    except NotFound:
        return None
    state = z.scheduler.committed_branch(staff.branch_id)
    if state is None or state.branch is None or not matches(staff, token):
        return None
    return staff, state
