"""The event journal for administrators: ``GET /system/journal`` (SPEC §3, §9.1).

Events are returned as stored, in ``seq`` order, each with ``text``: one
Russian sentence naming who did what (``api/texts/journal.py``), with names
from the current committed state and times in the branch's zone (a released
hold's time comes from its ``hold.placed``, looked up a short way back in its
stream when it is not on the page, so a sentence does not depend on paging). The
``users`` stream is never exposed (its events carry password hashes): asking
for it is 403, and it is skipped in the unfiltered listing; so are side
streams (the bot's ``notifier`` marks), which are listed when asked for by
name or by one of their types.

Filters (all optional, combined with AND), applied on the server:

- ``stream``: one stream by name;
- ``client_id``: events about the client or any duplicate merged into it —
  its registration, card edits, merges, imports that created or filled it,
  its holds and appointments (status changes, moves and cancellations by the
  appointment's client as committed now), the bot's messages to it;
- ``staff_id``: the master's own events and events of appointments and holds
  that name the master, or whose appointment is the master's now;
- ``appointment_id``: the appointment's events and the bot's reminders of it;
- ``type`` (repeatable): exact event types;
- ``date_from`` / ``date_to``: local dates (both inclusive) of the event's
  ``at`` — in the branch's zone for an event of a branch's stream, in UTC
  for every other event.

Paging is keyset by ``seq``: ``next_after_seq`` is the last position this
request scanned when more events may follow (continue with
``after_seq=next_after_seq``), or null when the scan reached the end of the
journal as it is now (poll again later with the last seq you saw). One
request scans at most ``SCAN_LIMIT`` events whatever the filters, so a
selective filter over a huge journal still answers quickly: such a page may
hold fewer than ``limit`` events, or none, with a ``next_after_seq`` to go on
from.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from quart import Blueprint
from quart_schema import document_response, security_scheme_blueprint

from actors.core.errors import NotFound
from actors.core.model import Appointment, Branch, Client, Hold, Service, Staff
from actors.scheduler import Scheduler
from actors.streams import SIDE_STREAMS, USERS, WEBHOOKS, branch_id_of
from api.context import app_context
from api.guards import admin_user
from api.manager.schemas import JournalPage, JournalQuery
from api.problems import ApiError
from api.shapes import utc_iso
from api.texts.journal import JournalTexts
from api.validated import validate_query
from storage.journal import Journal, Recorded

bp = Blueprint("system_journal", __name__, url_prefix="/api/v1/system")
security_scheme_blueprint(bp, [{"bearer": []}])

HIDDEN_STREAMS = frozenset({USERS})
# Bookkeeping streams (the bot notifier's delivery marks): left out of the
# unfiltered listing, shown when asked for by name (``stream=notifier``) or type.
# Webhook registrations are an admin's changes: listed (their secrets never).
QUIET_STREAMS = SIDE_STREAMS - {WEBHOOKS}
SECRET_FIELDS = {"webhook.created": "secret"}
SCAN_LIMIT = 20_000  # events one request reads at most, matching or not
LOOKBACK, LOOKBACKS = 500, 20  # a released hold's placement: how far back, for how many events
UTC = ZoneInfo("UTC")


class CommittedNames:
    """``api.texts.journal.Names`` over the scheduler's committed state."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._s = scheduler
        self._clients = scheduler.committed_clients()
        self._catalogue = scheduler.committed_catalogue()

    def branch(self, branch_id: str) -> Branch | None:
        state = self._s.committed_branch(branch_id)
        return state.branch if state is not None else None

    def staff(self, branch_id: str, staff_id: str) -> Staff | None:
        state = self._s.committed_branch(branch_id)
        return state.staff.get(staff_id) if state is not None else None

    def service(self, service_id: str) -> Service | None:
        return self._catalogue.services.get(service_id)

    def client(self, client_id: str) -> Client | None:
        return self._clients.current(client_id)

    def client_by_telegram(self, telegram_id: int) -> Client | None:
        return self._clients.by_telegram_client(telegram_id)

    def appointment(self, branch_id: str | None, appointment_id: str) -> Appointment | None:
        if branch_id is not None:
            return self._s.appointment_in(branch_id, appointment_id)
        try:
            return self._s.find_appointment(appointment_id)
        except NotFound:
            return None

    def hold(self, branch_id: str, hold_id: str) -> Hold | None:
        state = self._s.committed_branch(branch_id)
        return state.holds.get(hold_id) if state is not None else None

    def role(self, login: str) -> str | None:
        user = self._s.user(login)
        return user.role if user is not None else None

    def client_ids(self, client_id: str) -> frozenset[str]:
        """The client (as it lives now) and every duplicate merged into it."""
        return frozenset(self._clients.aliases(self._clients.resolve(client_id)))

    def telegram_of(self, client_ids: frozenset[str]) -> int | None:
        for cid in client_ids:
            client = self._clients.clients.get(cid)
            if client is not None and client.telegram_id is not None:
                return client.telegram_id
        return None


@bp.before_request
async def _admins_only() -> None:
    """Authenticate before the query is validated: a stranger gets 401, not 400."""
    admin_user()


