"""Lookups and renderings behind the client endpoints (``api/client.py``).

Handlers read actor state directly (a consistent snapshot: nothing awaits
while it is read) and send every change through the owning actor's mailbox.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
from quart import Response

from actors.errors import HoldExpired, InvalidInput, NotFound
from actors.model import Appointment, Hold, Service
from actors.runtime import BranchActor, Runtime
from actors.schedule import local_date, zone
from actors.slots import Slot
from api.localtime import LocalTimes
from api.params import decode_cursor, encode_cursor
from api.views import utc_iso

MAX_RANGE_DAYS = 31


def json_response(payload: Any, status: int = 200) -> Response:
    """Serialise once with orjson (a dict returned from a handler is first copied by
    quart-schema's ``TypeAdapter(dict).dump_python``, which costs as much as a slot list)."""
    return Response(orjson.dumps(payload), status=status, content_type="application/json")


def branch_and_service(runtime: Runtime, branch_id: str, service_id: str) -> tuple[BranchActor, Service]:
    """The open branch and an active service it offers (404 otherwise)."""
    actor = runtime.branch(branch_id)
    service = runtime.catalogue.state.services.get(service_id)
    if service is None or not service.active or branch_id not in service.branch_ids:
        raise NotFound("service not found in this branch")
    return actor, service


def check_staff(actor: BranchActor, staff_id: str | None) -> None:
    if staff_id is None:
        return
    staff = actor.state.staff.get(staff_id)
    if staff is None or not staff.active:
        raise NotFound("staff member not found in this branch")


def check_range(first: date, last: date) -> None:
    if last < first:
        raise InvalidInput("date_to is before date_from")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"the range may span at most {MAX_RANGE_DAYS} days")


def bookable_days(actor: BranchActor, first: date, last: date, now: float) -> tuple[date, date] | None:
    """``first..last`` narrowed to the local days that can hold a slot (today … the horizon).

    Days outside are answered with ``free: 0`` without computing them, which
    also keeps dates near ``date.min``/``date.max`` away from date arithmetic.
    """
    branch = actor.state.branch
    assert branch is not None
    tz = zone(branch.timezone)
    lo = max(first, local_date(int(now), tz))
    hi = min(last, local_date(int(now + branch.horizon_days * 86400), tz))
    return (lo, hi) if lo <= hi else None


def hold_branch(runtime: Runtime, hold_id: str, *, missing: type[NotFound] | type[HoldExpired]) -> BranchActor:
    """The open branch that holds ``hold_id`` (live or not yet forgotten); ``missing`` otherwise."""
    for actor in runtime.branches.values():
        if hold_id in actor.state.holds and actor.state.branch is not None and actor.state.branch.active:
            return actor
    if missing is HoldExpired:
        raise HoldExpired("the hold has expired or does not exist; choose the time again")
    raise NotFound("hold not found")


def hold_json(hold: Hold, tz_name: str) -> dict[str, object]:
    times = LocalTimes(zone(tz_name))
    return {"hold_id": hold.id, "expires_at": utc_iso(hold.expires_at),
            "start": times.iso(hold.start), "end": times.iso(hold.end), "staff_id": hold.staff_id}


def slots_json(slots: list[Slot], first: date, last: date, tz_name: str) -> dict[str, object]:
    """SPEC's answer: every slot, and per local date the number of distinct free start times."""
    times = LocalTimes(zone(tz_name))
    out: list[dict[str, str]] = []
    free = {(first + timedelta(days=n)).isoformat(): 0 for n in range((last - first).days + 1)}
    previous = None
    for slot in slots:  # sorted by start: count each distinct start once
        start = times.iso(slot.start)
        out.append({"start": start, "end": times.iso(slot.end), "staff_id": slot.staff_id})
        if slot.start != previous:
            previous = slot.start
            free[start[:10]] = free.get(start[:10], 0) + 1
    return {"timezone": tz_name, "days": [{"date": d, "free": n} for d, n in sorted(free.items())],
            "slots": out}


def appointments_of(runtime: Runtime, client_id: str) -> list[Appointment]:
    """Every appointment of the client in every branch, newest start first."""
    found = [a for actor in runtime.branches.values()
             for a in actor.state.appointments.values() if a.client_id == client_id]
    found.sort(key=lambda a: (a.start, a.id), reverse=True)
    return found


def page(items: list[Appointment], limit: int, cursor: str | None) -> tuple[list[Appointment], str | None]:
    """One page of ``items`` (sorted newest first) after ``cursor``, and the next cursor."""
    if cursor is not None:
        position = decode_cursor(cursor)
        if len(position) != 2 or not isinstance(position[0], int) or not isinstance(position[1], str):
            raise InvalidInput("cursor is not valid; use next_cursor from the previous page")
        after = (position[0], position[1])
        items = [a for a in items if (a.start, a.id) < after]
    chunk = items[:limit]
    more = len(items) > limit
    return chunk, encode_cursor([chunk[-1].start, chunk[-1].id]) if more else None