@bp.get("/journal")
@validate_query(JournalQuery)
@document_response(JournalPage)
async def journal(query_args: JournalQuery) -> dict[str, Any]:
    q = query_args
    if q.stream in HIDDEN_STREAMS:
        raise ApiError(403, "forbidden", "auth.stream_hidden")  # catalogue key (api/texts/problems.py)
    if q.date_from is not None and q.date_to is not None and q.date_from > q.date_to:  # ISO dates sort as text
        raise ApiError(400, "validation_error", "range.reversed")
    z = app_context()
    names = CommittedNames(z.scheduler)
    keep = _matcher(q, names)
    texts = JournalTexts(names)
    types = frozenset(q.type or ())
    shown: list[tuple[Recorded, str | None]] = []
    last, scanned, more = q.after_seq, 0, False
    reader = z.journal.read_all(q.after_seq, stream=q.stream, limit=SCAN_LIMIT)
    async with contextlib.aclosing(reader):  # type: ignore[type-var]
        async for rec in reader:
            if len(shown) >= q.limit:
                more = True
                break
            last, scanned = rec.seq, scanned + 1
            if rec.stream in HIDDEN_STREAMS:
                continue
            if q.stream is None and rec.stream in QUIET_STREAMS and rec.type not in types:
                continue
            texts.remember(rec)
            branch_id = branch_id_of(rec.stream)
            if keep(rec, branch_id):
                shown.append((rec, branch_id))
    if scanned >= SCAN_LIMIT:
        more = True  # the scan stopped at its bound: the journal may go on
    await _find_released_holds(z.journal, texts, [rec for rec, _ in shown])
    return {"events": [_event_json(rec, texts.text(rec, b)) for rec, b in shown],
            "next_after_seq": last if more else None}


async def _find_released_holds(journal: Journal, texts: JournalTexts, records: list[Recorded]) -> None:
    """A released hold's ``hold.placed`` when it is not on this page: it is at most a hold's
    lifetime older, so a short look back in its stream finds it (bounded per request)."""
    wanted = [r for r in records if r.type == "hold.released" and not texts.knows_hold(str(r.data.get("hold_id")))]
    for rec in wanted[:LOOKBACKS]:
        if texts.knows_hold(str(rec.data.get("hold_id"))):
            continue
        reader = journal.read_all(max(0, rec.seq - LOOKBACK), stream=rec.stream, limit=LOOKBACK)
        async with contextlib.aclosing(reader):  # type: ignore[type-var]
            async for earlier in reader:
                if earlier.seq >= rec.seq:
                    break
                texts.remember(earlier)


def _event_json(rec: Recorded, text: str) -> dict[str, Any]:
    data = rec.data
    hidden = SECRET_FIELDS.get(rec.type)
    if hidden is not None and hidden in data:  # a webhook's signing key is shown once, at creation
        data = {**data, hidden: "***"}
    return {"seq": rec.seq, "stream": rec.stream, "version": rec.version, "type": rec.type,
            "at": utc_iso(rec.at.timestamp()), "actor": rec.actor, "data": data, "text": text}


Check = Callable[[Recorded, str | None], bool]


def _matcher(q: JournalQuery, names: CommittedNames) -> Check:
    """One predicate for every filter given (``branch_id``: the event's branch, if any)."""
    checks: list[Check] = []
    if q.type:
        types = frozenset(q.type)
        checks.append(lambda rec, _b: rec.type in types)
    if q.date_from is not None or q.date_to is not None:
        first = date.fromisoformat(q.date_from) if q.date_from else None
        last = date.fromisoformat(q.date_to) if q.date_to else None
        checks.append(_in_dates(first, last, names))
    if q.appointment_id is not None:
        wanted = q.appointment_id
        checks.append(lambda rec, _b: rec.data.get("appointment_id") == wanted)
    if q.staff_id is not None:
        checks.append(_of_staff(q.staff_id, names))
    if q.client_id is not None:
        checks.append(_of_client(q.client_id, names))
    return lambda rec, b: all(check(rec, b) for check in checks)


def _in_dates(first: date | None, last: date | None, names: CommittedNames) -> Check:
    zones: dict[str | None, ZoneInfo] = {}

    def zone_of(branch_id: str | None) -> ZoneInfo:
        tz = zones.get(branch_id)
        if tz is None:
            branch = names.branch(branch_id) if branch_id else None
            try:
                tz = ZoneInfo(branch.timezone) if branch else UTC
            except (KeyError, ValueError, OSError):
                tz = UTC
            zones[branch_id] = tz
        return tz

    def check(rec: Recorded, branch_id: str | None) -> bool:
        day = datetime.fromtimestamp(rec.at.timestamp(), zone_of(branch_id)).date()
        return (first is None or day >= first) and (last is None or day <= last)
    return check


def _of_staff(staff_id: str, names: CommittedNames) -> Check:
    def check(rec: Recorded, branch_id: str | None) -> bool:
        d = rec.data
        if d.get("staff_id") == staff_id:
            return True
        appointment_id = d.get("appointment_id")
        if isinstance(appointment_id, str):
            appt = names.appointment(branch_id, appointment_id)
            return appt is not None and appt.staff_id == staff_id
        return False
    return check


def _of_client(client_id: str, names: CommittedNames) -> Check:
    ids = names.client_ids(client_id)
    telegram = names.telegram_of(ids)

    def check(rec: Recorded, branch_id: str | None) -> bool:
        d = rec.data
        if rec.actor.startswith("client:") and rec.actor[7:] in ids:
            return True
        if d.get("client_id") in ids or d.get("into_id") in ids or d.get("from_id") in ids:
            return True
        appointment_id = d.get("appointment_id")
        if isinstance(appointment_id, str):
            appt = names.appointment(branch_id, appointment_id)
            return appt is not None and appt.client_id in ids
        if rec.type == "clients.imported":
            return any(row and row[0] in ids for row in (*d.get("created", ()), *d.get("updated", ())))
        if rec.type == "notifier.sent":
            return telegram is not None and d.get("chat") == telegram
        return False
    return check
